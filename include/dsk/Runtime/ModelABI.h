/*===- ModelABI.h - the contract between compiled models and the runtime -===*
 *
 * A model compiled by `dsk-compile --emit=lib` is a shared library that
 * exports two symbols with C linkage, and optionally a third. Version 2
 * (what dsk-compile emits):
 *
 *   const char dsk_model_metadata_v2[];
 *       NUL-terminated text describing the model (format below).
 *
 *   void dsk_model_run_v2(void *const *buffers, void *workspace);
 *       Runs the model once. `buffers` holds one data pointer per input, in
 *       metadata order, followed by one per output. Every buffer is dense,
 *       row-major, with the element type and shape from the metadata;
 *       outputs are written in place. Inputs are only read.
 *       `workspace` is scratch memory of at least the metadata's `workspace`
 *       bytes, aligned to DSK_MODEL_WORKSPACE_ALIGNMENT bytes (NULL allowed
 *       when the size is 0): the compiler laid out the model's intermediate
 *       buffers in it, so a run allocates no memory for them. Its contents
 *       need no initialization and mean nothing after the call. The function
 *       keeps no state between calls and writes no global memory, so
 *       concurrent calls with distinct output buffers and distinct
 *       workspaces are safe.
 *
 *   dsk_model_profile_hook_fn dsk_model_profile_hook_v2;   (optional)
 *       A variable, NULL in the library, that a profiler may set. When it is
 *       not NULL, the run function calls it, on the calling thread, with
 *       (r, 0) just before and (r, 1) just after the code of profiling
 *       region r (an op of the compiled graph: see the `region` lines of the
 *       metadata), and never from inside a parallel loop. Regions do not
 *       nest; a region inside a loop of the graph is entered once per
 *       iteration. The hook must not run the model.
 *
 * Version 1 (still loaded by the runtime): `dsk_model_metadata_v1` and
 * `void dsk_model_run_v1(void *const *buffers)`, the same without the
 * workspace (intermediates were allocated during the call), and metadata
 * without the `kind` and `workspace` lines.
 *
 * Everything else in the library (weights as read-only data, the compiled
 * graph) is internal. The runtime never includes MLIR or LLVM headers; this
 * header is plain C and is the only thing the compiler and runtime share.
 *
 * Metadata format. Lines end with '\n'; fields are separated by one space.
 * Names are percent-encoded: a byte that is not printable ASCII (0x21..0x7e)
 * or is '%' is written as %XX (two uppercase hex digits), so a name never
 * contains a space.
 *
 *   dsk-model 2
 *   kind cpu                            the target kind: cpu (cuda is
 *                                       reserved for the GPU backend)
 *   target <arch> <cpu>                 e.g. "target x86_64 haswell"
 *   features <f1>,<f2>,...              LLVM feature names the code was
 *                                       compiled to use ("-" for none)
 *   workspace <bytes>                   the workspace size, a decimal
 *                                       integer (later versions may write an
 *                                       expression of the symbolic dims)
 *   region <op> <kernel> <node> <shapes>
 *                                       zero or more: profiling region i is
 *                                       the i-th (from 0) region line. <op>
 *                                       names the compiled op, <kernel> the
 *                                       selected kernel, <node> the model's
 *                                       node, <shapes> the operand shapes
 *                                       ("4x8xf32,8xf32->4x8xf32"); each is
 *                                       percent-encoded, "-" when there is
 *                                       none (the reference lowering, an op
 *                                       of no node)
 *   input <name> <dtype> <rank> <d0> ... <dN-1>
 *   output <name> <dtype> <rank> <d0> ... <dN-1>
 *   end
 *
 * The header lines (kind, target, features, workspace) come in this order,
 * before the first `input` or `output` line; `region` lines follow the
 * workspace line. A version-2 reader ignores
 * header lines whose first word it does not know, wherever they appear
 * before the first `input` or `output` line, so later fields (per-region
 *counters) can be added without a new version.
 *Version 1 is the same without `kind` and `workspace`, and unknown lines are
 *errors.
 *
 * `input` lines come before `output` lines, in the order of `buffers`.
 * A dimension is a non-negative decimal integer, or `?<symbol>` for a
 * symbolic dimension (compilers emit static shapes only so far).
 * dtype is one of: f16 bf16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool.
 * bool is one byte per element (0 or 1). Rank 0 means a scalar (one element).
 *
 * File trailer. After linking, dsk-compile appends DSK_MODEL_TRAILER_SIZE
 * bytes to the library (the dynamic loader ignores bytes past what the ELF
 * headers describe): the 8 bytes DSK_MODEL_TRAILER_MAGIC, then three
 * little-endian uint64: the number of bytes before the trailer, their
 * dsk_model_checksum, and 0 (reserved). Before handing a file to the dynamic
 * loader, the runtime checks that its ELF headers lie inside it and, when
 * the trailer is there, the size and checksum: a truncated or corrupted
 * library is an error, not a crash in the loader. Libraries without the
 * trailer (from older compilers) get only the header check.
 *
 *===----------------------------------------------------------------------===*/

#ifndef DSK_RUNTIME_MODELABI_H
#define DSK_RUNTIME_MODELABI_H

#define DSK_MODEL_ABI_VERSION 2
#define DSK_MODEL_METADATA_SYMBOL "dsk_model_metadata_v2"
#define DSK_MODEL_RUN_SYMBOL "dsk_model_run_v2"
#define DSK_MODEL_WORKSPACE_ALIGNMENT 64
#define DSK_MODEL_PROFILE_HOOK_SYMBOL "dsk_model_profile_hook_v2"

/* Version 1, which the runtime still loads. */
#define DSK_MODEL_METADATA_SYMBOL_V1 "dsk_model_metadata_v1"
#define DSK_MODEL_RUN_SYMBOL_V1 "dsk_model_run_v1"

#define DSK_MODEL_TRAILER_MAGIC "DSKFILE1"
#define DSK_MODEL_TRAILER_SIZE 32

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The checksum of a model file's bytes: four interleaved FNV-style chains
 * over little-endian 64-bit words (any change of one word changes its
 * chain), so that a 100 MB library is checked in milliseconds. Not a
 * cryptographic hash: it finds corruption, not tampering. */
static inline uint64_t dsk_model_checksum(const void *data, uint64_t size) {
  const unsigned char *bytes = (const unsigned char *)data;
  const uint64_t prime = 0x100000001b3ull;
  uint64_t lanes[4] = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull,
                       0x9ce484222325cbf2ull, 0x2325cbf29ce48422ull};
  uint64_t i = 0;
  for (; i + 32 <= size; i += 32)
    for (int lane = 0; lane < 4; ++lane) {
      uint64_t word;
      memcpy(&word, bytes + i + 8 * lane, 8);
      lanes[lane] = (lanes[lane] ^ word) * prime;
    }
  for (; i < size; ++i)
    lanes[i % 4] = (lanes[i % 4] ^ bytes[i]) * prime;
  uint64_t hash = size;
  for (int lane = 0; lane < 4; ++lane)
    hash = (hash ^ lanes[lane]) * prime;
  return hash;
}

typedef void (*dsk_model_run_fn)(void *const *buffers, void *workspace);
typedef void (*dsk_model_run_v1_fn)(void *const *buffers);
/* phase: 0 as region `region` begins, 1 as it ends. */
typedef void (*dsk_model_profile_hook_fn)(int region, int phase);

#ifdef __cplusplus
}
#endif

#endif /* DSK_RUNTIME_MODELABI_H */
