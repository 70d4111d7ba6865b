//===- OnnxMutator.cpp - structure-aware mutations of ONNX models ---------===//
//
// Byte-level mutations of a protobuf file mostly produce files that do not
// parse, or that parse into the same model with a different name. The bugs
// an importer has live one level up: a node wired to a value that does not
// exist, an attribute of the wrong type, a dimension of 2^40, an initializer
// whose data is shorter than its shape, an op at an opset it did not exist
// in. So this mutator parses the model, changes one such thing, and writes it
// back; a quarter of the time (and whenever the input does not parse) it
// leaves the bytes to libFuzzer's own mutator instead.
//
//===----------------------------------------------------------------------===//

#include "OnnxMutator.h"

#include "onnx/onnx-ml.pb.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace {

using Random = std::minstd_rand;

/// Values that break size arithmetic, index checks and loops.
constexpr int64_t kInterestingInts[] = {0,
                                        1,
                                        -1,
                                        2,
                                        3,
                                        -2,
                                        7,
                                        64,
                                        65,
                                        255,
                                        65536,
                                        INT32_MAX,
                                        INT32_MIN,
                                        int64_t(1) << 31,
                                        int64_t(1) << 40,
                                        INT64_MAX,
                                        INT64_MIN};

/// Ops whose converters do the most with shapes and attributes, to rename
/// nodes to; the model's own op types are candidates too.
constexpr const char *kOpTypes[] = {"Add",
                                    "Cast",
                                    "Clip",
                                    "Concat",
                                    "Constant",
                                    "ConstantOfShape",
                                    "Conv",
                                    "ConvTranspose",
                                    "Expand",
                                    "Flatten",
                                    "Gather",
                                    "GatherElements",
                                    "GatherND",
                                    "Gemm",
                                    "GRU",
                                    "If",
                                    "LayerNormalization",
                                    "Loop",
                                    "LSTM",
                                    "MatMul",
                                    "MaxPool",
                                    "Pad",
                                    "Range",
                                    "ReduceSum",
                                    "Reshape",
                                    "Resize",
                                    "RNN",
                                    "Scan",
                                    "ScatterND",
                                    "Shape",
                                    "Slice",
                                    "Softmax",
                                    "Split",
                                    "Squeeze",
                                    "Tile",
                                    "TopK",
                                    "Transpose",
                                    "Unsqueeze",
                                    "Where",
                                    "Attention"};

constexpr const char *kDomains[] = {
    "", "ai.onnx", "com.microsoft", "ai.onnx.preview", "dsk", "no.such"};

/// External-data locations: inside the folder, escaping it, special files.
constexpr const char *kLocations[] = {
    "weights.bin", "../weights.bin", "/dev/zero", "/proc/self/mem",
    ".",           "a/../../b",      "",          "fifo"};

int64_t pick(Random &random, int64_t bound) {
  return bound <= 0
             ? 0
             : std::uniform_int_distribution<int64_t>(0, bound - 1)(random);
}

int64_t interestingInt(Random &random) {
  if (pick(random, 4) == 0)
    return pick(random, 9) - 4;
  return kInterestingInts[pick(random, std::size(kInterestingInts))];
}

/// Every graph of the model: the main one and the bodies of If/Loop/Scan.
void collectGraphs(onnx::GraphProto &graph,
                   std::vector<onnx::GraphProto *> &graphs) {
  graphs.push_back(&graph);
  for (onnx::NodeProto &node : *graph.mutable_node())
    for (onnx::AttributeProto &attr : *node.mutable_attribute()) {
      if (attr.has_g())
        collectGraphs(*attr.mutable_g(), graphs);
      for (onnx::GraphProto &sub : *attr.mutable_graphs())
        collectGraphs(sub, graphs);
    }
}

/// The names a node input may refer to: graph inputs, initializers and node
/// outputs, plus names that exist nowhere and the empty (omitted) input.
std::string valueName(Random &random, const onnx::GraphProto &graph) {
  std::vector<const std::string *> names;
  for (const onnx::ValueInfoProto &input : graph.input())
    names.push_back(&input.name());
  for (const onnx::TensorProto &init : graph.initializer())
    names.push_back(&init.name());
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &output : node.output())
      names.push_back(&output);
  int64_t choice = pick(random, names.size() + 2);
  if (choice == static_cast<int64_t>(names.size()))
    return "";
  if (choice == static_cast<int64_t>(names.size()) + 1)
    return "dangling";
  return *names[choice];
}

class Mutator {
public:
  Mutator(onnx::ModelProto &model, unsigned seed) : model(model), random(seed) {
    if (model.has_graph())
      collectGraphs(*model.mutable_graph(), graphs);
  }

  /// Applies one mutation; false when the model has nothing it applies to.
  bool mutate() {
    switch (pick(random, 10)) {
    case 0:
      return rewireInput();
    case 1:
      return changeArity();
    case 2:
      return renameOp();
    case 3:
    case 4:
      return mutateAttribute();
    case 5:
    case 6:
      return mutateValueType();
    case 7:
      return mutateInitializer();
    case 8:
      return mutateOpset();
    default:
      return reorderNodes();
    }
  }

private:
  onnx::GraphProto *anyGraph() {
    return graphs.empty() ? nullptr : graphs[pick(random, graphs.size())];
  }

  onnx::NodeProto *anyNode(onnx::GraphProto **owner = nullptr) {
    onnx::GraphProto *graph = anyGraph();
    if (!graph || graph->node_size() == 0)
      return nullptr;
    if (owner)
      *owner = graph;
    return graph->mutable_node(pick(random, graph->node_size()));
  }

  bool rewireInput() {
    onnx::GraphProto *graph;
    onnx::NodeProto *node = anyNode(&graph);
    if (!node || node->input_size() == 0)
      return false;
    *node->mutable_input(pick(random, node->input_size())) =
        valueName(random, *graph);
    return true;
  }

  bool changeArity() {
    onnx::GraphProto *graph;
    onnx::NodeProto *node = anyNode(&graph);
    if (!node)
      return false;
    switch (pick(random, 4)) {
    case 0:
      if (node->input_size() == 0)
        return false;
      node->mutable_input()->RemoveLast();
      return true;
    case 1:
      node->add_input(valueName(random, *graph));
      return true;
    case 2:
      if (node->output_size() == 0)
        return false;
      node->mutable_output()->RemoveLast();
      return true;
    default:
      // A second definition of an existing value, or a fresh one.
      node->add_output(pick(random, 2) ? valueName(random, *graph)
                                       : "extra_output");
      return true;
    }
  }

  bool renameOp() {
    onnx::GraphProto *graph;
    onnx::NodeProto *node = anyNode(&graph);
    if (!node)
      return false;
    if (pick(random, 8) == 0) {
      node->set_domain(kDomains[pick(random, std::size(kDomains))]);
      return true;
    }
    const onnx::NodeProto &other =
        graph->node(pick(random, graph->node_size()));
    node->set_op_type(pick(random, 2)
                          ? other.op_type()
                          : kOpTypes[pick(random, std::size(kOpTypes))]);
    return true;
  }

  bool mutateAttribute() {
    onnx::GraphProto *graph;
    onnx::NodeProto *node = anyNode(&graph);
    if (!node)
      return false;
    if (node->attribute_size() == 0 || pick(random, 6) == 0) {
      // An attribute copied from another node: right name, wrong op, or the
      // same attribute twice.
      const onnx::NodeProto &other =
          graph->node(pick(random, graph->node_size()));
      if (other.attribute_size() == 0)
        return false;
      *node->add_attribute() =
          other.attribute(pick(random, other.attribute_size()));
      return true;
    }
    onnx::AttributeProto &attr =
        *node->mutable_attribute(pick(random, node->attribute_size()));
    switch (pick(random, 7)) {
    case 0:
      // The declared type no longer matches the field that is set.
      attr.set_type(
          static_cast<onnx::AttributeProto::AttributeType>(pick(random, 15)));
      return true;
    case 1:
      attr.set_i(interestingInt(random));
      return true;
    case 2:
      attr.set_f(pick(random, 2) ? -1.0f : 1e30f);
      return true;
    case 3: {
      if (attr.ints_size() == 0 || pick(random, 3) == 0) {
        attr.add_ints(interestingInt(random));
        return true;
      }
      attr.set_ints(pick(random, attr.ints_size()), interestingInt(random));
      return true;
    }
    case 4:
      if (attr.ints_size() == 0)
        return false;
      attr.mutable_ints()->RemoveLast();
      return true;
    case 5:
      if (!attr.has_t())
        return false;
      return mutateTensor(*attr.mutable_t());
    default:
      node->mutable_attribute()->DeleteSubrange(
          pick(random, node->attribute_size()), 1);
      return true;
    }
  }

  bool mutateValueType() {
    onnx::GraphProto *graph = anyGraph();
    if (!graph)
      return false;
    std::vector<onnx::ValueInfoProto *> values;
    for (auto *list : {graph->mutable_input(), graph->mutable_output(),
                       graph->mutable_value_info()})
      for (onnx::ValueInfoProto &value : *list)
        values.push_back(&value);
    if (values.empty())
      return false;
    onnx::ValueInfoProto &value = *values[pick(random, values.size())];
    onnx::TypeProto_Tensor &tensor =
        *value.mutable_type()->mutable_tensor_type();
    onnx::TensorShapeProto &shape = *tensor.mutable_shape();
    switch (pick(random, 5)) {
    case 0:
      tensor.set_elem_type(static_cast<int32_t>(pick(random, 26)));
      return true;
    case 1:
      shape.add_dim()->set_dim_value(interestingInt(random));
      return true;
    case 2:
      if (shape.dim_size() == 0)
        return false;
      shape.mutable_dim()->RemoveLast();
      return true;
    case 3:
      if (shape.dim_size() == 0)
        return false;
      shape.mutable_dim(pick(random, shape.dim_size()))
          ->set_dim_param(pick(random, 2) ? "N" : "");
      return true;
    default:
      if (shape.dim_size() == 0)
        return false;
      shape.mutable_dim(pick(random, shape.dim_size()))
          ->set_dim_value(interestingInt(random));
      return true;
    }
  }

  bool mutateTensor(onnx::TensorProto &tensor) {
    switch (pick(random, 6)) {
    case 0:
      tensor.set_data_type(static_cast<int32_t>(pick(random, 26)));
      return true;
    case 1:
      if (tensor.dims_size() == 0 || pick(random, 3) == 0) {
        tensor.add_dims(interestingInt(random));
        return true;
      }
      tensor.set_dims(pick(random, tensor.dims_size()), interestingInt(random));
      return true;
    case 2:
      if (tensor.raw_data().empty())
        return false;
      tensor.mutable_raw_data()->resize(pick(random, tensor.raw_data().size()));
      return true;
    case 3:
      // The data moves to a field of another element type.
      for (float value : tensor.float_data())
        tensor.add_int64_data(std::fabs(value) < 1e18f
                                  ? static_cast<int64_t>(value)
                                  : interestingInt(random));
      tensor.clear_float_data();
      tensor.add_int32_data(static_cast<int32_t>(interestingInt(random)));
      return true;
    case 4: {
      tensor.set_data_location(onnx::TensorProto::EXTERNAL);
      onnx::StringStringEntryProto &entry = *tensor.add_external_data();
      switch (pick(random, 3)) {
      case 0:
        entry.set_key("location");
        entry.set_value(kLocations[pick(random, std::size(kLocations))]);
        break;
      case 1:
        entry.set_key("offset");
        entry.set_value(std::to_string(interestingInt(random)));
        break;
      default:
        entry.set_key("length");
        entry.set_value(std::to_string(interestingInt(random)));
        break;
      }
      return true;
    }
    default:
      tensor.clear_dims();
      return true;
    }
  }

  bool mutateInitializer() {
    onnx::GraphProto *graph = anyGraph();
    if (!graph || graph->initializer_size() == 0)
      return false;
    return mutateTensor(
        *graph->mutable_initializer(pick(random, graph->initializer_size())));
  }

  bool mutateOpset() {
    if (model.opset_import_size() == 0 || pick(random, 4) == 0) {
      onnx::OperatorSetIdProto &opset = *model.add_opset_import();
      opset.set_domain(kDomains[pick(random, std::size(kDomains))]);
      opset.set_version(pick(random, 26));
      return true;
    }
    onnx::OperatorSetIdProto &opset =
        *model.mutable_opset_import(pick(random, model.opset_import_size()));
    opset.set_version(pick(random, 4) == 0 ? interestingInt(random)
                                           : pick(random, 26));
    return true;
  }

  bool reorderNodes() {
    onnx::GraphProto *graph = anyGraph();
    if (!graph || graph->node_size() == 0)
      return false;
    auto &nodes = *graph->mutable_node();
    int first = pick(random, nodes.size());
    switch (pick(random, 3)) {
    case 0:
      // A use before its definition.
      nodes.SwapElements(first, pick(random, nodes.size()));
      return true;
    case 1:
      *graph->add_node() = graph->node(first);
      return true;
    default:
      nodes.DeleteSubrange(first, 1);
      return true;
    }
  }

  onnx::ModelProto &model;
  Random random;
  std::vector<onnx::GraphProto *> graphs;
};

} // namespace

size_t dsk::fuzz::mutateOnnxModel(uint8_t *data, size_t size, size_t maxSize,
                                  unsigned seed) {
  Random random(seed);
  onnx::ModelProto model;
  if (pick(random, 4) != 0 &&
      model.ParseFromArray(data, static_cast<int>(size))) {
    Mutator mutator(model, seed);
    // A few tries: a mutation may not apply to this model.
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (!mutator.mutate())
        continue;
      std::string bytes;
      if (model.SerializeToString(&bytes) && bytes.size() <= maxSize) {
        std::memcpy(data, bytes.data(), bytes.size());
        return bytes.size();
      }
      break;
    }
  }
  return LLVMFuzzerMutate(data, size, maxSize);
}
