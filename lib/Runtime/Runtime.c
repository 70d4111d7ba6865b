/*===- Runtime.c - load and run dsk-compiled models ----------------------===*
 *
 * The C API of Runtime.h: opening a model library (ABI version 2, or 1),
 * describing its tensors, checking caller tensors and workspaces before
 * calling the model's run function. The metadata parser lives in Metadata.c,
 * the CPU check in CpuFeatures.c.
 *
 *===----------------------------------------------------------------------===*/

#include "RuntimeInternal.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

dsk_status dsk_set_error(dsk_error *err, dsk_status status, const char *fmt,
                         ...) {
  if (!err)
    return status;
  err->status = status;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof(err->message), fmt, ap);
  va_end(ap);
  return status;
}

dsk_status dsk_set_ok(dsk_error *err) {
  if (err) {
    err->status = DSK_OK;
    err->message[0] = '\0';
  }
  return DSK_OK;
}

DSK_API const char *dsk_dtype_name(dsk_dtype dtype) {
  switch (dtype) {
  case DSK_DTYPE_F16:
    return "f16";
  case DSK_DTYPE_BF16:
    return "bf16";
  case DSK_DTYPE_F32:
    return "f32";
  case DSK_DTYPE_F64:
    return "f64";
  case DSK_DTYPE_I8:
    return "i8";
  case DSK_DTYPE_I16:
    return "i16";
  case DSK_DTYPE_I32:
    return "i32";
  case DSK_DTYPE_I64:
    return "i64";
  case DSK_DTYPE_U8:
    return "u8";
  case DSK_DTYPE_U16:
    return "u16";
  case DSK_DTYPE_U32:
    return "u32";
  case DSK_DTYPE_U64:
    return "u64";
  case DSK_DTYPE_BOOL:
    return "bool";
  case DSK_DTYPE_INVALID:
    break;
  }
  return "invalid";
}

DSK_API size_t dsk_dtype_size(dsk_dtype dtype) {
  switch (dtype) {
  case DSK_DTYPE_I8:
  case DSK_DTYPE_U8:
  case DSK_DTYPE_BOOL:
    return 1;
  case DSK_DTYPE_F16:
  case DSK_DTYPE_BF16:
  case DSK_DTYPE_I16:
  case DSK_DTYPE_U16:
    return 2;
  case DSK_DTYPE_F32:
  case DSK_DTYPE_I32:
  case DSK_DTYPE_U32:
    return 4;
  case DSK_DTYPE_F64:
  case DSK_DTYPE_I64:
  case DSK_DTYPE_U64:
    return 8;
  case DSK_DTYPE_INVALID:
    break;
  }
  return 0;
}

DSK_API const char *dsk_status_name(dsk_status status) {
  switch (status) {
  case DSK_OK:
    return "ok";
  case DSK_ERROR_INVALID_ARGUMENT:
    return "invalid argument";
  case DSK_ERROR_LOAD:
    return "load error";
  case DSK_ERROR_BAD_MODEL:
    return "bad model";
  case DSK_ERROR_UNSUPPORTED_CPU:
    return "unsupported CPU";
  }
  return "unknown status";
}

/* The symbols of each ABI version this runtime loads, newest first. */
static const struct abi_symbols {
  int version;
  const char *metadata;
  const char *run;
} abis[] = {
    {2, DSK_MODEL_METADATA_SYMBOL, DSK_MODEL_RUN_SYMBOL},
    {1, DSK_MODEL_METADATA_SYMBOL_V1, DSK_MODEL_RUN_SYMBOL_V1},
};
enum { NUM_ABIS = sizeof(abis) / sizeof(abis[0]) };

/* Finds the newest ABI whose symbols `handle` exports: sets *abi, *metadata
 * and *run, or reports DSK_ERROR_BAD_MODEL. A library that exports one
 * symbol of a version but not the other is broken, not older. */
static dsk_status find_abi(void *handle, const char *path,
                           const struct abi_symbols **abi, void **metadata,
                           void **run, dsk_error *err) {
  for (int i = 0; i < NUM_ABIS; ++i) {
    *metadata = dlsym(handle, abis[i].metadata);
    *run = dlsym(handle, abis[i].run);
    if (*metadata && *run) {
      *abi = &abis[i];
      return DSK_OK;
    }
    if (*metadata || *run)
      return dsk_set_error(
          err, DSK_ERROR_BAD_MODEL,
          "%s does not export the symbol '%s' (though it exports '%s'): it "
          "is not a dsk model, or it was compiled for another model ABI "
          "version (this runtime reads versions 1 and 2)",
          path, *run ? abis[i].metadata : abis[i].run,
          *run ? abis[i].run : abis[i].metadata);
  }
  return dsk_set_error(
      err, DSK_ERROR_BAD_MODEL,
      "%s exports neither '%s' nor '%s': it is not a dsk model, or it was "
      "compiled for another model ABI version (this runtime reads versions 1 "
      "and 2)",
      path, DSK_MODEL_METADATA_SYMBOL, DSK_MODEL_METADATA_SYMBOL_V1);
}

/* Allocates `bytes` (> 0) aligned to DSK_MODEL_WORKSPACE_ALIGNMENT, or
 * returns NULL. The metadata parser made sure rounding up cannot overflow. */
static void *alloc_workspace(size_t bytes) {
  size_t align = DSK_MODEL_WORKSPACE_ALIGNMENT;
  /* C11's aligned_alloc wants a multiple of the alignment. */
  return aligned_alloc(align, (bytes + align - 1) / align * align);
}

/* libomp's spinning workers call sched_yield by default, and so yielding
 * they let Linux place them on the calling thread's core, where they stay:
 * the caller and a worker then share one core while the other idles, and
 * every op runs about 4x slower (measured: a 0.25 ms model at two threads
 * took 1 ms in most runs after its first half second). Yielding only when
 * the team has more threads than the machine has cores keeps them apart.
 * This applies to the whole OpenMP runtime of the process (every model that
 * links it); KMP_USE_YIELD in the environment wins. */
static void spin_without_yielding(void *handle) {
  if (getenv("KMP_USE_YIELD"))
    return;
  void *set_defaults = dlsym(handle, "kmp_set_defaults");
  void (*fn)(const char *);
  memcpy(&fn, &set_defaults, sizeof(fn));
  if (fn)
    fn("KMP_USE_YIELD=2");
}

DSK_API dsk_status dsk_model_load(const char *path, dsk_model **model,
                                  dsk_error *err) {
  if (model)
    *model = NULL;
  if (!path || !model)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "dsk_model_load: %s is NULL", path ? "model" : "path");

  dsk_status checked = dsk_check_library_file(path, err);
  if (checked != DSK_OK)
    return checked;
  /* dlopen searches the library path for a name without a slash; a model
   * path always means a file, so make it relative to the current directory. */
  void *handle;
  if (strchr(path, '/')) {
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  } else {
    size_t len = strlen(path);
    char *local = malloc(len + 3);
    if (!local)
      return dsk_set_error(err, DSK_ERROR_LOAD, "%s: out of memory", path);
    memcpy(local, "./", 2);
    memcpy(local + 2, path, len + 1);
    handle = dlopen(local, RTLD_NOW | RTLD_LOCAL);
    free(local);
  }
  if (!handle) {
    const char *why = dlerror();
    return dsk_set_error(err, DSK_ERROR_LOAD, "cannot load model %s: %s", path,
                         why ? why : "unknown dlopen error");
  }

  const struct abi_symbols *abi;
  void *metadata, *run;
  dsk_model *m = NULL;
  dsk_status st = find_abi(handle, path, &abi, &metadata, &run, err);
  if (st == DSK_OK)
    st =
        dsk_parse_metadata((const char *)metadata, abi->version, path, &m, err);
  if (st == DSK_OK)
    st = dsk_check_cpu(m, err);
  if (st == DSK_OK && m->workspace_size > 0) {
    m->workspace = alloc_workspace(m->workspace_size);
    if (!m->workspace)
      st = dsk_set_error(err, DSK_ERROR_LOAD,
                         "%s: out of memory for the model's workspace of %zu "
                         "bytes",
                         path, m->workspace_size);
  }
  if (st != DSK_OK) {
    free(m);
    dlclose(handle);
    return st;
  }
  m->handle = handle;
  /* POSIX guarantees that a function pointer survives a round trip through
   * void *, which is what dlsym relies on. */
  if (abi->version == 1)
    memcpy(&m->run_v1, &run, sizeof(m->run_v1));
  else
    memcpy(&m->run, &run, sizeof(m->run));
  /* Found only when the model links an OpenMP runtime (parallel loops). */
  void *set_threads = dlsym(handle, "omp_set_num_threads");
  memcpy(&m->set_num_threads, &set_threads, sizeof(m->set_num_threads));
  /* How long idle workers spin before they sleep: the user's KMP_BLOCKTIME
   * if set, else DSK_WORKER_SPIN_MS (libomp's own default, 200 ms, keeps
   * the cores busy long after a run). */
  void *set_blocktime = set_threads && !getenv("KMP_BLOCKTIME")
                            ? dlsym(handle, "kmp_set_blocktime")
                            : NULL;
  memcpy(&m->set_blocktime, &set_blocktime, sizeof(m->set_blocktime));
  if (set_threads)
    spin_without_yielding(handle);
  /* A data symbol: the address of the library's hook variable. */
  m->profile_hook = abi->version >= 2 && m->num_regions > 0
                        ? dlsym(handle, DSK_MODEL_PROFILE_HOOK_SYMBOL)
                        : NULL;
  atomic_init(&m->num_threads, 0);
  atomic_init(&m->workspace_flag, 0);
  m->workspace_busy = &m->workspace_flag;
  *model = m;
  return dsk_set_ok(err);
}

DSK_API void dsk_model_close(dsk_model *model) {
  if (!model)
    return;
  dlclose(model->handle);
  free(model->workspace);
  free(model);
}

DSK_API size_t dsk_model_num_inputs(const dsk_model *model) {
  return model ? model->num_inputs : 0;
}

DSK_API size_t dsk_model_num_outputs(const dsk_model *model) {
  return model ? model->num_outputs : 0;
}

static dsk_status tensor_info(const dsk_model *model, const char *kind,
                              size_t count, size_t first, size_t index,
                              dsk_tensor_info *info, dsk_error *err) {
  if (!model || !info)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "dsk_model_%s_info: %s is NULL", kind,
                         model ? "info" : "model");
  if (index >= count)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s index %zu is out of range: %s has %zu %ss", kind,
                         index, model->path, count, kind);
  *info = model->decls[first + index].info;
  return dsk_set_ok(err);
}

DSK_API dsk_status dsk_model_input_info(const dsk_model *model, size_t index,
                                        dsk_tensor_info *info, dsk_error *err) {
  return tensor_info(model, "input", model ? model->num_inputs : 0, 0, index,
                     info, err);
}

DSK_API dsk_status dsk_model_output_info(const dsk_model *model, size_t index,
                                         dsk_tensor_info *info,
                                         dsk_error *err) {
  return tensor_info(model, "output", model ? model->num_outputs : 0,
                     model ? model->num_inputs : 0, index, info, err);
}

DSK_API const char *dsk_model_target_cpu(const dsk_model *model) {
  return model ? model->cpu : "";
}

DSK_API const char *dsk_model_target_features(const dsk_model *model) {
  return model ? model->features : "";
}

DSK_API const char *dsk_model_target_kind(const dsk_model *model) {
  return model ? model->kind : "";
}

DSK_API int dsk_model_abi_version(const dsk_model *model) {
  return model ? model->abi_version : 0;
}

DSK_API size_t dsk_model_workspace_size(const dsk_model *model) {
  return model ? model->workspace_size : 0;
}

/* Writes "f32[2,?N,3]" into buf. */
static const char *format_decl(const dsk_tensor_info *info, char *buf,
                               size_t size) {
  size_t used = 0;
#define APPEND(...)                                                            \
  do {                                                                         \
    int n_ = snprintf(buf + used, size - used, __VA_ARGS__);                   \
    if (n_ < 0 || (size_t)n_ >= size - used)                                   \
      return buf;                                                              \
    used += (size_t)n_;                                                        \
  } while (0)
  buf[0] = '\0';
  APPEND("%s[", dsk_dtype_name(info->dtype));
  for (int64_t i = 0; i < info->rank; ++i) {
    if (info->dims[i] < 0)
      APPEND("%s?%s", i ? "," : "", info->dim_names[i]);
    else
      APPEND("%s%lld", i ? "," : "", (long long)info->dims[i]);
  }
  APPEND("]");
#undef APPEND
  return buf;
}

/* Where a symbolic dimension got its value during one dsk_model_run call. */
typedef struct binding {
  int64_t value;
  const char *kind; /* NULL while unbound */
  size_t index;
  int64_t dim;
} binding;

/* Checks one caller tensor against its declaration, binding symbolic
 * dimensions on first use. */
static dsk_status check_tensor(const dsk_model *model, const char *kind,
                               size_t index, const dsk_decl *decl,
                               const dsk_tensor *t, binding *bindings,
                               dsk_error *err) {
  const dsk_tensor_info *info = &decl->info;
  char want[160];
  if (t->dtype != info->dtype)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s: %s %zu '%s' has dtype %s, expected %s (%s)",
                         model->path, kind, index, info->name,
                         dsk_dtype_name(t->dtype), dsk_dtype_name(info->dtype),
                         format_decl(info, want, sizeof(want)));
  if (t->rank != info->rank)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s: %s %zu '%s' has rank %lld, expected %lld (%s)",
                         model->path, kind, index, info->name,
                         (long long)t->rank, (long long)info->rank,
                         format_decl(info, want, sizeof(want)));
  if (info->rank > 0 && !t->dims)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s: %s %zu '%s' has rank %lld but NULL dims",
                         model->path, kind, index, info->name,
                         (long long)t->rank);
  for (int64_t i = 0; i < info->rank; ++i) {
    int64_t got = t->dims[i];
    if (info->dims[i] >= 0) {
      if (got != info->dims[i])
        return dsk_set_error(
            err, DSK_ERROR_INVALID_ARGUMENT,
            "%s: %s %zu '%s' dimension %lld is %lld, expected %lld (%s)",
            model->path, kind, index, info->name, (long long)i, (long long)got,
            (long long)info->dims[i], format_decl(info, want, sizeof(want)));
      continue;
    }
    if (got < 0)
      return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                           "%s: %s %zu '%s' dimension %lld (symbol '%s') is "
                           "%lld, expected a non-negative size",
                           model->path, kind, index, info->name, (long long)i,
                           info->dim_names[i], (long long)got);
    binding *b = &bindings[decl->dim_symbols[i]];
    if (!b->kind) {
      *b = (binding){got, kind, index, i};
    } else if (b->value != got) {
      const dsk_decl *first =
          &model->decls[b->index +
                        (strcmp(b->kind, "output") ? 0 : model->num_inputs)];
      return dsk_set_error(
          err, DSK_ERROR_INVALID_ARGUMENT,
          "%s: %s %zu '%s' dimension %lld (symbol '%s') is %lld, but %s %zu "
          "'%s' dimension %lld set '%s' to %lld",
          model->path, kind, index, info->name, (long long)i,
          info->dim_names[i], (long long)got, b->kind, b->index,
          first->info.name, (long long)b->dim, info->dim_names[i],
          (long long)b->value);
    }
  }
  if (!t->data)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s: %s %zu '%s' has NULL data", model->path, kind,
                         index, info->name);
  size_t need = decl->static_bytes;
  if (decl->has_symbolic) {
    uint64_t bytes = dsk_dtype_size(info->dtype);
    int overflow = 0;
    for (int64_t i = 0; i < info->rank; ++i)
      overflow |= __builtin_mul_overflow(bytes, (uint64_t)t->dims[i], &bytes);
    if (overflow || bytes > SIZE_MAX)
      return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                           "%s: %s %zu '%s' is too large: its size in bytes "
                           "overflows",
                           model->path, kind, index, info->name);
    need = (size_t)bytes;
  }
  if (t->size_bytes < need)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s: %s %zu '%s' has size_bytes %zu, but %s needs "
                         "%zu bytes",
                         model->path, kind, index, info->name, t->size_bytes,
                         format_decl(info, want, sizeof(want)), need);
  return DSK_OK;
}

/* Bytes of a tensor that check_tensor accepted (no overflow). */
static size_t tensor_bytes(const dsk_tensor *t) {
  size_t bytes = dsk_dtype_size(t->dtype);
  for (int64_t d = 0; d < t->rank; ++d)
    bytes *= (size_t)t->dims[d];
  return bytes;
}

static int overlaps(const dsk_tensor *a, const dsk_tensor *b) {
  size_t a_bytes = tensor_bytes(a), b_bytes = tensor_bytes(b);
  if (a_bytes == 0 || b_bytes == 0)
    return 0;
  uintptr_t a_begin = (uintptr_t)a->data, b_begin = (uintptr_t)b->data;
  return a_begin < b_begin + b_bytes && b_begin < a_begin + a_bytes;
}

/* Compiled models assume that no output shares memory with an input or
 * another output (the ABI's buffers are `restrict`); an overlap would give
 * wrong results silently, so it is an error. */
static dsk_status check_no_overlap(const dsk_model *model,
                                   const dsk_tensor *inputs, size_t num_inputs,
                                   const dsk_tensor *outputs,
                                   size_t num_outputs, size_t index,
                                   dsk_error *err) {
  const dsk_tensor *out = &outputs[index];
  const char *name = model->decls[num_inputs + index].info.name;
  for (size_t j = 0; j < num_inputs; ++j)
    if (overlaps(out, &inputs[j]))
      return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                           "%s: output %zu '%s' overlaps input %zu '%s' in "
                           "memory; outputs must not share memory with "
                           "inputs or other outputs",
                           model->path, index, name, j,
                           model->decls[j].info.name);
  for (size_t j = index + 1; j < num_outputs; ++j)
    if (overlaps(out, &outputs[j]))
      return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                           "%s: output %zu '%s' overlaps output %zu '%s' in "
                           "memory; outputs must not share memory with "
                           "inputs or other outputs",
                           model->path, index, name, j,
                           model->decls[num_inputs + j].info.name);
  return DSK_OK;
}

DSK_API dsk_status dsk_model_set_num_threads(dsk_model *model, int num_threads,
                                             dsk_error *err) {
  if (!model)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "dsk_model_set_num_threads: model is NULL");
  if (num_threads < 0 || num_threads > DSK_MAX_THREADS)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s: the number of threads must be 0 (the default) "
                         "to %d, got %d",
                         model->path, DSK_MAX_THREADS, num_threads);
  atomic_store(&model->num_threads, num_threads);
  return dsk_set_ok(err);
}

DSK_API int dsk_model_num_threads(const dsk_model *model) {
  return model ? atomic_load(&model->num_threads) : 0;
}

DSK_API int dsk_model_is_parallel(const dsk_model *model) {
  return model && model->set_num_threads ? 1 : 0;
}

/* Checks a caller's workspace: large enough and aligned, unless the model
 * needs none. */
static dsk_status check_workspace(const dsk_model *model, const void *workspace,
                                  size_t workspace_bytes, dsk_error *err) {
  size_t need = model->workspace_size;
  if (need == 0)
    return DSK_OK;
  if (!workspace)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s: the workspace is NULL, but the model needs %zu "
                         "bytes aligned to %d",
                         model->path, need, DSK_MODEL_WORKSPACE_ALIGNMENT);
  if (workspace_bytes < need)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s: the workspace has %zu bytes, but the model needs "
                         "%zu (see dsk_model_workspace_size)",
                         model->path, workspace_bytes, need);
  if ((uintptr_t)workspace % DSK_MODEL_WORKSPACE_ALIGNMENT != 0)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s: the workspace at %p is not aligned to %d bytes",
                         model->path, workspace, DSK_MODEL_WORKSPACE_ALIGNMENT);
  return DSK_OK;
}

/* Calls the model's run function on checked buffers. `workspace` is the
 * caller's (checked), or NULL: then a version-2 model that needs one takes
 * the model's cached workspace when no other call holds it, else a
 * temporary one for this call. */
static dsk_status call_model(const dsk_model *model, void *const *buffers,
                             void *workspace, dsk_error *err) {
  /* OpenMP's thread count is per calling thread, so concurrent runs with
   * different settings do not interfere. */
  int threads = atomic_load(&model->num_threads);
  if (threads > 0 && model->set_num_threads)
    model->set_num_threads(threads);
  if (model->set_blocktime)
    model->set_blocktime(DSK_WORKER_SPIN_MS);
  if (model->abi_version == 1) {
    model->run_v1(buffers);
    return dsk_set_ok(err);
  }
  if (workspace || model->workspace_size == 0) {
    model->run(buffers, workspace);
    return dsk_set_ok(err);
  }
  int expected = 0;
  if (atomic_compare_exchange_strong(model->workspace_busy, &expected, 1)) {
    model->run(buffers, model->workspace);
    atomic_store(model->workspace_busy, 0);
    return dsk_set_ok(err);
  }
  void *temporary = alloc_workspace(model->workspace_size);
  if (!temporary)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s: out of memory for a workspace of %zu bytes (the "
                         "model's own is in use by a concurrent run; pass one "
                         "with dsk_model_run_with_workspace)",
                         model->path, model->workspace_size);
  model->run(buffers, temporary);
  free(temporary);
  return dsk_set_ok(err);
}

/* Calls that need no more than this many buffers and symbols keep them on
 * the stack. */
enum { STACK_BUFFERS = 32, STACK_SYMBOLS = 8 };

/* dsk_model_run and dsk_model_run_with_workspace: checks every argument,
 * then runs the model. `api` names the function in messages. */
static dsk_status check_and_run(const char *api, const dsk_model *model,
                                const dsk_tensor *inputs, size_t num_inputs,
                                dsk_tensor *outputs, size_t num_outputs,
                                int caller_workspace, void *workspace,
                                size_t workspace_bytes, dsk_error *err) {
  if (!model)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT, "%s: model is NULL",
                         api);
  if (num_inputs != model->num_inputs)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s expects %zu inputs, got %zu", model->path,
                         model->num_inputs, num_inputs);
  if (num_outputs != model->num_outputs)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s expects %zu outputs, got %zu", model->path,
                         model->num_outputs, num_outputs);
  if (num_inputs > 0 && !inputs)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s: inputs is NULL but %zu inputs are expected",
                         model->path, num_inputs);
  if (!outputs)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s: outputs is NULL but %zu outputs are expected",
                         model->path, num_outputs);
  if (caller_workspace) {
    dsk_status st = check_workspace(model, workspace, workspace_bytes, err);
    if (st != DSK_OK)
      return st;
  }

  size_t num_buffers = num_inputs + num_outputs;
  void *stack_buffers[STACK_BUFFERS];
  binding stack_bindings[STACK_SYMBOLS];
  void **buffers = stack_buffers;
  binding *bindings = stack_bindings;
  void *heap = NULL;
  if (num_buffers > STACK_BUFFERS || model->num_symbols > STACK_SYMBOLS) {
    heap = malloc(num_buffers * sizeof(void *) +
                  model->num_symbols * sizeof(binding));
    if (!heap)
      return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                           "%s: out of memory for %zu buffer pointers",
                           model->path, num_buffers);
    bindings = heap;
    buffers = (void **)(bindings + model->num_symbols);
  }
  for (size_t i = 0; i < model->num_symbols; ++i)
    bindings[i].kind = NULL;

  dsk_status st = DSK_OK;
  for (size_t i = 0; i < num_inputs && st == DSK_OK; ++i) {
    st = check_tensor(model, "input", i, &model->decls[i], &inputs[i], bindings,
                      err);
    buffers[i] = inputs[i].data;
  }
  for (size_t i = 0; i < num_outputs && st == DSK_OK; ++i) {
    st = check_tensor(model, "output", i, &model->decls[num_inputs + i],
                      &outputs[i], bindings, err);
    buffers[num_inputs + i] = outputs[i].data;
  }
  for (size_t i = 0; i < num_outputs && st == DSK_OK; ++i)
    st = check_no_overlap(model, inputs, num_inputs, outputs, num_outputs, i,
                          err);
  if (st == DSK_OK)
    st = call_model(model, buffers, workspace, err);
  free(heap);
  return st;
}

DSK_API dsk_status dsk_model_run(const dsk_model *model,
                                 const dsk_tensor *inputs, size_t num_inputs,
                                 dsk_tensor *outputs, size_t num_outputs,
                                 dsk_error *err) {
  return check_and_run("dsk_model_run", model, inputs, num_inputs, outputs,
                       num_outputs, /*caller_workspace=*/0, NULL, 0, err);
}

DSK_API dsk_status dsk_model_run_with_workspace(
    const dsk_model *model, const dsk_tensor *inputs, size_t num_inputs,
    dsk_tensor *outputs, size_t num_outputs, void *workspace,
    size_t workspace_bytes, dsk_error *err) {
  return check_and_run("dsk_model_run_with_workspace", model, inputs,
                       num_inputs, outputs, num_outputs,
                       /*caller_workspace=*/1, workspace, workspace_bytes, err);
}
