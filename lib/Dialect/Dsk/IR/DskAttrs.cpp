//===- DskAttrs.cpp - dsk attributes and tensor encodings -----------------===//
//
// Parsing, printing and verification of the dsk attributes. The quantized
// storage encodings verify their parameters on their own and, through
// VerifiableTensorEncoding, against the tensor type that carries them.
//
//===----------------------------------------------------------------------===//

#include "dsk/Dialect/Dsk/IR/DskDialect.h"
#include "dsk/Dialect/Dsk/Utils/QuantMath.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Regex.h"

#include <cmath>

using namespace mlir;
using namespace dsk;

#define GET_ATTRDEF_CLASSES
#include "dsk/Dialect/Dsk/IR/DskAttrs.cpp.inc"

#include "dsk/Dialect/Dsk/IR/DskEnums.cpp.inc"

//===----------------------------------------------------------------------===//
// Parsing and printing helpers
//===----------------------------------------------------------------------===//

namespace {

/// Parses a floating point literal (decimal or hexadecimal) as a double.
ParseResult parseDouble(AsmParser &parser, double &result) {
  APFloat value(0.0);
  if (parser.parseFloat(APFloat::IEEEdouble(), value))
    return failure();
  result = value.convertToDouble();
  return success();
}

/// Prints a double so that it parses back to the same value.
void printDouble(AsmPrinter &printer, double value) {
  printer.printFloat(APFloat(value));
}

/// Parses `[v0, v1, ...]` with `parseElement` for each element.
template <typename T, typename ParseFn>
ParseResult parseList(AsmParser &parser, SmallVectorImpl<T> &result,
                      ParseFn parseElement) {
  return parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&] {
    T element;
    if (failed(parseElement(element)))
      return failure();
    result.push_back(element);
    return success();
  });
}

ParseResult parseDoubleList(AsmParser &parser, SmallVectorImpl<double> &out) {
  return parseList<double>(
      parser, out, [&](double &value) { return parseDouble(parser, value); });
}

ParseResult parseIntList(AsmParser &parser, SmallVectorImpl<int64_t> &out) {
  return parseList<int64_t>(
      parser, out, [&](int64_t &value) { return parser.parseInteger(value); });
}

ParseResult parseStringList(AsmParser &parser,
                            SmallVectorImpl<StringAttr> &out) {
  return parseList<StringAttr>(parser, out, [&](StringAttr &value) {
    std::string text;
    if (parser.parseString(&text))
      return failure();
    value = StringAttr::get(parser.getContext(), text);
    return success();
  });
}

void printDoubleList(AsmPrinter &printer, ArrayRef<double> values) {
  printer << '[';
  llvm::interleaveComma(values, printer,
                        [&](double value) { printDouble(printer, value); });
  printer << ']';
}

void printStringList(AsmPrinter &printer, ArrayRef<StringAttr> values) {
  printer << '[';
  llvm::interleaveComma(values, printer, [&](StringAttr value) {
    printer.printString(value.getValue());
  });
  printer << ']';
}

/// Parses `key = value` pairs, each preceded by a comma, until `>`. Every key
/// may appear once; `parseValue` parses the value of a known key and fails
/// (with a diagnostic) on an unknown one.
ParseResult parseKeyValuePairs(
    AsmParser &parser,
    function_ref<ParseResult(StringRef key, SMLoc loc)> parseValue) {
  llvm::SmallSet<std::string, 4> seen;
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc loc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return failure();
    if (!seen.insert(key.str()).second)
      return parser.emitError(loc) << "duplicate key '" << key << "'";
    if (parseValue(key, loc))
      return failure();
  }
  return parser.parseGreater();
}

ParseResult unknownKey(AsmParser &parser, SMLoc loc, StringRef key,
                       StringRef attrName) {
  return parser.emitError(loc)
         << "unknown key '" << key << "' in #dsk." << attrName;
}

/// True if `value` is finite and strictly positive.
bool isPositiveFinite(double value) {
  return std::isfinite(value) && value > 0;
}

/// Checks the per-tensor / per-axis channel count of an encoding against a
/// tensor shape.
LogicalResult verifyChannels(std::optional<int64_t> axis, int64_t numChannels,
                             ArrayRef<int64_t> shape, StringRef what,
                             function_ref<InFlightDiagnostic()> emitError) {
  if (!axis)
    return success();
  if (*axis >= static_cast<int64_t>(shape.size()))
    return emitError() << "quantization axis " << *axis
                       << " is out of range for a tensor of rank "
                       << shape.size();
  int64_t dim = shape[*axis];
  if (!ShapedType::isDynamic(dim) && dim != numChannels)
    return emitError() << "expected one " << what << " per index of axis "
                       << *axis << " (size " << dim << "), got " << numChannels;
  return success();
}

/// Checks that `elementType` is an integer storage type of an allowed width.
FailureOr<IntegerType>
verifyStorageType(Type elementType, unsigned minBits, unsigned maxBits,
                  StringRef encodingName,
                  function_ref<InFlightDiagnostic()> emitError) {
  // Null when the type parser failed before it (`tensor<, #dsk...>`): the
  // parser has reported that, but still asks the encoding.
  if (!elementType)
    return emitError() << "#dsk." << encodingName << " needs an element type",
           failure();
  auto intType = dyn_cast<IntegerType>(elementType);
  if (!intType || intType.getWidth() < minBits ||
      intType.getWidth() > maxBits) {
    emitError() << "#dsk." << encodingName
                << " storage must be an integer type of " << minBits << " to "
                << maxBits << " bits, got " << elementType;
    return failure();
  }
  return intType;
}

} // namespace

std::optional<int64_t> dsk::getQuantAxis(Attribute encoding) {
  return TypeSwitch<Attribute, std::optional<int64_t>>(encoding)
      .Case<UniformAttr, Log2Attr, CodebookAttr>(
          [](auto attr) { return attr.getAxis(); })
      .Default([](Attribute) { return std::nullopt; });
}

/// Parses the optional leading `axis = N,` of the quantized encodings.
static ParseResult parseOptionalAxis(AsmParser &parser,
                                     std::optional<int64_t> &axis) {
  if (failed(parser.parseOptionalKeyword("axis")))
    return success();
  int64_t value;
  if (parser.parseEqual() || parser.parseInteger(value) || parser.parseComma())
    return failure();
  axis = value;
  return success();
}

/// Parses the scales of a per-tensor (`scale = S`) or per-axis
/// (`axis = A, scales = [...]`) encoding, after the `<`.
static ParseResult parseScales(AsmParser &parser, std::optional<int64_t> &axis,
                               SmallVectorImpl<double> &scales) {
  if (parseOptionalAxis(parser, axis))
    return failure();
  if (axis)
    return failure(parser.parseKeyword("scales") || parser.parseEqual() ||
                   parseDoubleList(parser, scales));
  double scale;
  if (parser.parseKeyword("scale") || parser.parseEqual() ||
      parseDouble(parser, scale))
    return failure();
  scales.push_back(scale);
  return success();
}

/// Prints what parseScales parses.
static void printScales(AsmPrinter &printer, std::optional<int64_t> axis,
                        ArrayRef<double> scales) {
  if (axis) {
    printer << "axis = " << *axis << ", scales = ";
    printDoubleList(printer, scales);
  } else {
    printer << "scale = ";
    printDouble(printer, scales.front());
  }
}

//===----------------------------------------------------------------------===//
// UniformAttr
//===----------------------------------------------------------------------===//

Attribute UniformAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  std::optional<int64_t> axis;
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  if (parser.parseLess() || parseScales(parser, axis, scales) ||
      parser.parseComma())
    return {};
  if (axis) {
    if (parser.parseKeyword("zero_points") || parser.parseEqual() ||
        parseIntList(parser, zeroPoints))
      return {};
  } else {
    int64_t zeroPoint;
    if (parser.parseKeyword("zero_point") || parser.parseEqual() ||
        parser.parseInteger(zeroPoint))
      return {};
    zeroPoints.push_back(zeroPoint);
  }
  if (parser.parseGreater())
    return {};
  MLIRContext *ctx = parser.getContext();
  return parser.getChecked<UniformAttr>(
      loc, ctx, axis, DenseF64ArrayAttr::get(ctx, scales), zeroPoints);
}

void UniformAttr::print(AsmPrinter &printer) const {
  printer << '<';
  printScales(printer, getAxis(), getScales().asArrayRef());
  if (getAxis())
    printer << ", zero_points = [" << getZeroPoints() << ']';
  else
    printer << ", zero_point = " << getZeroPoints().front();
  printer << '>';
}

LogicalResult UniformAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  std::optional<int64_t> axis,
                                  DenseF64ArrayAttr scalesAttr,
                                  ArrayRef<int64_t> zeroPoints) {
  ArrayRef<double> scales = scalesAttr.asArrayRef();
  if (axis && *axis < 0)
    return emitError() << "quantization axis must be non-negative, got "
                       << *axis;
  if (scales.empty())
    return emitError() << "expected at least one scale";
  if (!axis && scales.size() != 1)
    return emitError() << "a per-tensor encoding takes exactly one scale";
  if (scales.size() != zeroPoints.size())
    return emitError() << "expected as many zero points as scales ("
                       << zeroPoints.size() << " vs " << scales.size() << ")";
  if (!llvm::all_of(scales, isPositiveFinite))
    return emitError() << "scales must be finite and positive";
  return success();
}

LogicalResult UniformAttr::verifyEncoding(
    ArrayRef<int64_t> shape, Type elementType,
    function_ref<InFlightDiagnostic()> emitError) const {
  FailureOr<IntegerType> storage =
      verifyStorageType(elementType, 2, 16, "uniform", emitError);
  if (failed(storage))
    return failure();
  quant::IntRange range =
      quant::storageRange(storage->getWidth(), !storage->isUnsigned());
  for (int64_t zeroPoint : getZeroPoints())
    if (!range.contains(zeroPoint))
      return emitError() << "zero point " << zeroPoint
                         << " is out of range for storage type " << elementType
                         << " [" << range.min << ", " << range.max << "]";
  return verifyChannels(getAxis(), getScales().size(), shape, "scale",
                        emitError);
}

//===----------------------------------------------------------------------===//
// Log2Attr
//===----------------------------------------------------------------------===//

Attribute Log2Attr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  std::optional<int64_t> axis;
  SmallVector<double> scales;
  if (parser.parseLess() || parseScales(parser, axis, scales) ||
      parser.parseGreater())
    return {};
  MLIRContext *ctx = parser.getContext();
  return parser.getChecked<Log2Attr>(loc, ctx, axis,
                                     DenseF64ArrayAttr::get(ctx, scales));
}

void Log2Attr::print(AsmPrinter &printer) const {
  printer << '<';
  printScales(printer, getAxis(), getScales().asArrayRef());
  printer << '>';
}

LogicalResult Log2Attr::verify(function_ref<InFlightDiagnostic()> emitError,
                               std::optional<int64_t> axis,
                               DenseF64ArrayAttr scalesAttr) {
  ArrayRef<double> scales = scalesAttr.asArrayRef();
  if (axis && *axis < 0)
    return emitError() << "quantization axis must be non-negative, got "
                       << *axis;
  if (scales.empty())
    return emitError() << "expected at least one scale";
  if (!axis && scales.size() != 1)
    return emitError() << "a per-tensor encoding takes exactly one scale";
  if (!llvm::all_of(scales, isPositiveFinite))
    return emitError() << "scales must be finite and positive";
  return success();
}

LogicalResult
Log2Attr::verifyEncoding(ArrayRef<int64_t> shape, Type elementType,
                         function_ref<InFlightDiagnostic()> emitError) const {
  FailureOr<IntegerType> storage =
      verifyStorageType(elementType, 3, 8, "log2", emitError);
  if (failed(storage))
    return failure();
  if (!storage->isSignless())
    return emitError() << "#dsk.log2 storage must be a signless integer, got "
                       << elementType;
  return verifyChannels(getAxis(), getScales().size(), shape, "scale",
                        emitError);
}

//===----------------------------------------------------------------------===//
// CodebookAttr
//===----------------------------------------------------------------------===//

Attribute CodebookAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  std::optional<int64_t> axis;
  SmallVector<double> values;
  int64_t numEntries = -1; // not known until the first table is read
  if (parser.parseLess() || parseOptionalAxis(parser, axis) ||
      parser.parseKeyword("values") || parser.parseEqual())
    return {};
  if (axis) {
    // One table per channel: [[...], [...]], all of the same length.
    if (parser.parseCommaSeparatedList(
            AsmParser::Delimiter::Square, [&]() -> ParseResult {
              SMLoc tableLoc = parser.getCurrentLocation();
              SmallVector<double> table;
              if (parseDoubleList(parser, table))
                return failure();
              if (table.empty())
                return parser.emitError(tableLoc)
                       << "codebook tables hold 1 to 16 entries, got 0";
              if (numEntries < 0)
                numEntries = table.size();
              else if (numEntries != static_cast<int64_t>(table.size()))
                return parser.emitError(tableLoc)
                       << "every codebook table must have " << numEntries
                       << " entries, got " << table.size();
              values.append(table);
              return success();
            }))
      return {};
  } else {
    if (parseDoubleList(parser, values))
      return {};
    numEntries = values.size();
  }
  if (parser.parseGreater())
    return {};
  MLIRContext *ctx = parser.getContext();
  return parser.getChecked<CodebookAttr>(loc, ctx, axis,
                                         std::max<int64_t>(numEntries, 0),
                                         DenseF64ArrayAttr::get(ctx, values));
}

void CodebookAttr::print(AsmPrinter &printer) const {
  printer << '<';
  if (std::optional<int64_t> axis = getAxis()) {
    printer << "axis = " << *axis << ", values = [";
    llvm::interleaveComma(
        llvm::seq<int64_t>(0, getNumTables()), printer,
        [&](int64_t table) { printDoubleList(printer, getTable(table)); });
    printer << ']';
  } else {
    printer << "values = ";
    printDoubleList(printer, getValues().asArrayRef());
  }
  printer << '>';
}

LogicalResult CodebookAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   std::optional<int64_t> axis,
                                   int64_t numEntries,
                                   DenseF64ArrayAttr valuesAttr) {
  ArrayRef<double> values = valuesAttr.asArrayRef();
  if (axis && *axis < 0)
    return emitError() << "quantization axis must be non-negative, got "
                       << *axis;
  if (numEntries < 1 || numEntries > 16)
    return emitError() << "codebook tables hold 1 to 16 entries, got "
                       << numEntries;
  if (values.size() % numEntries != 0)
    return emitError() << "codebook values are not a whole number of tables";
  if (!axis && static_cast<int64_t>(values.size()) != numEntries)
    return emitError() << "a per-tensor codebook takes exactly one table";
  if (!llvm::all_of(values, [](double v) { return std::isfinite(v); }))
    return emitError() << "codebook entries must be finite";
  return success();
}

LogicalResult CodebookAttr::verifyEncoding(
    ArrayRef<int64_t> shape, Type elementType,
    function_ref<InFlightDiagnostic()> emitError) const {
  FailureOr<IntegerType> storage =
      verifyStorageType(elementType, 1, 8, "codebook", emitError);
  if (failed(storage))
    return failure();
  if (getNumEntries() > (int64_t(1) << storage->getWidth()))
    return emitError() << "a codebook of " << getNumEntries()
                       << " entries does not fit storage type " << elementType;
  return verifyChannels(getAxis(), getNumTables(), shape, "codebook table",
                        emitError);
}

//===----------------------------------------------------------------------===//
// ScaleAttr
//===----------------------------------------------------------------------===//

Attribute ScaleAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef kindName;
  if (parser.parseLess() || parser.parseKeyword(&kindName))
    return {};
  std::optional<ScaleKind> kind = symbolizeScaleKind(kindName);
  if (!kind) {
    parser.emitError(loc) << "unknown scale kind '" << kindName
                          << "', expected local, segment or global";
    return {};
  }
  std::optional<int64_t> window, length;
  SmallVector<int64_t> tokens;
  auto parseValue = [&](StringRef key, SMLoc keyLoc) -> ParseResult {
    int64_t value;
    if (key == "window" || key == "length") {
      if (parser.parseInteger(value))
        return failure();
      (key == "window" ? window : length) = value;
      return success();
    }
    if (key == "tokens")
      return parseIntList(parser, tokens);
    return unknownKey(parser, keyLoc, key, "scale");
  };
  if (parseKeyValuePairs(parser, parseValue))
    return {};
  return parser.getChecked<ScaleAttr>(loc, parser.getContext(), *kind, window,
                                      length, tokens);
}

void ScaleAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifyScaleKind(getKind());
  if (getWindow())
    printer << ", window = " << *getWindow();
  if (getLength())
    printer << ", length = " << *getLength();
  if (!getTokens().empty())
    printer << ", tokens = [" << getTokens() << ']';
  printer << '>';
}

LogicalResult ScaleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                ScaleKind kind, std::optional<int64_t> window,
                                std::optional<int64_t> length,
                                ArrayRef<int64_t> tokens) {
  switch (kind) {
  case ScaleKind::Local:
    if (!window || *window < 0)
      return emitError() << "a local scale needs a non-negative window";
    if (length || !tokens.empty())
      return emitError() << "a local scale only takes a window";
    return success();
  case ScaleKind::Segment:
    if (length && *length < 1)
      return emitError() << "segment length must be positive, got " << *length;
    if (window || !tokens.empty())
      return emitError() << "a segment scale only takes a length";
    return success();
  case ScaleKind::Global: {
    if (window || length)
      return emitError() << "a global scale only takes tokens";
    llvm::SmallSet<int64_t, 8> seen;
    for (int64_t token : tokens)
      if (token < 0 || !seen.insert(token).second)
        return emitError() << "global tokens must be distinct and non-negative";
    return success();
  }
  }
  llvm_unreachable("unknown scale kind");
}

//===----------------------------------------------------------------------===//
// PrecisionPolicyAttr
//===----------------------------------------------------------------------===//

Attribute PrecisionPolicyAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef statisticName;
  int64_t input;
  SmallVector<double> thresholds;
  SmallVector<Type> choices;
  if (parser.parseLess() || parser.parseKeyword(&statisticName))
    return {};
  std::optional<SelectorStatistic> statistic =
      symbolizeSelectorStatistic(statisticName);
  if (!statistic) {
    parser.emitError(loc) << "unknown statistic '" << statisticName
                          << "', expected max_abs, mean_abs or rms";
    return {};
  }
  if (parser.parseLParen() || parser.parseInteger(input) ||
      parser.parseRParen() || parser.parseComma() ||
      parser.parseKeyword("thresholds") || parser.parseEqual() ||
      parseDoubleList(parser, thresholds) || parser.parseComma() ||
      parser.parseKeyword("choices") || parser.parseEqual() ||
      parseList<Type>(parser, choices,
                      [&](Type &type) { return parser.parseType(type); }) ||
      parser.parseGreater())
    return {};
  MLIRContext *ctx = parser.getContext();
  return parser.getChecked<PrecisionPolicyAttr>(
      loc, ctx, *statistic, input, DenseF64ArrayAttr::get(ctx, thresholds),
      choices);
}

void PrecisionPolicyAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifySelectorStatistic(getStatistic()) << '('
          << getInput() << "), thresholds = ";
  printDoubleList(printer, getThresholds().asArrayRef());
  printer << ", choices = [";
  llvm::interleaveComma(getChoices(), printer);
  printer << "]>";
}

LogicalResult PrecisionPolicyAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, SelectorStatistic,
    int64_t input, DenseF64ArrayAttr thresholdsAttr, ArrayRef<Type> choices) {
  ArrayRef<double> thresholds = thresholdsAttr.asArrayRef();
  if (input < 0)
    return emitError() << "policy input index must be non-negative";
  if (thresholds.empty())
    return emitError() << "a policy needs at least one threshold";
  if (!llvm::all_of(thresholds, [](double t) { return std::isfinite(t); }))
    return emitError() << "thresholds must be finite";
  for (size_t i = 1; i < thresholds.size(); ++i)
    if (!(thresholds[i - 1] < thresholds[i]))
      return emitError() << "thresholds must be strictly increasing";
  if (choices.size() != thresholds.size() + 1)
    return emitError() << "expected " << thresholds.size() + 1
                       << " choices (one more than thresholds), got "
                       << choices.size();
  for (Type choice : choices)
    if (!choice.isF32() && !choice.isBF16() && !choice.isF16() &&
        !choice.isSignlessInteger(8))
      return emitError() << "precision choices must be f32, bf16, f16 or i8, "
                            "got "
                         << choice;
  return success();
}

//===----------------------------------------------------------------------===//
// TargetAttr
//===----------------------------------------------------------------------===//

Attribute TargetAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef kindName;
  if (parser.parseLess() || parser.parseKeyword(&kindName))
    return {};
  std::optional<TargetKind> kind = symbolizeTargetKind(kindName);
  if (!kind) {
    parser.emitError(loc) << "unknown target kind '" << kindName
                          << "', expected cpu or gpu";
    return {};
  }
  bool isCpu = *kind == TargetKind::CPU;
  std::string arch = isCpu ? "" : "nvptx64", chip, triple;
  SmallVector<StringAttr> features;
  std::optional<int64_t> ptx;
  auto parseValue = [&](StringRef key, SMLoc keyLoc) -> ParseResult {
    if (isCpu && key == "arch")
      return parser.parseString(&arch);
    if ((isCpu && key == "cpu") || (!isCpu && key == "chip"))
      return parser.parseString(&chip);
    if (isCpu && key == "features")
      return parseStringList(parser, features);
    if (isCpu && key == "triple")
      return parser.parseString(&triple);
    if (!isCpu && key == "ptx") {
      int64_t version;
      if (parser.parseInteger(version))
        return failure();
      ptx = version;
      return success();
    }
    return unknownKey(parser, keyLoc, key,
                      isCpu
                          ? "target<cpu> (expected arch, cpu, features, triple)"
                          : "target<gpu> (expected chip, ptx)");
  };
  if (parseKeyValuePairs(parser, parseValue))
    return {};
  return parser.getChecked<TargetAttr>(loc, parser.getContext(), *kind, arch,
                                       chip, features, ptx, triple);
}

void TargetAttr::print(AsmPrinter &printer) const {
  printer << '<' << stringifyTargetKind(getKind());
  if (getKind() == TargetKind::CPU) {
    printer << ", arch = ";
    printer.printString(getArch());
    if (!getChip().empty()) {
      printer << ", cpu = ";
      printer.printString(getChip());
    }
    if (!getFeatures().empty()) {
      printer << ", features = ";
      printStringList(printer, getFeatures());
    }
    if (!getTriple().empty()) {
      printer << ", triple = ";
      printer.printString(getTriple());
    }
  } else {
    printer << ", chip = ";
    printer.printString(getChip());
    if (getPtxVersion())
      printer << ", ptx = " << *getPtxVersion();
  }
  printer << '>';
}

LogicalResult TargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 TargetKind kind, StringRef arch,
                                 StringRef chip, ArrayRef<StringAttr> features,
                                 std::optional<int64_t> ptxVersion,
                                 StringRef triple) {
  if (kind == TargetKind::CPU) {
    if (arch.empty())
      return emitError() << "a cpu target needs an arch";
    return success();
  }
  if (!llvm::Regex("^sm_[0-9]+a?$").match(chip))
    return emitError() << "a gpu target needs a chip of the form sm_NN, got '"
                       << chip << "'";
  if (ptxVersion && *ptxVersion < 60)
    return emitError() << "PTX ISA version " << *ptxVersion
                       << " is too old (need >= 60)";
  return success();
}

bool TargetAttr::hasFeature(StringRef feature) const {
  return llvm::any_of(getFeatures(), [&](StringAttr provided) {
    return provided.getValue() == feature;
  });
}

//===----------------------------------------------------------------------===//
// KernelAttr
//===----------------------------------------------------------------------===//

Attribute KernelAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  std::string name;
  SmallVector<StringAttr> required;
  SmallVector<int64_t> tiles;
  if (parser.parseLess() || parser.parseString(&name))
    return {};
  auto parseValue = [&](StringRef key, SMLoc keyLoc) -> ParseResult {
    if (key == "requires")
      return parseStringList(parser, required);
    if (key == "tiles")
      return parseIntList(parser, tiles);
    return unknownKey(parser, keyLoc, key, "kernel");
  };
  if (parseKeyValuePairs(parser, parseValue))
    return {};
  return parser.getChecked<KernelAttr>(loc, parser.getContext(), name, required,
                                       tiles);
}

void KernelAttr::print(AsmPrinter &printer) const {
  printer << '<';
  printer.printString(getName());
  if (!getRequiredFeatures().empty()) {
    printer << ", requires = ";
    printStringList(printer, getRequiredFeatures());
  }
  if (!getTiles().empty())
    printer << ", tiles = [" << getTiles() << ']';
  printer << '>';
}

LogicalResult KernelAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef name, ArrayRef<StringAttr>,
                                 ArrayRef<int64_t> tiles) {
  if (name.empty())
    return emitError() << "a kernel needs a name";
  if (!llvm::all_of(tiles, [](int64_t tile) { return tile > 0; }))
    return emitError() << "kernel tile sizes must be positive";
  return success();
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

void DskDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dsk/Dialect/Dsk/IR/DskAttrs.cpp.inc"
      >();
}
