// Builds a network's graph from its weights: each helper adds one op, named by the reference
// module path, reading its parameters from the weight file under "<network>.<key>".
#pragma once

#include <string>

#include "engine/graph.h"
#include "engine/safetensors.h"

namespace xfv {

class NetBuilder {
 public:
  // `weights_path` names the file in errors.
  NetBuilder(Graph& graph, const TensorFile& weights, std::string weights_path, std::string network);

  Graph& graph() { return graph_; }
  const std::string& network() const { return network_; }
  std::string name(const std::string& path) const { return network_ + "." + path; }
  Shape shape(ValueId v) const { return graph_.value(v).shape; }  // a copy: adding values moves them

  ValueId input(const std::string& argument, Shape shape);
  // The weight "<network>.<key>" as a graph constant, checked against the expected shape;
  // a missing or mis-shaped tensor is an error naming the file and the tensor.
  ValueId weight(const std::string& key, Shape expected);
  // The same tensor, checked alike, read on the host without adding it to the graph: for
  // parameters folded into others at build time (BatchNorm into a conv).
  const HostTensor& tensor(const std::string& key, Shape expected) const;
  bool has_weight(const std::string& key) const;

  // conv with the weight `<key>.weight` (cout, cin, k, k) and `<key>.bias` when `bias`:
  // y = alpha * (conv(x) + b) + beta * residual.
  ValueId conv(const std::string& path, ValueId x, const std::string& key, int cout, int k, int stride,
               int pad, bool bias, ValueId residual = kNoValue, float alpha = 1.f, float beta = 0.f);
  // Instance norm over (n, c, h*w): affine from `<key>.weight/.bias` when key is non-empty.
  ValueId instance_norm(const std::string& path, ValueId x, const std::string& key, bool leaky, float slope);
  // AdaIN: instance norm modulated by h = fc(s) (n, 2c): (1 + h[:, :c]) * xhat + h[:, c:].
  ValueId adain(const std::string& path, ValueId x, ValueId h, bool leaky, float slope);
  ValueId linear(const std::string& path, ValueId x, const std::string& key, int out, bool relu);
  ValueId leaky_relu(const std::string& path, ValueId x, float slope);
  ValueId avg_pool(const std::string& path, ValueId x, int kh, int kw);
  ValueId upsample(const std::string& path, ValueId x, int sh, int sw);

 private:
  Graph& graph_;
  const TensorFile& weights_;
  std::string weights_path_;
  std::string network_;
};

}  // namespace xfv
