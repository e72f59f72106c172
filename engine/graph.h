// A graph of ops. Every value has a name: a node's output is named by the reference module
// path that produces it (`image_generator.encode.0`), inputs `<network>.input.<argument>`,
// weights by their state_dict key, so that any tensor can be compared with the reference
// by name.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/backend.h"
#include "engine/tensor.h"

namespace xfv {

using ValueId = int;
constexpr ValueId kNoValue = -1;

// A view is a contiguous part of a node's value (rows of one of batch 1), no buffer of its
// own: where one op writes two results side by side (a Parallel WaveGAN layer's residual and
// skip rows) and each is read, or compared with the reference, by itself.
enum class ValueKind { kInput, kConstant, kNode, kView };

// The most elements a value may have: 2^31 less 2^20. The kernels and cpu ops index within a
// tensor in 32-bit ints (products of its dimensions, and a tile or vector running up to a
// block past the end), so a graph refuses any larger value; long inputs run in chunks (the
// voice generator, the vocoders) and never need one.
constexpr int64_t kMaxValueElements = (int64_t{1} << 31) - (int64_t{1} << 20);

struct Value {
  std::string name;
  Shape shape;
  DType dtype = DType::f32;
  ValueKind kind;
  // The data, for kConstant. Shared, not copied: a weight refers to its weight file's tensor
  // (which must outlive the graph), and a WeightStore may replace it by the one copy that
  // every graph of a model shares (engine/weight_store.h).
  std::shared_ptr<const HostTensor> constant;
  // For kView: the node value it is part of, and where it starts there, in elements.
  ValueId base = -1;
  int64_t offset = 0;
};

struct Node {
  OpArgs op;                    // its desc; pointers are bound by the runner
  std::vector<ValueId> inputs;  // in bind order, kNoValue for an absent optional input
  ValueId output;
};

class Graph {
 public:
  ValueId add_input(const std::string& name, Shape shape);
  ValueId add_constant(const std::string& name, HostTensor data);
  ValueId add_constant(const std::string& name, std::shared_ptr<const HostTensor> data);
  // Makes constant `v` refer to `same`, which must hold as many elements (a WeightStore's
  // copy of equal data).
  void share_constant(ValueId v, std::shared_ptr<const HostTensor> same);
  // Adds a node computing `name` from `inputs`; checks every input's size against the op.
  ValueId add_node(const std::string& name, OpArgs op, std::vector<ValueId> inputs);
  // A view of `shape` on the elements [offset, offset + shape.numel()) of node value `base`.
  ValueId add_view(const std::string& name, ValueId base, int64_t offset, Shape shape);
  void mark_output(ValueId v);
  // A step graph's state (engine/models/stream_builder.h): input `in` holds, in each run,
  // what node value `out` (of as many elements) held at the end of the run before; zeros in
  // the first. The Runner keeps both buffers for the whole run and swaps them after it.
  void add_state(ValueId in, ValueId out);
  // Gives a value another shape of the same size: ops see flat (n, c, h*w) planes,
  // the model keeps (n, c, h, w).
  void reshape(ValueId v, Shape shape);
  // Runs every conv, transposed conv and linear layer at precision `p` (kernels/ops.h: a
  // reduced one on tensor cores); the other ops have none.
  void set_precision(Precision p);

  const Value& value(ValueId v) const { return values_.at(static_cast<size_t>(v)); }
  ValueId find(const std::string& name) const;  // kNoValue if absent
  const std::vector<Value>& values() const { return values_; }
  const std::vector<Node>& nodes() const { return nodes_; }  // in execution order
  const std::vector<ValueId>& outputs() const { return outputs_; }
  const std::vector<std::pair<ValueId, ValueId>>& states() const { return states_; }  // (in, out)

 private:
  ValueId add_value(Value v);
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<ValueId> outputs_;
  std::vector<std::pair<ValueId, ValueId>> states_;
  std::unordered_map<std::string, ValueId> by_name_;
};

}  // namespace xfv
