#include "engine/graph.h"

#include <stdexcept>

#include "engine/op_traits.h"

namespace xfv {

ValueId Graph::add_value(Value v) {
  if (by_name_.count(v.name)) throw std::invalid_argument("graph: duplicate value name '" + v.name + "'");
  if (v.shape.numel() > kMaxValueElements)
    throw std::invalid_argument("graph: '" + v.name + "' of shape " + v.shape.str() + " has " +
                                std::to_string(v.shape.numel()) + " elements, more than the " +
                                std::to_string(kMaxValueElements) +
                                " the kernels' 32-bit indices address; run the input in shorter chunks");
  const ValueId id = static_cast<ValueId>(values_.size());
  by_name_[v.name] = id;
  values_.push_back(std::move(v));
  return id;
}

ValueId Graph::add_input(const std::string& name, Shape shape) {
  return add_value({name, shape, DType::f32, ValueKind::kInput, {}});
}

ValueId Graph::add_constant(const std::string& name, HostTensor data) {
  return add_constant(name, std::make_shared<const HostTensor>(std::move(data)));
}

ValueId Graph::add_constant(const std::string& name, std::shared_ptr<const HostTensor> data) {
  const Shape s = data->shape;
  return add_value({name, s, DType::f32, ValueKind::kConstant, std::move(data)});
}

void Graph::share_constant(ValueId v, std::shared_ptr<const HostTensor> same) {
  Value& val = values_.at(static_cast<size_t>(v));
  if (val.kind != ValueKind::kConstant || same->numel() != val.shape.numel())
    throw std::logic_error("graph: '" + val.name + "' cannot share a constant of shape " + same->shape.str());
  val.constant = std::move(same);
}

ValueId Graph::add_node(const std::string& name, OpArgs op, std::vector<ValueId> inputs) {
  const OpTraits t = traits_of(op);
  if (inputs.size() != t.input_sizes.size())
    throw std::invalid_argument("graph: node '" + name + "' (" + t.op + ") takes " +
                                std::to_string(t.input_sizes.size()) + " inputs, got " +
                                std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] == kNoValue) {
      if (!t.input_optional[i])
        throw std::invalid_argument("graph: node '" + name + "' needs input " + std::to_string(i));
      continue;
    }
    const Value& v = value(inputs[i]);
    if (v.shape.numel() != t.input_sizes[i])
      throw std::invalid_argument("graph: node '" + name + "' (" + t.op + ") input " +
                                  std::to_string(i) + " '" + v.name + "' has shape " +
                                  v.shape.str() + ", expected " +
                                  std::to_string(t.input_sizes[i]) + " elements");
  }
  const ValueId out = add_value({name, t.output, DType::f32, ValueKind::kNode, {}});
  nodes_.push_back({std::move(op), std::move(inputs), out});
  return out;
}

ValueId Graph::add_view(const std::string& name, ValueId base, int64_t offset, Shape shape) {
  const Value& b = value(base);
  if (b.kind != ValueKind::kNode || offset < 0 || offset + shape.numel() > b.shape.numel())
    throw std::invalid_argument("graph: view '" + name + "' of shape " + shape.str() + " at " +
                                std::to_string(offset) + " does not fit in node value '" + b.name + "' of shape " +
                                b.shape.str());
  Value v{name, shape, DType::f32, ValueKind::kView, {}};
  v.base = base, v.offset = offset;
  return add_value(std::move(v));
}

void Graph::mark_output(ValueId v) { outputs_.push_back(v); }

void Graph::add_state(ValueId in, ValueId out) {
  if (value(in).kind != ValueKind::kInput || value(out).kind != ValueKind::kNode ||
      value(in).shape.numel() != value(out).shape.numel())
    throw std::logic_error("graph: state '" + value(in).name + "' cannot be carried by '" + value(out).name + "'");
  states_.emplace_back(in, out);
}

void Graph::reshape(ValueId v, Shape shape) {
  Value& val = values_.at(static_cast<size_t>(v));
  if (val.shape.numel() != shape.numel())
    throw std::invalid_argument("graph: cannot reshape '" + val.name + "' from " + val.shape.str() + " to " +
                                shape.str());
  val.shape = shape;
}

void Graph::set_precision(Precision p) {
  for (Node& n : nodes_) ::xfv::set_precision(n.op, p);
}

ValueId Graph::find(const std::string& name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? kNoValue : it->second;
}

}  // namespace xfv
