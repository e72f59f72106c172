#include "engine/models/net_builder.h"

#include <stdexcept>

namespace xfv {

NetBuilder::NetBuilder(Graph& graph, const TensorFile& weights, std::string weights_path, std::string network)
    : graph_(graph), weights_(weights), weights_path_(std::move(weights_path)), network_(std::move(network)) {}

ValueId NetBuilder::input(const std::string& argument, Shape shape) {
  return graph_.add_input(name("input." + argument), shape);
}

bool NetBuilder::has_weight(const std::string& key) const { return weights_.tensors.count(name(key)) > 0; }

const HostTensor& NetBuilder::tensor(const std::string& key, Shape expected) const {
  const std::string full = name(key);
  const auto it = weights_.tensors.find(full);
  if (it == weights_.tensors.end()) throw FileError(weights_path_ + ": missing tensor '" + full + "'");
  if (it->second.numel() != expected.numel())
    throw FileError(weights_path_ + ": tensor '" + full + "' has shape " + it->second.shape.str() +
                    ", expected " + expected.str());
  return it->second;
}

ValueId NetBuilder::weight(const std::string& key, Shape expected) {
  if (const ValueId v = graph_.find(name(key)); v != kNoValue) return v;
  HostTensor t = tensor(key, expected);
  t.shape = expected;
  return graph_.add_constant(name(key), std::move(t));
}

ValueId NetBuilder::conv(const std::string& path, ValueId x, const std::string& key, int cout, int k,
                         int stride, int pad, bool bias, ValueId residual, float alpha, float beta) {
  const Shape s = shape(x);
  Conv2dArgs a;
  a.d = {static_cast<int>(s[0]), static_cast<int>(s[1]), static_cast<int>(s[2]), static_cast<int>(s[3]),
         cout, k, k};
  a.d.stride_h = a.d.stride_w = stride;
  a.d.pad_h = a.d.pad_w = pad;
  a.d.alpha = alpha, a.d.beta = residual == kNoValue ? 0.f : beta;
  const ValueId w = weight(key + ".weight", Shape{cout, s[1], k, k});
  const ValueId b = bias ? weight(key + ".bias", Shape{cout}) : kNoValue;
  const ValueId y = graph_.add_node(name(path), a, {x, w, b, residual});
  return y;
}

namespace {

InstanceNormArgs norm_args(const Shape& s, bool leaky, float slope) {
  InstanceNormArgs a;
  a.d = {static_cast<int>(s[0]), static_cast<int>(s[1]), static_cast<int>(s[2] * s[3])};
  a.d.leaky = leaky, a.d.slope = slope;
  return a;
}

}  // namespace

ValueId NetBuilder::instance_norm(const std::string& path, ValueId x, const std::string& key, bool leaky,
                                  float slope) {
  const Shape s = shape(x);
  InstanceNormArgs a = norm_args(s, leaky, slope);
  ValueId gamma = kNoValue, beta = kNoValue;
  if (!key.empty()) {
    gamma = weight(key + ".weight", Shape{s[1]});
    beta = weight(key + ".bias", Shape{s[1]});
  }
  const ValueId y = graph_.add_node(name(path), a, {x, gamma, beta});
  graph_.reshape(y, s);
  return y;
}

ValueId NetBuilder::adain(const std::string& path, ValueId x, ValueId h, bool leaky, float slope) {
  const Shape s = shape(x);
  InstanceNormArgs a = norm_args(s, leaky, slope);
  a.d.param_stride = static_cast<int>(2 * s[1]);
  a.d.beta_offset = static_cast<int>(s[1]);
  a.d.gamma_bias = 1.f;
  const ValueId y = graph_.add_node(name(path), a, {x, h, h});
  graph_.reshape(y, s);
  return y;
}

ValueId NetBuilder::linear(const std::string& path, ValueId x, const std::string& key, int out, bool relu) {
  const Shape s = shape(x);
  const int m = static_cast<int>(s[0]), k = static_cast<int>(s.numel() / s[0]);
  LinearArgs a;
  a.d = {m, k, out};
  a.d.relu = relu;
  const ValueId y = graph_.add_node(name(path), a,
                                    {x, weight(key + ".weight", Shape{out, k}), weight(key + ".bias", Shape{out})});
  graph_.reshape(y, Shape{m, out});
  return y;
}

ValueId NetBuilder::leaky_relu(const std::string& path, ValueId x, float slope) {
  UnaryArgs a;
  a.d = {shape(x).numel(), UnaryOp::kLeakyRelu, slope};
  const Shape s = shape(x);
  const ValueId y = graph_.add_node(name(path), a, {x});
  graph_.reshape(y, s);
  return y;
}

ValueId NetBuilder::avg_pool(const std::string& path, ValueId x, int kh, int kw) {
  const Shape s = shape(x);
  AvgPoolArgs a;
  a.d = {static_cast<int>(s[0] * s[1]), static_cast<int>(s[2]), static_cast<int>(s[3]), kh, kw};
  const ValueId y = graph_.add_node(name(path), a, {x});
  graph_.reshape(y, Shape{s[0], s[1], s[2] / kh, s[3] / kw});
  return y;
}

ValueId NetBuilder::upsample(const std::string& path, ValueId x, int sh, int sw) {
  const Shape s = shape(x);
  UpsampleNearestArgs a;
  a.d = {static_cast<int>(s[0] * s[1]), static_cast<int>(s[2]), static_cast<int>(s[3]), sh, sw};
  const ValueId y = graph_.add_node(name(path), a, {x});
  graph_.reshape(y, Shape{s[0], s[1], s[2] * sh, s[3] * sw});
  return y;
}

}  // namespace xfv
