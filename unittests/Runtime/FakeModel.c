/*===- FakeModel.c - hand-written stand-ins for compiled models ----------===*
 *
 * Built several times as MODULE libraries with one of these definitions:
 *
 *   DSK_FAKE_ADD       inputs a, b: f32[2,3]; outputs sum = a + b and
 *                      diff = a - b (checks buffer order).
 *   DSK_FAKE_SYMBOLIC  inputs n: i64 scalar and "x in": f32[?batch,3];
 *                      output y = 2 * x. The run function learns the
 *                      symbolic size from n, since buffers carry no shapes.
 *   DSK_FAKE_TEMPLATE  an 8 KiB metadata slot starting with a marker, which
 *                      the tests overwrite in a copy of the file to get a
 *                      model with any metadata; the run function does
 *                      nothing.
 *
 * By default the library exports the model ABI's version-1 symbols
 * (dsk_model_metadata_v1, dsk_model_run_v1). DSK_FAKE_V2 exports version 2
 * instead; the v2 add model declares a workspace of FAKE_WORKSPACE_BYTES,
 * writes every byte of it and computes its results there, so a run without
 * a private, large enough, aligned workspace gives wrong results (NaN when
 * the pointer is NULL or misaligned). For the tests' eyes only, it breaks
 * the ABI's no-global-writes rule: while fake_hold is set, the first run
 * to start parks until it is cleared (fake_parked says one is parked), and
 * the workspace of each run is recorded (fake_parked_workspace,
 * fake_last_workspace).
 * DSK_FAKE_PROFILED (with DSK_FAKE_ADD and DSK_FAKE_V2) adds two profiling
 * regions and the hook variable: each run calls the hook around region 0
 * (the sums) once and around region 1 (the differences) twice; with
 * DSK_FAKE_UNPAIRED_MARKS too, region 1 ends without beginning (a broken
 * library).
 * Add DSK_FAKE_OMIT_RUN or DSK_FAKE_OMIT_METADATA to leave a symbol out.
 *
 *===----------------------------------------------------------------------===*/

#include <sched.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#define FAKE_TARGET "target x86_64 generic\nfeatures sse,sse2\n"
#elif defined(__aarch64__)
#define FAKE_TARGET "target aarch64 generic\nfeatures -\n"
#else
#error "FakeModel.c: add this host's architecture"
#endif

/* Not a multiple of the alignment, so the runtime must round up. */
#define FAKE_WORKSPACE_BYTES 1000
#define FAKE_STRING(x) #x
#define FAKE_XSTRING(x) FAKE_STRING(x)

#if defined(DSK_FAKE_V2)
#define FAKE_METADATA dsk_model_metadata_v2
#define FAKE_RUN dsk_model_run_v2
#define FAKE_RUN_PARAMS void *const *buffers, void *workspace
#define FAKE_HEADER                                                            \
  "dsk-model 2\nkind cpu\n" FAKE_TARGET                                        \
  "workspace " FAKE_XSTRING(FAKE_WORKSPACE_BYTES) "\n"
#else
#define FAKE_METADATA dsk_model_metadata_v1
#define FAKE_RUN dsk_model_run_v1
#define FAKE_RUN_PARAMS void *const *buffers
#define FAKE_HEADER "dsk-model 1\n" FAKE_TARGET
#endif

#ifndef DSK_FAKE_OMIT_METADATA
#if defined(DSK_FAKE_PROFILED)
#define FAKE_REGIONS                                                           \
  "region linalg.generic(parallel) - add 2x3xf32,2x3xf32->2x3xf32\n"           \
  "region linalg.generic(parallel) x86.fake.sub sub%20node "                   \
  "2x3xf32,2x3xf32->2x3xf32\n"
#else
#define FAKE_REGIONS ""
#endif

#if defined(DSK_FAKE_ADD)
const char FAKE_METADATA[] = FAKE_HEADER FAKE_REGIONS "input a f32 2 2 3\n"
                                                      "input b f32 2 2 3\n"
                                                      "output sum f32 2 2 3\n"
                                                      "output diff f32 2 2 3\n"
                                                      "end\n";
#elif defined(DSK_FAKE_SYMBOLIC)
const char FAKE_METADATA[] = FAKE_HEADER "input n i64 0\n"
                                         "input x%20in f32 2 ?batch 3\n"
                                         "output y f32 2 ?batch 3\n"
                                         "end\n";
#elif defined(DSK_FAKE_TEMPLATE)
const char FAKE_METADATA[8192] = "@DSK-FAKE-METADATA-SLOT@";
#else
#error                                                                         \
    "FakeModel.c: define DSK_FAKE_ADD, DSK_FAKE_SYMBOLIC or DSK_FAKE_TEMPLATE"
#endif
#endif

#if defined(DSK_FAKE_PROFILED)
typedef void (*fake_hook_fn)(int region, int phase);
fake_hook_fn dsk_model_profile_hook_v2;
static void mark(int region, int phase) {
  fake_hook_fn hook =
      __atomic_load_n(&dsk_model_profile_hook_v2, __ATOMIC_ACQUIRE);
  if (hook)
    hook(region, phase);
}
#else
#define mark(region, phase) ((void)0)
#endif

#if defined(DSK_FAKE_ADD) && defined(DSK_FAKE_V2) && !defined(DSK_FAKE_OMIT_RUN)
int fake_hold, fake_parked;
void *fake_parked_workspace, *fake_last_workspace;

/* Parks the first run that starts while fake_hold is set. */
static void maybe_park(void *workspace) {
  int no = 0;
  if (!__atomic_load_n(&fake_hold, __ATOMIC_SEQ_CST) ||
      !__atomic_compare_exchange_n(&fake_parked, &no, 1, 0, __ATOMIC_SEQ_CST,
                                   __ATOMIC_SEQ_CST)) {
    __atomic_store_n(&fake_last_workspace, workspace, __ATOMIC_SEQ_CST);
    return;
  }
  __atomic_store_n(&fake_parked_workspace, workspace, __ATOMIC_SEQ_CST);
  while (__atomic_load_n(&fake_hold, __ATOMIC_SEQ_CST))
    sched_yield();
}
#endif

#ifndef DSK_FAKE_OMIT_RUN
void FAKE_RUN(FAKE_RUN_PARAMS) {
#if defined(DSK_FAKE_ADD)
  const float *a = buffers[0], *b = buffers[1];
  float *sum = buffers[2], *diff = buffers[3];
#if defined(DSK_FAKE_V2)
  if (!workspace || (uintptr_t)workspace % 64 != 0) {
    for (int i = 0; i < 6; ++i)
      sum[i] = diff[i] = __builtin_nanf("");
    return;
  }
  /* Scribble on all of it, then keep the results at its very end: a
   * concurrent run on the same workspace would clobber them. */
  unsigned char *ws = workspace;
  memset(ws, 0xA5, FAKE_WORKSPACE_BYTES);
  maybe_park(workspace);
  volatile float *scratch =
      (volatile float *)(ws + FAKE_WORKSPACE_BYTES - 12 * sizeof(float));
  mark(0, 0);
  for (int i = 0; i < 6; ++i)
    scratch[i] = a[i] + b[i];
  mark(0, 1);
  for (int twice = 0; twice < 2; ++twice) {
#ifndef DSK_FAKE_UNPAIRED_MARKS
    mark(1, 0);
#endif
    for (int i = 0; i < 6; ++i)
      scratch[6 + i] = a[i] - b[i];
    mark(1, 1);
  }
  for (int i = 0; i < 6; ++i) {
    sum[i] = scratch[i];
    diff[i] = scratch[6 + i];
  }
#else
  for (int i = 0; i < 6; ++i) {
    sum[i] = a[i] + b[i];
    diff[i] = a[i] - b[i];
  }
#endif
#elif defined(DSK_FAKE_SYMBOLIC)
  int64_t n = *(const int64_t *)buffers[0];
  const float *x = buffers[1];
  float *y = buffers[2];
  for (int64_t i = 0; i < n * 3; ++i)
    y[i] = 2 * x[i];
#else
  (void)buffers;
#endif
#if defined(DSK_FAKE_V2) && !defined(DSK_FAKE_ADD)
  (void)workspace;
#endif
}
#endif
