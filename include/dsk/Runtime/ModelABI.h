/*===- ModelABI.h - the contract between compiled models and the runtime -===*
 *
 * A model compiled by `dsk-compile --emit=lib` is a shared library that
 * exports exactly two symbols with C linkage:
 *
 *   const char dsk_model_metadata_v1[];
 *       NUL-terminated text describing the model (format below).
 *
 *   void dsk_model_run_v1(void *const *buffers);
 *       Runs the model once. `buffers` holds one data pointer per input, in
 *       metadata order, followed by one per output. Every buffer is dense,
 *       row-major, with the element type and shape from the metadata;
 *       outputs are written in place. The function keeps no state between
 *       calls and writes no global memory, so concurrent calls with
 *       distinct output buffers are safe. Inputs are only read.
 *
 * Everything else in the library (weights as read-only data, the compiled
 * graph) is internal. The runtime never includes MLIR or LLVM headers; this
 * header is plain C and is the only thing the compiler and runtime share.
 *
 * Metadata format (version 1). Lines end with '\n'; fields are separated by
 * one space. Names are percent-encoded: a byte that is not printable ASCII
 * (0x21..0x7e) or is '%' is written as %XX (two uppercase hex digits), so a
 * name never contains a space.
 *
 *   dsk-model 1
 *   target <arch> <cpu>                 e.g. "target x86_64 haswell"
 *   features <f1>,<f2>,...              LLVM feature names the code was
 *                                       compiled to use ("-" for none)
 *   input <name> <dtype> <rank> <d0> ... <dN-1>
 *   output <name> <dtype> <rank> <d0> ... <dN-1>
 *   end
 *
 * `input` lines come before `output` lines, in the order of `buffers`.
 * A dimension is a non-negative decimal integer, or `?<symbol>` for a
 * symbolic dimension (reserved: version-1 compilers emit static shapes only).
 * dtype is one of: f16 bf16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool.
 * bool is one byte per element (0 or 1). Rank 0 means a scalar (one element).
 *
 *===----------------------------------------------------------------------===*/

#ifndef DSK_RUNTIME_MODELABI_H
#define DSK_RUNTIME_MODELABI_H

#define DSK_MODEL_ABI_VERSION 1
#define DSK_MODEL_METADATA_SYMBOL "dsk_model_metadata_v1"
#define DSK_MODEL_RUN_SYMBOL "dsk_model_run_v1"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*dsk_model_run_fn)(void *const *buffers);

#ifdef __cplusplus
}
#endif

#endif /* DSK_RUNTIME_MODELABI_H */
