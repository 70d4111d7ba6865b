/* fma_peak.c - measured single-thread f32 FMA peak (the denominator for "% of peak").
 *
 * Runs independent FMA chains (register-only vfmadd231ps, no memory traffic) and prints
 * GFLOP/s (1 FMA = 2 flop per lane): 5 runs of ~0.1 s per ISA, best and median. The ISA is
 * picked at run time with __builtin_cpu_supports: ymm (AVX2+FMA) when present, zmm
 * (AVX-512F) as well when present; on older hosts only SSE (xmm, mul+add).
 *
 * Build and run (the kernels carry target attributes, so no -m flags are needed, and the
 * binary then runs on any x86-64 host; with -mavx512f -mfma it needs an AVX-512 host):
 *     clang-22 -O2 -o /tmp/fma_peak bench/fma_peak.c && /tmp/fma_peak [repeats]
 * The best figure is the peak; the spread between best and median shows machine noise
 * (frequency changes, the other core busy), so repeat it next to the kernel you compare.
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Independent chains: >= FMA latency (4) x FMA ports (2) = 8 are needed. ymm code may only use
   ymm0-15 (AVX2 has 16 vector registers), so 12 chains + 2 constants fit; zmm has 32. */
#define NACC_YMM 12
#define NACC_ZMM 24
#define INNER 256

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* The "+v" asm barrier keeps each accumulator in a register and stops the compiler from
   folding the chains; a, b are read-only so every FMA is a register-only vfmadd231ps. */
#define BODY(T, FMA, NACC)                                                      \
  T acc[NACC];                                                              \
  for (int i = 0; i < NACC; ++i) acc[i] = init;                             \
  for (long r = 0; r < reps; ++r) {                                         \
    for (int it = 0; it < INNER; ++it) {                                    \
      for (int i = 0; i < NACC; ++i) acc[i] = FMA(a, acc[i], b);            \
    }                                                                       \
    for (int i = 0; i < NACC; ++i) __asm__ volatile("" : "+v"(acc[i]));     \
  }                                                                         \
  T s = acc[0];                                                             \
  for (int i = 1; i < NACC; ++i) s = s + acc[i];

__attribute__((target("avx512f"))) static float run_zmm(long reps) {
  __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f), init = _mm512_set1_ps(1.0f);
  BODY(__m512, _mm512_fmadd_ps, NACC_ZMM)
  return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) static float run_ymm(long reps) {
  __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f), init = _mm256_set1_ps(1.0f);
  BODY(__m256, _mm256_fmadd_ps, NACC_YMM)
  float o[8];
  _mm256_storeu_ps(o, s);
  return o[0] + o[1] + o[2] + o[3] + o[4] + o[5] + o[6] + o[7];
}

static __m128 mla(__m128 a, __m128 c, __m128 b) { return _mm_add_ps(_mm_mul_ps(a, c), b); }
static float run_xmm(long reps) {
  __m128 a = _mm_set1_ps(0.999999f), b = _mm_set1_ps(1e-7f), init = _mm_set1_ps(1.0f);
  BODY(__m128, mla, NACC_YMM)
  float o[4];
  _mm_storeu_ps(o, s);
  return o[0] + o[1] + o[2] + o[3];
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

/* TRIALS runs of ~0.1 s each (~0.5 s in all); prints the median and the best. The best is the
   peak (a busy machine or a frequency dip only lowers a run); the median shows the noise. */
#define TRIALS 5
static double measure(float (*fn)(long), int lanes, int nacc, const char *name) {
  long reps = 16;
  double t;
  volatile float sink;
  for (;;) { /* calibrate to ~0.1 s per trial */
    double t0 = now();
    sink = fn(reps);
    t = now() - t0;
    if (t > 0.02) break;
    reps *= 4;
  }
  reps = (long)(reps * 0.1 / t) + 1;
  double gf[TRIALS];
  for (int i = 0; i < TRIALS; ++i) {
    double t0 = now();
    sink = fn(reps);
    t = now() - t0;
    gf[i] = 2.0 * lanes * nacc * INNER * (double)reps / t * 1e-9;
  }
  (void)sink;
  qsort(gf, TRIALS, sizeof(double), cmp_double);
  printf("%-4s peak: %7.1f GFLOP/s best, %7.1f median  (%d chains, %d x 0.1 s)\n", name,
         gf[TRIALS - 1], gf[TRIALS / 2], nacc, TRIALS);
  return gf[TRIALS - 1];
}

int main(int argc, char **argv) {
  int repeat = argc > 1 ? atoi(argv[1]) : 1;
  __builtin_cpu_init();
  int has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  int has_avx512 = __builtin_cpu_supports("avx512f");
  for (int r = 0; r < repeat; ++r) {
    if (has_avx2) measure(run_ymm, 8, NACC_YMM, "ymm");
    if (has_avx512) measure(run_zmm, 16, NACC_ZMM, "zmm");
    if (!has_avx2 && !has_avx512) measure(run_xmm, 4, NACC_YMM, "xmm");
  }
  return 0;
}
