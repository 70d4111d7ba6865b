//===- ExportModel.cpp - wrap the entry function in the model ABI ---------===//
//
// Produces the two symbols a compiled model library exports (see
// include/dsk/Runtime/ModelABI.h): the run function, which reads the caller's
// buffers, and the metadata text that describes them.
//
//===----------------------------------------------------------------------===//

#include "dsk/Conversion/Passes.h"
#include "dsk/Dialect/Dsk/IR/DskDialect.h"
#include "dsk/Runtime/ModelABI.h"

#include "ModelABIBuilders.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

namespace dsk {
#define GEN_PASS_DEF_DSKEXPORTMODEL
#include "dsk/Conversion/Passes.h.inc"
} // namespace dsk

using namespace mlir;

namespace {

/// The ABI's name for an element type, or an empty string when the ABI has
/// none. Integers are signless in the IR; `isUnsigned` comes from the
/// importer's `dsk.onnx.unsigned` attribute.
std::string abiTypeName(Type type, bool isUnsigned) {
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isF32())
    return "f32";
  if (type.isF64())
    return "f64";
  if (type.isInteger(1))
    return "bool";
  auto intType = dyn_cast<IntegerType>(type);
  if (!intType)
    return "";
  unsigned width = intType.getWidth();
  if (width != 8 && width != 16 && width != 32 && width != 64)
    return "";
  return (isUnsigned || intType.isUnsigned() ? "u" : "i") +
         std::to_string(width);
}

/// One input or output of the entry function as the ABI sees it.
struct AbiValue {
  std::string name;
  std::string typeName;
  RankedTensorType type;
};

/// Describes value `index` of the entry's inputs (`isInput`) or results;
/// reports and fails when the ABI cannot carry it.
FailureOr<AbiValue> describeValue(func::FuncOp entry, unsigned index,
                                  bool isInput, Type type) {
  DictionaryAttr attrs =
      isInput ? entry.getArgAttrDict(index) : entry.getResultAttrDict(index);
  StringRef kind = isInput ? "input" : "output";
  AbiValue value;
  auto name = attrs
                  ? attrs.getAs<StringAttr>(dsk::DskDialect::kOnnxNameAttrName)
                  : StringAttr();
  // Unnamed values get "input3"/"output0": the ABI has no empty names.
  value.name = name && !name.getValue().empty() ? name.str()
                                                : (kind + Twine(index)).str();

  auto report = [&]() {
    return entry.emitError()
           << kind << " " << index << " ('" << value.name << "') ";
  };
  value.type = dyn_cast<RankedTensorType>(type);
  if (!value.type)
    return report() << "has type " << type
                    << "; a compiled model's inputs and outputs are ranked "
                       "tensors";
  if (!value.type.hasStaticShape()) {
    InFlightDiagnostic diag = report() << "has the dynamic shape " << type;
    // The importer records the ONNX names of symbolic dimensions.
    auto dimParams =
        attrs ? attrs.getAs<ArrayAttr>(dsk::DskDialect::kOnnxDimParamsAttrName)
              : ArrayAttr();
    SmallVector<StringRef> names;
    if (dimParams)
      for (Attribute param : dimParams)
        if (auto name = dyn_cast<StringAttr>(param);
            name && !name.getValue().empty() && name.getValue() != "?")
          names.push_back(name.getValue());
    if (!names.empty())
      diag << " (symbolic dimensions: " << llvm::join(names, ", ") << ")";
    return diag << "; compiling needs static shapes (give symbolic "
                   "dimensions a size with dsk-compile --dim NAME=SIZE)";
  }
  if (value.type.getEncoding())
    return report() << "has the encoded type " << type
                    << ", which the model ABI cannot carry";
  bool isUnsigned = attrs && attrs.get(dsk::DskDialect::kOnnxUnsignedAttrName);
  value.typeName = abiTypeName(value.type.getElementType(), isUnsigned);
  if (value.typeName.empty())
    return report() << "has element type " << value.type.getElementType()
                    << ", which the model ABI does not support";
  return value;
}

std::string buildMetadata(ArrayRef<AbiValue> inputs, ArrayRef<AbiValue> outputs,
                          dsk::TargetAttr target) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "dsk-model " << DSK_MODEL_ABI_VERSION << "\n";
  os << "kind cpu\n";
  os << "target " << target.getArch() << " "
     << (target.getChip().empty() ? "generic" : target.getChip()) << "\n";
  os << "features ";
  if (target.getFeatures().empty())
    os << "-";
  llvm::interleave(
      target.getFeatures(), os,
      [&](StringAttr feature) { os << feature.getValue(); }, ",");
  os << "\n";
  // dsk-plan-memory writes the size once the intermediates are laid out.
  os << dsk::model_abi::workspaceLine(0);
  auto print = [&](StringRef kind, const AbiValue &value) {
    os << kind << " " << dsk::model_abi::encodeName(value.name) << " "
       << value.typeName << " " << value.type.getRank();
    for (int64_t dim : value.type.getShape())
      os << " " << dim;
    os << "\n";
  };
  for (const AbiValue &value : inputs)
    print("input", value);
  for (const AbiValue &value : outputs)
    print("output", value);
  os << "end\n";
  return text;
}

struct ExportModelPass : public dsk::impl::DskExportModelBase<ExportModelPass> {
  using DskExportModelBase::DskExportModelBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entryFunc = module.lookupSymbol<func::FuncOp>(entry);
    if (!entryFunc || entryFunc.isExternal()) {
      module.emitError() << "the model has no entry function @" << entry;
      return signalPassFailure();
    }
    for (StringRef symbol : {StringRef(DSK_MODEL_RUN_SYMBOL),
                             StringRef(DSK_MODEL_METADATA_SYMBOL)})
      if (module.lookupSymbol(symbol)) {
        module.emitError() << "the module already defines @" << symbol;
        return signalPassFailure();
      }
    // The runtime checks the recorded target before it runs the model.
    dsk::TargetAttr target = dsk::getTarget(module);
    if (!target || target.getKind() != dsk::TargetKind::CPU) {
      module.emitError() << "the module needs a CPU #dsk.target in its '"
                         << dsk::DskDialect::kTargetAttrName
                         << "' attribute (dsk-compile sets it from -target)";
      return signalPassFailure();
    }
    if (!entryFunc.getBody().hasOneBlock()) {
      entryFunc.emitError()
          << "the entry function must have a single block to be exported";
      return signalPassFailure();
    }

    FunctionType signature = entryFunc.getFunctionType();
    SmallVector<AbiValue> inputs, outputs;
    bool valid = true;
    for (auto [index, type] : llvm::enumerate(signature.getInputs())) {
      FailureOr<AbiValue> value = describeValue(entryFunc, index, true, type);
      valid &= succeeded(value);
      if (succeeded(value))
        inputs.push_back(*value);
    }
    for (auto [index, type] : llvm::enumerate(signature.getResults())) {
      FailureOr<AbiValue> value = describeValue(entryFunc, index, false, type);
      valid &= succeeded(value);
      if (succeeded(value))
        outputs.push_back(*value);
    }
    if (!valid)
      return signalPassFailure();

    Location loc = entryFunc.getLoc();
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    rewriter.setInsertionPointToEnd(module.getBody());
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    auto runFunc =
        func::FuncOp::create(rewriter, loc, DSK_MODEL_RUN_SYMBOL,
                             rewriter.getFunctionType({ptrType, ptrType}, {}));
    Block *body = runFunc.addEntryBlock();
    rewriter.setInsertionPointToStart(body);

    // buffers[i] -> the memref of value i.
    Value buffers = body->getArgument(0);
    auto bufferAt = [&](int64_t index, RankedTensorType type) {
      Value slot = LLVM::GEPOp::create(rewriter, loc, ptrType, ptrType, buffers,
                                       ArrayRef<LLVM::GEPArg>{index});
      Value data = LLVM::LoadOp::create(rewriter, loc, ptrType, slot);
      return dsk::model_abi::buildMemRefFromPointer(
          rewriter, loc, data,
          MemRefType::get(type.getShape(), type.getElementType()));
    };
    SmallVector<Value> inputTensors;
    for (auto [index, input] : llvm::enumerate(inputs)) {
      Value memref = bufferAt(index, input.type);
      // The caller's inputs are read-only and never alias another buffer.
      inputTensors.push_back(bufferization::ToTensorOp::create(
          rewriter, loc, input.type, memref, /*restrict=*/true,
          /*writable=*/false));
    }
    SmallVector<Value> outputBuffers;
    for (auto [index, output] : llvm::enumerate(outputs))
      outputBuffers.push_back(bufferAt(inputs.size() + index, output.type));

    Block &entryBlock = entryFunc.getBody().front();
    auto returnOp = cast<func::ReturnOp>(entryBlock.getTerminator());
    rewriter.inlineBlockBefore(&entryBlock, body, body->end(), inputTensors);
    rewriter.setInsertionPoint(returnOp);
    for (auto [result, buffer] :
         llvm::zip_equal(returnOp.getOperands(), outputBuffers)) {
      auto materialize = bufferization::MaterializeInDestinationOp::create(
          rewriter, returnOp.getLoc(), TypeRange(), result, buffer);
      materialize.setRestrict(true);
      materialize.setWritable(true);
    }
    rewriter.replaceOpWithNewOp<func::ReturnOp>(returnOp);
    rewriter.eraseOp(entryFunc);

    std::string metadata = buildMetadata(inputs, outputs, target);
    metadata.push_back('\0');
    rewriter.setInsertionPointToStart(module.getBody());
    auto metadataType =
        LLVM::LLVMArrayType::get(rewriter.getI8Type(), metadata.size());
    LLVM::GlobalOp::create(rewriter, loc, metadataType, /*isConstant=*/true,
                           LLVM::Linkage::External, DSK_MODEL_METADATA_SYMBOL,
                           rewriter.getStringAttr(metadata));
  }
};

} // namespace
