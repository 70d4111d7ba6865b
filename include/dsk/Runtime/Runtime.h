/*===- Runtime.h - load and run dsk-compiled models (C API) ---------------===*
 *
 * The dsk runtime: a small C library (no MLIR/LLVM dependency) that opens a
 * model library produced by `dsk-compile --emit=lib`, describes its inputs and
 * outputs, checks caller tensors and runs the model.
 *
 *   dsk_error err;
 *   dsk_model *model;
 *   if (dsk_model_load("model.so", &model, &err) != DSK_OK) {
 *     fprintf(stderr, "%s\n", err.message);
 *     return 1;
 *   }
 *   ... fill dsk_tensor inputs[n_in], outputs[n_out] ...
 *   dsk_model_run(model, inputs, n_in, outputs, n_out, &err);
 *   dsk_model_close(model);
 *
 * Errors: every function returns a dsk_status; when it is not DSK_OK and
 * `err` is not NULL, err->message holds a NUL-terminated sentence that names
 * what is wrong (the file, the input or output, the expected and actual
 * values). There is no global error state, so the API is thread-safe:
 * dsk_model_run may be called concurrently on one loaded model.
 *
 * Models of model ABI version 2 (ModelABI.h) lay out their intermediate
 * buffers in a workspace. dsk_model_run supplies one (the model's own,
 * allocated at load, or a temporary one while a concurrent call holds it);
 * dsk_model_run_with_workspace takes the caller's. Version-1 models still
 * load and run; they need no workspace.
 *
 *===----------------------------------------------------------------------===*/

#ifndef DSK_RUNTIME_RUNTIME_H
#define DSK_RUNTIME_RUNTIME_H

#include "dsk/Runtime/ModelABI.h" /* DSK_MODEL_WORKSPACE_ALIGNMENT */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dsk_status {
  DSK_OK = 0,
  DSK_ERROR_INVALID_ARGUMENT = 1, /* null pointer, bad index, bad tensor */
  DSK_ERROR_LOAD = 2,             /* the file cannot be opened as a model */
  DSK_ERROR_BAD_MODEL = 3,        /* missing symbols, malformed metadata */
  DSK_ERROR_UNSUPPORTED_CPU = 4,  /* this CPU lacks a feature the model uses */
} dsk_status;

typedef enum dsk_dtype {
  DSK_DTYPE_INVALID = 0,
  DSK_DTYPE_F16,
  DSK_DTYPE_BF16,
  DSK_DTYPE_F32,
  DSK_DTYPE_F64,
  DSK_DTYPE_I8,
  DSK_DTYPE_I16,
  DSK_DTYPE_I32,
  DSK_DTYPE_I64,
  DSK_DTYPE_U8,
  DSK_DTYPE_U16,
  DSK_DTYPE_U32,
  DSK_DTYPE_U64,
  DSK_DTYPE_BOOL,
} dsk_dtype;

#define DSK_ERROR_MESSAGE_SIZE 512

typedef struct dsk_error {
  dsk_status status;
  char message[DSK_ERROR_MESSAGE_SIZE];
} dsk_error;

/* A caller's tensor: dense, row-major. `size_bytes` is the size of the buffer
 * at `data`; it must hold at least product(dims) * element size. */
typedef struct dsk_tensor {
  dsk_dtype dtype;
  int64_t rank;
  const int64_t *dims; /* `rank` entries; may be NULL when rank is 0 */
  void *data;
  size_t size_bytes;
} dsk_tensor;

/* One input or output as the model declares it. Pointers stay valid until
 * dsk_model_close. A dimension of -1 is symbolic; dim_names[i] names it
 * (dim_names[i] is NULL for static dimensions). */
typedef struct dsk_tensor_info {
  const char *name;
  dsk_dtype dtype;
  int64_t rank;
  const int64_t *dims;
  const char *const *dim_names;
} dsk_tensor_info;

typedef struct dsk_model dsk_model;

/* Opens a compiled model of ABI version 2, or 1 when the library exports
 * only the version-1 symbols. Fails with DSK_ERROR_BAD_MODEL when the
 * symbols or the metadata are wrong (including a model for a target kind
 * other than cpu), and with DSK_ERROR_UNSUPPORTED_CPU, naming the missing
 * feature, when the model was compiled for a CPU feature this machine lacks.
 * Features listed in the environment variable DSK_DISABLE_CPU_FEATURES
 * (comma-separated LLVM names, e.g. "avx512f,avx2") are treated as absent.
 * A model that needs a workspace gets one allocated here. */
dsk_status dsk_model_load(const char *path, dsk_model **model, dsk_error *err);

/* Releases the model. NULL is allowed. No call may be running on it. */
void dsk_model_close(dsk_model *model);

size_t dsk_model_num_inputs(const dsk_model *model);
size_t dsk_model_num_outputs(const dsk_model *model);

/* Describes input/output `index`; DSK_ERROR_INVALID_ARGUMENT when out of
 * range. */
dsk_status dsk_model_input_info(const dsk_model *model, size_t index,
                                dsk_tensor_info *info, dsk_error *err);
dsk_status dsk_model_output_info(const dsk_model *model, size_t index,
                                 dsk_tensor_info *info, dsk_error *err);

/* The target the model was compiled for: CPU name and comma-separated
 * feature list, as recorded in the model. */
const char *dsk_model_target_cpu(const dsk_model *model);
const char *dsk_model_target_features(const dsk_model *model);

/* The kind of target the model runs on: "cpu" (the only kind this runtime
 * loads); "" for NULL. */
const char *dsk_model_target_kind(const dsk_model *model);

/* The model ABI version of the library: 2, or 1 for an older model; 0 for
 * NULL. */
int dsk_model_abi_version(const dsk_model *model);

/* Bytes of scratch memory one run needs (0 for version-1 models, and for
 * NULL). A caller-supplied workspace must be at least this large and
 * aligned to DSK_MODEL_WORKSPACE_ALIGNMENT (64) bytes. */
size_t dsk_model_workspace_size(const dsk_model *model);

/* Checks every input and output against the model's declaration (count,
 * dtype, rank, dims, non-NULL data, size_bytes large enough; no output may
 * share memory with an input or another output), then runs the model,
 * writing the outputs in place. Thread-safe: the first of concurrent calls
 * uses the model's workspace, the others allocate a temporary one each
 * (failing with DSK_ERROR_INVALID_ARGUMENT, saying so, when out of memory). */
dsk_status dsk_model_run(const dsk_model *model, const dsk_tensor *inputs,
                         size_t num_inputs, dsk_tensor *outputs,
                         size_t num_outputs, dsk_error *err);

/* dsk_model_run with the caller's workspace: `workspace_bytes` bytes at
 * `workspace`, at least dsk_model_workspace_size and aligned to
 * DSK_MODEL_WORKSPACE_ALIGNMENT, else DSK_ERROR_INVALID_ARGUMENT (both are
 * ignored when the model needs no workspace). No workspace is allocated;
 * concurrent calls must pass distinct workspaces. Its contents need no
 * initialization and mean nothing afterwards. */
dsk_status dsk_model_run_with_workspace(const dsk_model *model,
                                        const dsk_tensor *inputs,
                                        size_t num_inputs, dsk_tensor *outputs,
                                        size_t num_outputs, void *workspace,
                                        size_t workspace_bytes, dsk_error *err);

/* Idle worker threads of a parallel model spin this many milliseconds
 * after each parallel loop before they sleep: long enough that the next loop
 * of the same run, and of the next back-to-back run, starts without waking
 * them (a wake-up costs tens of microseconds, more than many loops take; 1
 * ms measured too short with libomp: a 0.6 ms model took 1.7 ms at two
 * threads), short enough that the cores go idle soon after the last run
 * (libomp's own default is 200 ms; ONNX Runtime's workers spin about 40 ms).
 * The environment variable KMP_BLOCKTIME, when set, wins. Spinning workers
 * do not yield the core unless the team has more threads than the machine
 * has cores (libomp's KMP_USE_YIELD=2, set for the process's OpenMP runtime
 * when a parallel model loads, unless the environment sets KMP_USE_YIELD):
 * with libomp's default, a yielding worker ends up sharing the caller's
 * core, and a run takes several times as long. */
#define DSK_WORKER_SPIN_MS 10

/* Threads. A model compiled with parallel loops (dsk-compile's default
 * --parallel; it links LLVM's OpenMP runtime) runs its large ops on a team of
 * threads; dsk_model_is_parallel says whether this one does. Its size is
 * `num_threads` for later dsk_model_run calls from any thread, or, for 0 (the
 * default), OpenMP's default (OMP_NUM_THREADS, else one per core).
 * Counts outside [0, DSK_MAX_THREADS] are DSK_ERROR_INVALID_ARGUMENT. Models
 * without parallel loops always run on the calling thread. */
#define DSK_MAX_THREADS 1024
dsk_status dsk_model_set_num_threads(dsk_model *model, int num_threads,
                                     dsk_error *err);
int dsk_model_num_threads(const dsk_model *model);
int dsk_model_is_parallel(const dsk_model *model);

/* Profiling. A model compiled with profiling regions (dsk-compile's
 * default --profile-regions) names one region per op of its compiled graph:
 * the op, the kernel chosen for it and the model node it came from. */
typedef struct dsk_region_info {
  const char *op;     /* e.g. "linalg.generic(reduction)", "linalg.copy" */
  const char *kernel; /* e.g. "x86.avx512f.gemm_f32"; "" for the reference
                         lowering */
  const char *node;   /* the model's node name; "" when unknown */
  const char *shapes; /* operand shapes, e.g. "32x256xf32,8xf32->32x8xf32" */
} dsk_region_info;

/* The number of profiling regions (0 for a model compiled without them,
 * and for NULL), and region `index`'s description (strings valid until
 * dsk_model_close). */
size_t dsk_model_num_regions(const dsk_model *model);
dsk_status dsk_model_region_info(const dsk_model *model, size_t index,
                                 dsk_region_info *info, dsk_error *err);

/* The time each region took over a series of runs. */
typedef struct dsk_profile dsk_profile;

typedef struct dsk_region_time {
  size_t calls;    /* times the region ran, over all runs */
  double total_ms; /* their total wall time, over all runs */
} dsk_region_time;

/* Runs the model `runs` times (>= 1) as dsk_model_run does, after one
 * untimed warm-up run, timing every run and every region's code on the
 * calling thread (worker threads' time is inside the regions that fork
 * them). Concurrent runs on other threads are not recorded. Fails with
 * DSK_ERROR_INVALID_ARGUMENT when the model has no profiling regions.
 * `*profile` refers to `model` and must be freed before it is closed. */
dsk_status dsk_model_profile(const dsk_model *model, const dsk_tensor *inputs,
                             size_t num_inputs, dsk_tensor *outputs,
                             size_t num_outputs, int runs,
                             dsk_profile **profile, dsk_error *err);
void dsk_profile_free(dsk_profile *profile);

int dsk_profile_num_runs(const dsk_profile *profile);
/* Wall time of timed run `run` (0-based), or -1 when out of range. */
double dsk_profile_run_ms(const dsk_profile *profile, int run);
dsk_status dsk_profile_region_time(const dsk_profile *profile, size_t region,
                                   dsk_region_time *time, dsk_error *err);

/* Writes a text table, regions sorted by time (most first), with each
 * one's mean time per run, share of the median run, calls, op, kernel,
 * node and shapes, into `buffer` (NUL-terminated, truncated to `size`);
 * returns the length of the whole table, as snprintf does. */
size_t dsk_profile_format_table(const dsk_profile *profile, char *buffer,
                                size_t size);

/* Writes the runs as a Chrome trace (JSON; chrome://tracing, Perfetto): one
 * event per run and per region call, with the op, kernel and shapes. */
dsk_status dsk_profile_write_trace(const dsk_profile *profile, const char *path,
                                   dsk_error *err);

/* Helpers. */
const char *dsk_dtype_name(dsk_dtype dtype); /* "f32", ...; "invalid" */
size_t dsk_dtype_size(dsk_dtype dtype);      /* bytes; 0 for invalid */
const char *dsk_status_name(dsk_status status);

#ifdef __cplusplus
}
#endif

#endif /* DSK_RUNTIME_RUNTIME_H */
