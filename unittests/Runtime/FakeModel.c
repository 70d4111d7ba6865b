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
 * Add DSK_FAKE_OMIT_RUN or DSK_FAKE_OMIT_METADATA to leave a symbol out.
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>

#if defined(__x86_64__)
#define FAKE_TARGET "target x86_64 generic\nfeatures sse,sse2\n"
#elif defined(__aarch64__)
#define FAKE_TARGET "target aarch64 generic\nfeatures -\n"
#else
#error "FakeModel.c: add this host's architecture"
#endif

#ifndef DSK_FAKE_OMIT_METADATA
#if defined(DSK_FAKE_ADD)
const char dsk_model_metadata_v1[] =
    "dsk-model 1\n" FAKE_TARGET "input a f32 2 2 3\n"
    "input b f32 2 2 3\n"
    "output sum f32 2 2 3\n"
    "output diff f32 2 2 3\n"
    "end\n";
#elif defined(DSK_FAKE_SYMBOLIC)
const char dsk_model_metadata_v1[] =
    "dsk-model 1\n" FAKE_TARGET "input n i64 0\n"
    "input x%20in f32 2 ?batch 3\n"
    "output y f32 2 ?batch 3\n"
    "end\n";
#elif defined(DSK_FAKE_TEMPLATE)
const char dsk_model_metadata_v1[8192] = "@DSK-FAKE-METADATA-SLOT@";
#else
#error                                                                         \
    "FakeModel.c: define DSK_FAKE_ADD, DSK_FAKE_SYMBOLIC or DSK_FAKE_TEMPLATE"
#endif
#endif

#ifndef DSK_FAKE_OMIT_RUN
void dsk_model_run_v1(void *const *buffers) {
#if defined(DSK_FAKE_ADD)
  const float *a = buffers[0], *b = buffers[1];
  float *sum = buffers[2], *diff = buffers[3];
  for (int i = 0; i < 6; ++i) {
    sum[i] = a[i] + b[i];
    diff[i] = a[i] - b[i];
  }
#elif defined(DSK_FAKE_SYMBOLIC)
  int64_t n = *(const int64_t *)buffers[0];
  const float *x = buffers[1];
  float *y = buffers[2];
  for (int64_t i = 0; i < n * 3; ++i)
    y[i] = 2 * x[i];
#else
  (void)buffers;
#endif
}
#endif
