/*===- RuntimeInternal.h - shared pieces of the dsk runtime -----*- C -*-===*
 *
 * Private to lib/Runtime: the layout of a loaded model, the metadata parser
 * and the CPU feature check. Nothing here is exported from libdsk_runtime.
 *
 *===----------------------------------------------------------------------===*/

#ifndef DSK_LIB_RUNTIME_RUNTIMEINTERNAL_H
#define DSK_LIB_RUNTIME_RUNTIMEINTERNAL_H

#include "dsk/Runtime/ModelABI.h"
#include "dsk/Runtime/Runtime.h"

#include <stdatomic.h>

#include <stddef.h>
#include <stdint.h>

/* Marks the functions of Runtime.h; the library builds with hidden
 * visibility so that only the C API is exported. */
#define DSK_API __attribute__((visibility("default")))

/* One input or output as declared by the metadata. */
typedef struct dsk_decl {
  dsk_tensor_info info;
  /* Per dimension: index into dsk_model.symbols, or -1 when static. */
  const int32_t *dim_symbols;
  /* Whether any dimension is symbolic; static tensors have a fixed size. */
  int has_symbolic;
  /* Bytes of a static tensor (product of dims times element size). */
  size_t static_bytes;
} dsk_decl;

/* A loaded model. Everything, strings included, lives in one allocation
 * made at load, apart from the cached workspace. After dsk_model_load
 * returns, the model is never written except through its atomics
 * (num_threads, workspace_flag), which is what makes concurrent
 * dsk_model_run calls safe. */
struct dsk_model {
  void *handle;               /* from dlopen */
  int abi_version;            /* 1 or 2: which symbols the library exports */
  dsk_model_run_fn run;       /* dsk_model_run_v2, or NULL for version 1 */
  dsk_model_run_v1_fn run_v1; /* dsk_model_run_v1, or NULL for version 2 */
  /* omp_set_num_threads of the OpenMP runtime the model links, or NULL for
   * a model without parallel loops. */
  void (*set_num_threads)(int);
  /* kmp_set_blocktime of that runtime, or NULL when the model has no
   * parallel loops or the environment sets KMP_BLOCKTIME itself. */
  void (*set_blocktime)(int);
  _Atomic int num_threads; /* 0: the OpenMP default */
  /* Bytes of scratch memory a run needs (0 for version 1). */
  size_t workspace_size;
  /* One workspace of workspace_size bytes, aligned to
   * DSK_MODEL_WORKSPACE_ALIGNMENT, allocated at load (NULL when the size is
   * 0). A run that sets *workspace_busy from 0 to 1 owns it until it stores
   * 0 again; runs that find it taken allocate a temporary one. The flag is
   * the one thing a run writes; runs see the model as const, so they reach
   * it through this pointer to workspace_flag. */
  void *workspace;
  _Atomic int *workspace_busy;
  _Atomic int workspace_flag;
  const char *path; /* as the caller spelled it, for messages */
  const char *kind; /* the target kind: "cpu" */
  const char *arch;
  const char *cpu;
  const char *features; /* as recorded; "" when the metadata says "-" */
  size_t num_inputs;
  size_t num_outputs;
  dsk_decl *decls; /* inputs, then outputs */
  size_t num_symbols;
  const char **symbols; /* distinct symbolic dimension names */
  size_t num_regions;
  dsk_region_info *regions; /* the metadata's profiling regions */
  /* The library's dsk_model_profile_hook_v2 variable, or NULL when it has
   * none (compiled without profiling regions, or version 1). */
  dsk_model_profile_hook_fn *profile_hook;
};

/* Fills `err` (when not NULL) and returns `status`. */
dsk_status dsk_set_error(dsk_error *err, dsk_status status, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

/* Clears `err` (when not NULL) and returns DSK_OK. */
dsk_status dsk_set_ok(dsk_error *err);

/* Parses metadata `text` of the model at `path`, found under the symbol of
 * ABI `version` (1 or 2), into a freshly allocated model: abi_version, kind,
 * target, workspace_size and the tensors are set, handle, run functions and
 * workspace left NULL. Every malformed line, and a `dsk-model N` line whose
 * version is not `version`, is a DSK_ERROR_BAD_MODEL naming the line. */
dsk_status dsk_parse_metadata(const char *text, int version, const char *path,
                              dsk_model **model, dsk_error *err);

/* Checks that this machine can run code compiled for the model's target
 * (architecture and CPU features); DSK_ERROR_UNSUPPORTED_CPU otherwise. */
dsk_status dsk_check_cpu(const dsk_model *model, dsk_error *err);

/* Checks the file at `path` before dlopen sees it (LibraryFile.c): a regular
 * file whose ELF headers lie inside it, and whose size and checksum match
 * the model ABI's file trailer when it has one; DSK_ERROR_LOAD otherwise. A
 * file that cannot be opened passes, for dlopen to report. */
dsk_status dsk_check_library_file(const char *path, dsk_error *err);

#endif /* DSK_LIB_RUNTIME_RUNTIMEINTERNAL_H */
