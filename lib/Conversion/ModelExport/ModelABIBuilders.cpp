//===- ModelABIBuilders.cpp - IR for the model ABI's pieces ---------------===//

#include "ModelABIBuilders.h"

#include "dsk/Runtime/ModelABI.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

Value dsk::model_abi::buildMemRefFromPointer(OpBuilder &b, Location loc,
                                             Value data, MemRefType type) {
  MLIRContext *ctx = b.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto i64 = b.getI64Type();
  int64_t rank = type.getRank();
  SmallVector<Type> fields = {ptrType, ptrType, i64};
  if (rank > 0) {
    auto arrayType = LLVM::LLVMArrayType::get(i64, rank);
    fields.append({arrayType, arrayType});
  }
  auto descriptorType = LLVM::LLVMStructType::getLiteral(ctx, fields);
  auto constant = [&](int64_t v) -> Value {
    return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
  };
  Value descriptor = LLVM::PoisonOp::create(b, loc, descriptorType);
  descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, data,
                                           ArrayRef<int64_t>{0});
  descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, data,
                                           ArrayRef<int64_t>{1});
  descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, constant(0),
                                           ArrayRef<int64_t>{2});
  int64_t stride = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    descriptor = LLVM::InsertValueOp::create(b, loc, descriptor,
                                             constant(type.getDimSize(d)),
                                             ArrayRef<int64_t>{3, d});
    descriptor = LLVM::InsertValueOp::create(
        b, loc, descriptor, constant(stride), ArrayRef<int64_t>{4, d});
    stride *= type.getDimSize(d);
  }
  return UnrealizedConversionCastOp::create(b, loc, type, descriptor)
      .getResult(0);
}

std::string dsk::model_abi::workspaceLine(int64_t bytes) {
  return "workspace " + std::to_string(bytes) + "\n";
}

std::string dsk::model_abi::encodeName(StringRef name) {
  std::string encoded;
  for (unsigned char c : name) {
    if (c > 0x20 && c < 0x7f && c != '%') {
      encoded.push_back(static_cast<char>(c));
      continue;
    }
    encoded.push_back('%');
    encoded.push_back(llvm::hexdigit(c >> 4));
    encoded.push_back(llvm::hexdigit(c & 15));
  }
  return encoded;
}

LogicalResult dsk::model_abi::editMetadata(
    ModuleOp module,
    function_ref<LogicalResult(std::string &text, Operation *global)> edit) {
  auto global = module.lookupSymbol<LLVM::GlobalOp>(DSK_MODEL_METADATA_SYMBOL);
  auto text = global ? dyn_cast_or_null<StringAttr>(global.getValueOrNull())
                     : StringAttr();
  if (!text)
    return module.emitError()
           << "the module has no @" << DSK_MODEL_METADATA_SYMBOL
           << " text (dsk-export-model makes it)";
  std::string metadata = text.str();
  if (failed(edit(metadata, global)))
    return failure();
  OpBuilder b(global);
  global.setValueAttr(b.getStringAttr(metadata));
  global.setGlobalType(
      LLVM::LLVMArrayType::get(b.getI8Type(), metadata.size()));
  return success();
}
