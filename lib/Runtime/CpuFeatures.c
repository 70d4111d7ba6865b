/*===- CpuFeatures.c - can this machine run the model's code? ------------===*
 *
 * A model records the LLVM target it was compiled for ("target x86_64
 * skylake-avx512", "features avx512f,avx2,..."). Running such code on a CPU
 * without one of those features dies with SIGILL somewhere inside the model,
 * so the runtime refuses to load it instead, naming the feature.
 *
 * On x86-64 the features come from cpuid, and the vector register state must
 * also be enabled by the OS (xgetbv): AVX needs YMM state, AVX-512 the opmask
 * and ZMM state, AMX the tile state. Feature names this table does not know
 * (e.g. "64bit", "x87", tuning flags such as "fast-gather", or features of
 * other architectures) are not checked: the table covers the instruction
 * set extensions LLVM actually emits code for on x86-64.
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include "RuntimeInternal.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define DSK_HOST_X86 1
#endif

#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__x86_64__)
#define DSK_HOST_ARCH "x86_64"
#elif defined(__i386__)
#define DSK_HOST_ARCH "i386"
#elif defined(__aarch64__)
#define DSK_HOST_ARCH "aarch64"
#elif defined(__riscv) && __riscv_xlen == 64
#define DSK_HOST_ARCH "riscv64"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DSK_HOST_ARCH "powerpc64le"
#else
#define DSK_HOST_ARCH "unknown"
#endif

/* Maps the spellings LLVM triples use for one architecture to one name. */
static const char *canonical_arch(const char *arch) {
  if (!strcmp(arch, "x86-64") || !strcmp(arch, "amd64"))
    return "x86_64";
  if (!strcmp(arch, "arm64"))
    return "aarch64";
  return arch;
}

#ifdef DSK_HOST_X86

/* Whether `name` is in the comma-separated list `list` (spaces around names
 * and a leading '+' are ignored). */
static int in_list(const char *list, const char *name) {
  size_t name_len = strlen(name);
  const char *p = list;
  while (*p) {
    const char *end = strchr(p, ',');
    if (!end)
      end = p + strlen(p);
    const char *b = p, *e = end;
    while (b < e && (*b == ' ' || *b == '\t'))
      ++b;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
      --e;
    if (b < e && *b == '+')
      ++b;
    if ((size_t)(e - b) == name_len && memcmp(b, name, name_len) == 0)
      return 1;
    p = *end ? end + 1 : end;
  }
  return 0;
}

/* The cpuid words the table reads. */
enum cpuid_word {
  L1_ECX,
  L1_EDX,
  L7_EBX,
  L7_ECX,
  L7_EDX,
  L7S1_EAX,
  LD1_EAX,
  LE1_ECX,
  NUM_WORDS
};

/* The register state the OS must save for a feature to be usable. */
enum os_state { OS_NONE, OS_YMM, OS_ZMM, OS_TILE };

typedef struct feature {
  const char *name; /* LLVM feature name */
  enum cpuid_word word;
  unsigned bit;
  enum os_state state;
} feature;

static const feature features[] = {
    {"cx8", L1_EDX, 8, OS_NONE},
    {"cmov", L1_EDX, 15, OS_NONE},
    {"mmx", L1_EDX, 23, OS_NONE},
    {"fxsr", L1_EDX, 24, OS_NONE},
    {"sse", L1_EDX, 25, OS_NONE},
    {"sse2", L1_EDX, 26, OS_NONE},
    {"sse3", L1_ECX, 0, OS_NONE},
    {"pclmul", L1_ECX, 1, OS_NONE},
    {"ssse3", L1_ECX, 9, OS_NONE},
    {"fma", L1_ECX, 12, OS_YMM},
    {"cx16", L1_ECX, 13, OS_NONE},
    {"sse4.1", L1_ECX, 19, OS_NONE},
    {"sse4.2", L1_ECX, 20, OS_NONE},
    {"crc32", L1_ECX, 20, OS_NONE},
    {"movbe", L1_ECX, 22, OS_NONE},
    {"popcnt", L1_ECX, 23, OS_NONE},
    {"aes", L1_ECX, 25, OS_NONE},
    {"xsave", L1_ECX, 26, OS_NONE},
    {"avx", L1_ECX, 28, OS_YMM},
    {"f16c", L1_ECX, 29, OS_YMM},
    {"rdrnd", L1_ECX, 30, OS_NONE},
    {"fsgsbase", L7_EBX, 0, OS_NONE},
    {"bmi", L7_EBX, 3, OS_NONE},
    {"avx2", L7_EBX, 5, OS_YMM},
    {"bmi2", L7_EBX, 8, OS_NONE},
    {"avx512f", L7_EBX, 16, OS_ZMM},
    {"avx512dq", L7_EBX, 17, OS_ZMM},
    {"rdseed", L7_EBX, 18, OS_NONE},
    {"adx", L7_EBX, 19, OS_NONE},
    {"avx512ifma", L7_EBX, 21, OS_ZMM},
    {"clflushopt", L7_EBX, 23, OS_NONE},
    {"clwb", L7_EBX, 24, OS_NONE},
    {"avx512cd", L7_EBX, 28, OS_ZMM},
    {"sha", L7_EBX, 29, OS_NONE},
    {"avx512bw", L7_EBX, 30, OS_ZMM},
    {"avx512vl", L7_EBX, 31, OS_ZMM},
    {"avx512vbmi", L7_ECX, 1, OS_ZMM},
    {"avx512vbmi2", L7_ECX, 6, OS_ZMM},
    {"gfni", L7_ECX, 8, OS_NONE},
    {"vaes", L7_ECX, 9, OS_YMM},
    {"vpclmulqdq", L7_ECX, 10, OS_YMM},
    {"avx512vnni", L7_ECX, 11, OS_ZMM},
    {"avx512bitalg", L7_ECX, 12, OS_ZMM},
    {"avx512vpopcntdq", L7_ECX, 14, OS_ZMM},
    {"movdiri", L7_ECX, 27, OS_NONE},
    {"avx512vp2intersect", L7_EDX, 8, OS_ZMM},
    {"serialize", L7_EDX, 14, OS_NONE},
    {"amx-bf16", L7_EDX, 22, OS_TILE},
    {"avx512fp16", L7_EDX, 23, OS_ZMM},
    {"amx-tile", L7_EDX, 24, OS_TILE},
    {"amx-int8", L7_EDX, 25, OS_TILE},
    {"avxvnni", L7S1_EAX, 4, OS_YMM},
    {"avx512bf16", L7S1_EAX, 5, OS_ZMM},
    {"xsaveopt", LD1_EAX, 0, OS_NONE},
    {"xsavec", LD1_EAX, 1, OS_NONE},
    {"xsaves", LD1_EAX, 3, OS_NONE},
    {"sahf", LE1_ECX, 0, OS_NONE},
    {"lzcnt", LE1_ECX, 5, OS_NONE},
    {"sse4a", LE1_ECX, 6, OS_NONE},
    {"prfchw", LE1_ECX, 8, OS_NONE},
    {"xop", LE1_ECX, 11, OS_YMM},
    {"fma4", LE1_ECX, 16, OS_YMM},
};

/* What this CPU and OS support. */
typedef struct host_cpu {
  unsigned words[NUM_WORDS];
  uint64_t xcr0; /* 0 when the OS does not enable xgetbv */
} host_cpu;

static void read_host_cpu(host_cpu *h) {
  memset(h, 0, sizeof(*h));
  unsigned a, b, c, d;
  unsigned max_leaf = __get_cpuid_max(0, NULL);
  if (max_leaf >= 1 && __get_cpuid_count(1, 0, &a, &b, &c, &d)) {
    h->words[L1_ECX] = c;
    h->words[L1_EDX] = d;
  }
  if (max_leaf >= 7 && __get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    h->words[L7_EBX] = b;
    h->words[L7_ECX] = c;
    h->words[L7_EDX] = d;
    if (a >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d))
      h->words[L7S1_EAX] = a;
  }
  if (max_leaf >= 0xD && __get_cpuid_count(0xD, 1, &a, &b, &c, &d))
    h->words[LD1_EAX] = a;
  if (__get_cpuid_max(0x80000000u, NULL) >= 0x80000001u &&
      __get_cpuid_count(0x80000001u, 0, &a, &b, &c, &d))
    h->words[LE1_ECX] = c;
  /* OSXSAVE (leaf 1 ECX bit 27): the OS set CR4.OSXSAVE, so xgetbv works. */
  if (h->words[L1_ECX] & (1u << 27)) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    h->xcr0 = ((uint64_t)hi << 32) | lo;
  }
}

/* XCR0 bits: SSE|AVX (1,2); opmask|ZMM_Hi256|Hi16_ZMM (5,6,7); XTILECFG|
 * XTILEDATA (17,18). */
static int os_supports(const host_cpu *h, enum os_state state) {
  const uint64_t ymm = 0x6, zmm = 0xE0 | ymm, tile = 0x60000;
  switch (state) {
  case OS_NONE:
    return 1;
  case OS_YMM:
    return (h->xcr0 & ymm) == ymm;
  case OS_ZMM:
    return (h->xcr0 & zmm) == zmm;
  case OS_TILE:
    return (h->xcr0 & tile) == tile;
  }
  return 0;
}

/* Linux hands out AMX tile data state only to processes that ask for it;
 * without this, the first tile instruction raises SIGILL. */
static int request_amx_permission(void) {
#if defined(__linux__) && defined(__x86_64__)
  const long arch_req_xcomp_perm = 0x1023, xfeature_xtiledata = 18;
  return syscall(SYS_arch_prctl, arch_req_xcomp_perm, xfeature_xtiledata) == 0;
#else
  return 1;
#endif
}

static const feature *find_feature(const char *name, size_t len) {
  for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); ++i)
    if (strlen(features[i].name) == len &&
        memcmp(features[i].name, name, len) == 0)
      return &features[i];
  return NULL;
}

#endif /* DSK_HOST_X86 */

dsk_status dsk_check_cpu(const dsk_model *model, dsk_error *err) {
  const char *arch = canonical_arch(model->arch);
  if (strcmp(arch, DSK_HOST_ARCH) != 0)
    return dsk_set_error(err, DSK_ERROR_UNSUPPORTED_CPU,
                         "%s was compiled for target %s %s, but this machine "
                         "is %s",
                         model->path, model->arch, model->cpu, DSK_HOST_ARCH);
#ifdef DSK_HOST_X86
  host_cpu host;
  read_host_cpu(&host);
  const char *disabled = getenv("DSK_DISABLE_CPU_FEATURES");
  int needs_amx = 0;
  const char *p = model->features;
  while (*p) {
    const char *end = strchr(p, ',');
    if (!end)
      end = p + strlen(p);
    const char *name = p;
    size_t len = (size_t)(end - p);
    p = *end ? end + 1 : end;
    /* "+f" requires f; "-f" says the code was compiled without it. */
    if (*name == '-')
      continue;
    if (*name == '+')
      ++name, --len;
    const feature *f = find_feature(name, len);
    if (!f)
      continue; /* not an instruction set extension we know: not checked */
    int in_cpu = (host.words[f->word] >> f->bit) & 1;
    int in_os = os_supports(&host, f->state);
    int off = disabled && in_list(disabled, f->name);
    if (!in_cpu || !in_os || off) {
      const char *why =
          !in_cpu  ? ""
          : !in_os ? " (the operating system does not enable its register "
                     "state)"
                   : " (disabled by DSK_DISABLE_CPU_FEATURES)";
      return dsk_set_error(err, DSK_ERROR_UNSUPPORTED_CPU,
                           "%s was compiled for CPU feature '%s' (target %s "
                           "%s), which this CPU does not have%s",
                           model->path, f->name, model->arch, model->cpu, why);
    }
    needs_amx |= f->state == OS_TILE;
  }
  if (needs_amx && !request_amx_permission())
    return dsk_set_error(err, DSK_ERROR_UNSUPPORTED_CPU,
                         "%s uses AMX (target %s %s), but the kernel refused "
                         "this process permission to use AMX tile data",
                         model->path, model->arch, model->cpu);
#endif
  /* On other architectures there is no feature table yet: only the
   * architecture itself is checked. */
  return DSK_OK;
}
