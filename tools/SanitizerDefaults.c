/*===- SanitizerDefaults.c - sanitizer options baked into dsk's tools -----===*
 *
 * Linked into every executable of a DSK_SANITIZE build, so that a tool or
 * fuzz target run by hand behaves as it does in the tests.
 *
 * allow_user_poisoning=0: dsk's code is instrumented but Debian's libMLIR
 * and libLLVM are not. LLVM's BumpPtrAllocator is inline header code that,
 * compiled into an instrumented file, poisons the rest of each new slab and
 * unpoisons what it hands out; the copies compiled into libMLIR allocate
 * from the same slabs without unpoisoning, so an attribute libMLIR creates
 * after one of dsk's reads as "use-after-poison". Ignoring manual poisoning
 * removes that false report and keeps every real check of ASan.
 *
 *===----------------------------------------------------------------------===*/

const char *__asan_default_options(void) { return "allow_user_poisoning=0"; }

const char *__ubsan_default_options(void) { return "print_stacktrace=1"; }
