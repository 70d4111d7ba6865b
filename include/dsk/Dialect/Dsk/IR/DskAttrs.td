//===- DskAttrs.td - dsk attributes and tensor encodings ---*- tablegen -*-===//

#ifndef DSK_DIALECT_DSK_IR_DSKATTRS_TD
#define DSK_DIALECT_DSK_IR_DSKATTRS_TD

include "dsk/Dialect/Dsk/IR/DskBase.td"
include "mlir/IR/TensorEncoding.td"

class Dsk_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Dsk_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

//===----------------------------------------------------------------------===//
// Quantized storage encodings
//===----------------------------------------------------------------------===//

def Dsk_UniformAttr : Dsk_Attr<"Uniform", "uniform",
    [DeclareAttrInterfaceMethods<VerifiableTensorEncoding>]> {
  let summary = "uniform (affine) quantization encoding, per tensor or per axis";
  let description = [{
    Encodes a tensor of integer storage type whose real value is
    `real = (q - zero_point) * scale`. Storage is a signless (two's
    complement) or unsigned integer of 2 to 16 bits: `i8`, `ui8` and `i4` are
    the common kinds.

    Per tensor: one scale and zero point.
    ```mlir
    tensor<16x32xi8, #dsk.uniform<scale = 0.05, zero_point = -3>>
    ```
    Per axis: one scale and zero point for each index along `axis`; the number
    of scales equals that dimension's size.
    ```mlir
    tensor<2x32xui8, #dsk.uniform<axis = 0, scales = [0.1, 0.2], zero_points = [128, 120]>>
    ```
    Quantization rounds half to even and saturates:
    `q = clamp(roundeven(x / scale) + zero_point, qmin, qmax)`, where
    `[qmin, qmax]` is the storage type's range.
  }];
  let parameters = (ins
    OptionalParameter<"std::optional<int64_t>">:$axis,
    "::mlir::DenseF64ArrayAttr":$scales,
    ArrayRefParameter<"int64_t", "zero points">:$zeroPoints
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    bool isPerAxis() const { return getAxis().has_value(); }
  }];
}

def Dsk_Log2Attr : Dsk_Attr<"Log2", "log2",
    [DeclareAttrInterfaceMethods<VerifiableTensorEncoding>]> {
  let summary = "non-uniform logarithmic (power-of-two) quantization encoding";
  let description = [{
    Encodes a tensor of signless `iN` storage (3 ≤ N ≤ 8; 4 is the common
    kind) whose codes are a sign bit (the top bit) and an (N-1)-bit exponent
    code `e`. With `E = 2^(N-1) - 1`, the all-ones exponent code `E` encodes
    zero, and the others encode `real = (-1)^sign * scale * 2^-e` for
    `0 ≤ e ≤ E - 1`. The scale is per tensor or per channel along `axis`.

    Quantization rounds in the log domain: for `x != 0`,
    `r = log2(scale / |x|)`; if `r > E - 1 + 0.5` the code is zero, otherwise
    `e = clamp(roundeven(r), 0, E - 1)`. So values above `scale` saturate to
    `±scale`.
    ```mlir
    tensor<8x16xi4, #dsk.log2<axis = 0, scales = [1.0, 0.5, 0.25, 2.0, 1.0, 1.0, 1.0, 1.0]>>
    tensor<8x16xi4, #dsk.log2<scale = 0.75>>
    ```
  }];
  let parameters = (ins
    OptionalParameter<"std::optional<int64_t>">:$axis,
    "::mlir::DenseF64ArrayAttr":$scales
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Dsk_CodebookAttr : Dsk_Attr<"Codebook", "codebook",
    [DeclareAttrInterfaceMethods<VerifiableTensorEncoding>]> {
  let summary = "non-uniform codebook (lookup table) quantization encoding";
  let description = [{
    Encodes a tensor of integer storage whose codes index a table of at most
    16 real values, one table per tensor or one per channel along `axis`. A
    code is read as an unsigned index: `real = values[channel][code]`; every
    table has the same number of entries, which fits the storage width.

    Quantization picks the nearest entry (the lowest index on ties).
    ```mlir
    tensor<2x64xi4, #dsk.codebook<axis = 0, values = [[-1.0, -0.25, 0.25, 1.0], [-2.0, 0.0, 0.5, 2.0]]>>
    tensor<2x64xi2, #dsk.codebook<values = [-1.0, -0.25, 0.25, 1.0]>>
    ```
  }];
  let parameters = (ins
    OptionalParameter<"std::optional<int64_t>">:$axis,
    "int64_t":$numEntries,
    "::mlir::DenseF64ArrayAttr":$values
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Number of tables (1 when per tensor).
    int64_t getNumTables() const {
      return getValues().size() / getNumEntries();
    }
    /// The entries of table `table`.
    ::llvm::ArrayRef<double> getTable(int64_t table) const {
      return getValues().asArrayRef().slice(table * getNumEntries(),
                                            getNumEntries());
    }
  }];
}

//===----------------------------------------------------------------------===//
// Attention scales
//===----------------------------------------------------------------------===//

def Dsk_ScaleAttr : Dsk_Attr<"Scale", "scale"> {
  let summary = "one mask family of a multi-scale attention";
  let description = [{
    Which keys `j` a query `i` may attend to at one scale of
    `dsk.multiscale_attention`:

    - `#dsk.scale<local, window = w>`: `|i - j| <= w` (w ≥ 0).
    - `#dsk.scale<segment, length = L>`: `i / L == j / L` (integer division,
      L ≥ 1).
    - `#dsk.scale<segment>`: `ids[b, i] == ids[b, j]` with the op's
      `segment_ids` operand.
    - `#dsk.scale<global>`: every key.
    - `#dsk.scale<global, tokens = [t0, t1, ...]>`: `j` is one of the listed
      global token positions (distinct, non-negative).
  }];
  let parameters = (ins
    "ScaleKind":$kind,
    OptionalParameter<"std::optional<int64_t>">:$window,
    OptionalParameter<"std::optional<int64_t>">:$length,
    OptionalArrayRefParameter<"int64_t">:$tokens
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// True if this scale reads the op's segment id operand.
    bool usesSegmentIds() const {
      return getKind() == ScaleKind::Segment && !getLength().has_value();
    }
  }];
}

//===----------------------------------------------------------------------===//
// Run-time precision policy
//===----------------------------------------------------------------------===//

def Dsk_PrecisionPolicyAttr : Dsk_Attr<"PrecisionPolicy", "policy"> {
  let summary = "run-time selector of a dsk.dynamic_precision";
  let description = [{
    The statistic `s` (`max_abs`, `mean_abs` or `rms`) of input operand
    `input` selects an alternative: the index of the alternative is the number
    of thresholds `t` with `s >= t` (thresholds strictly increasing), so
    `s < t0` selects alternative 0. `choices` names the precision of each
    alternative, so that a runtime can report which one ran.
    ```mlir
    #dsk.policy<max_abs(0), thresholds = [8.0], choices = [i8, f16]>
    ```
  }];
  let parameters = (ins
    "SelectorStatistic":$statistic,
    "int64_t":$input,
    "::mlir::DenseF64ArrayAttr":$thresholds,
    ArrayRefParameter<"::mlir::Type", "alternative precisions">:$choices
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Targets and kernels
//===----------------------------------------------------------------------===//

def Dsk_TargetAttr : Dsk_Attr<"Target", "target"> {
  let summary = "the compilation target";
  let description = [{
    A CPU target names an architecture, an LLVM CPU name, the CPU features
    the generated code may use (every one, by LLVM name: the list is complete,
    so a feature that is not listed is not used) and optionally the LLVM
    target triple (the compiler's default triple when absent); a GPU target
    names an NVIDIA chip and the PTX ISA version to emit.
    ```mlir
    #dsk.target<cpu, arch = "x86_64", cpu = "znver5", features = ["avx512f", "avx512vnni"]>
    #dsk.target<cpu, arch = "x86_64", cpu = "haswell", triple = "x86_64-pc-linux-gnu">
    #dsk.target<gpu, chip = "sm_90", ptx = 80>
    ```

    The driver (`dsk-compile -target=...`) writes it on the module as the
    `dsk.target` attribute; it is the one place passes and backends read the
    target from.
  }];
  let parameters = (ins
    "TargetKind":$kind,
    StringRefParameter<"architecture">:$arch,
    StringRefParameter<"CPU name or GPU chip">:$chip,
    OptionalArrayRefParameter<"::mlir::StringAttr">:$features,
    OptionalParameter<"std::optional<int64_t>">:$ptxVersion,
    StringRefParameter<"LLVM target triple (CPU; empty: the default)", "\"\"">:$triple
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// True if the target provides CPU feature `feature`.
    bool hasFeature(::llvm::StringRef feature) const;
  }];
}

def Dsk_KernelAttr : Dsk_Attr<"Kernel", "kernel"> {
  let summary = "the kernel selected for an operation";
  let description = [{
    Names the micro-kernel chosen for a compute operation, the target
    features it requires and its tile sizes. Selection passes attach it as the
    `dsk.kernel` attribute; lowerings read it.
    ```mlir
    #dsk.kernel<"x86.avx512.gemm_f32", requires = ["avx512f"], tiles = [16, 32, 1]>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"kernel name">:$name,
    OptionalArrayRefParameter<"::mlir::StringAttr">:$requiredFeatures,
    OptionalArrayRefParameter<"int64_t">:$tiles
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

#endif // DSK_DIALECT_DSK_IR_DSKATTRS_TD
