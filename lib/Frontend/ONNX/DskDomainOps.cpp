//===- DskDomainOps.cpp - the `dsk` ONNX domain ---------------------------===//
//
// Operators that PyTorch users export directly into the `dsk` ONNX domain
// (python/dsk/torch_ops.py), imported as the dsk operations they name.
//
//   dsk.MultiScaleAttention(q, k, v, gate_weight, gate_bias[, segment_ids])
//     scales: strings, one per scale: "local:W", "segment:L", "segment",
//             "global", "global:T0,T1,..."
//     scale:  float, optional (default 1/sqrt(D))
//
//===----------------------------------------------------------------------===//

#include "Builders.h"
#include "dsk/Dialect/Dsk/IR/DskOps.h"

#include "mlir/IR/Verifier.h"

using namespace mlir;

namespace dsk::onnx_import {
namespace {

/// Parses one "kind[:arguments]" scale description.
FailureOr<ScaleAttr> parseScale(NodeContext &ctx, StringRef text) {
  auto [kindName, arguments] = text.split(':');
  std::optional<ScaleKind> kind = symbolizeScaleKind(kindName);
  auto bad = [&]() {
    return ctx.emitError() << "scale '" << text
                           << "' is not one of local:W, segment, segment:L, "
                              "global, global:T0,T1,...";
  };
  if (!kind)
    return bad(), failure();
  std::optional<int64_t> window, length;
  SmallVector<int64_t> tokens;
  SmallVector<StringRef> parts;
  if (!arguments.empty())
    arguments.split(parts, ',');
  for (StringRef part : parts) {
    int64_t number;
    if (part.trim().getAsInteger(10, number))
      return bad(), failure();
    tokens.push_back(number);
  }
  switch (*kind) {
  case ScaleKind::Local:
    if (tokens.size() != 1)
      return bad(), failure();
    window = tokens.front();
    tokens.clear();
    break;
  case ScaleKind::Segment:
    if (tokens.size() > 1)
      return bad(), failure();
    if (!tokens.empty())
      length = tokens.front();
    tokens.clear();
    break;
  case ScaleKind::Global:
    break;
  }
  auto emitError = [&]() { return ctx.emitError(); };
  if (failed(ScaleAttr::verify(emitError, *kind, window, length, tokens)))
    return failure();
  return ScaleAttr::get(ctx.getContext(), *kind, window, length, tokens);
}

LogicalResult convertMultiScaleAttention(NodeContext &ctx) {
  for (size_t i = 0; i < 5; ++i)
    if (!ctx.hasInput(i))
      return ctx.emitError() << "input #" << i << " is required";
  const onnx::AttributeProto *scalesAttr = ctx.attr("scales");
  if (!scalesAttr || scalesAttr->strings_size() < 2)
    return ctx.emitError() << "needs a 'scales' attribute with at least two "
                              "scales";
  SmallVector<Attribute> scales;
  for (const std::string &text : scalesAttr->strings()) {
    FailureOr<ScaleAttr> scale = parseScale(ctx, text);
    if (failed(scale))
      return failure();
    scales.push_back(*scale);
  }
  Value segmentIds = ctx.hasInput(5) ? ctx.input(5) : Value();
  FloatAttr scale;
  if (ctx.hasAttr("scale"))
    scale = ctx.b.getF64FloatAttr(ctx.floatAttr("scale", 1.0f));
  auto op = MultiScaleAttentionOp::create(
      ctx.b, ctx.loc, ctx.inputType(0), ctx.input(0), ctx.input(1),
      ctx.input(2), ctx.input(3), ctx.input(4), segmentIds,
      ctx.b.getArrayAttr(scales), scale);
  // Report shape errors here, with the node's name, rather than when the
  // whole module is verified.
  if (failed(verify(op)))
    return ctx.emitError() << "the inputs do not form a valid "
                              "dsk.multiscale_attention (see above)";
  ctx.setOutput(0, op.getResult());
  return success();
}

} // namespace

void registerDskDomainOps(OpRegistry &registry) {
  registry.add("dsk", "MultiScaleAttention", convertMultiScaleAttention);
}

} // namespace dsk::onnx_import
