// Builds a network's graph from its weights: each helper adds one op, named by the reference
// module path, reading its parameters from the weight file under "<network>.<key>".
#pragma once

#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/safetensors.h"

namespace xfv {

// A dimension of a shape as an int, as the op descriptors take it.
inline int dim(const Shape& s, int i) { return static_cast<int>(s[i]); }

class NetBuilder {
 public:
  // `weights_path` names the file in errors.
  NetBuilder(Graph& graph, const TensorFile& weights, std::string weights_path, std::string network);

  Graph& graph() { return graph_; }
  const std::string& network() const { return network_; }
  std::string name(const std::string& path) const { return network_ + "." + path; }
  Shape shape(ValueId v) const { return graph_.value(v).shape; }  // a copy: adding values moves them

  ValueId input(const std::string& argument, Shape shape);
  // An op named `<network>.<path>` on `inputs` whose value has `shape` (ops see flat planes).
  ValueId node(const std::string& path, OpArgs op, std::vector<ValueId> inputs, Shape shape);
  // The weight "<network>.<key>" as a graph constant, checked against the expected shape;
  // a missing or mis-shaped tensor is an error naming the file and the tensor.
  ValueId weight(const std::string& key, Shape expected);
  // The same tensor, checked alike, read on the host without adding it to the graph: for
  // parameters folded into others at build time (BatchNorm into a conv).
  const HostTensor& tensor(const std::string& key, Shape expected) const;
  bool has_weight(const std::string& key) const;

  // A constant computed at build time (folded parameters, tables), named `<network>.<key>`.
  ValueId constant(const std::string& key, Shape shape, const std::vector<double>& values);

  // conv with the weight `<key>.weight` (cout, cin, k, k) and `<key>.bias` when `bias`:
  // y = alpha * (conv(x) + b) + beta * residual.
  ValueId conv(const std::string& path, ValueId x, const std::string& key, int cout, int k, int stride,
               int pad, bool bias, ValueId residual = kNoValue, float alpha = 1.f, float beta = 0.f);
  // Conv1d on x (n, cin, 1, w), weight `<key>.weight` (cout, cin, k): stride 1, dilated,
  // zero padding `pad` on each side; the rest as conv.
  ValueId conv1d(const std::string& path, ValueId x, const std::string& key, int cout, int k, int dilation,
                 int pad, bool bias, ValueId residual = kNoValue, float alpha = 1.f, float beta = 0.f);
  // LeakyReLU(slope) then conv1d `key` (with bias), fused: the conv applies the activation as
  // it reads x (HiFi-GAN's pattern); the rest as conv1d.
  ValueId leaky_conv1d(const std::string& path, ValueId x, const std::string& key, int cout, int k, int dilation,
                       int pad, float slope, ValueId residual = kNoValue);
  // LeakyReLU(slope) then ConvTranspose1d `key` (weight (cin, cout, k) as PyTorch stores it,
  // with bias) on x (n, cin, 1, w), fused alike.
  ValueId leaky_conv_transpose1d(const std::string& path, ValueId x, const std::string& key, int cout, int k,
                                 int stride, int pad, float slope);
  // Conv `conv_key` then eval-mode BatchNorm `bn_key`, folded at build time into one conv
  // named `path`: w * scale per output channel, bias * scale + shift.
  ValueId conv_bn(const std::string& path, ValueId x, const std::string& conv_key, const std::string& bn_key,
                  int cout, int k, int stride, int pad, bool conv_bias);
  // Eval-mode BatchNorm `key` as a per-channel affine, with a LeakyReLU of `slope` when
  // `leaky` (ReLU is slope 0): for a BatchNorm no conv precedes.
  ValueId batch_norm(const std::string& path, ValueId x, const std::string& key, bool leaky, float slope);
  // Instance norm over (n, c, h*w): affine from `<key>.weight/.bias` when key is non-empty.
  ValueId instance_norm(const std::string& path, ValueId x, const std::string& key, bool leaky, float slope);
  // AdaIN: instance norm modulated by h = fc(s) (n, 2c): (1 + h[:, :c]) * xhat + h[:, c:].
  ValueId adain(const std::string& path, ValueId x, ValueId h, bool leaky, float slope);
  // Stream statistics (docs/streaming.md): each instance norm and AdaIN added after this
  // call takes the input "<path>.prior" (n, c, kPriorFields), its statistics' prior and
  // first counted column (InstanceNormArgs::prior, rows along the last axis), and is listed
  // in norm_sites() in the order added.
  struct NormSite {
    ValueId x, prior;  // the norm's input and its prior input
  };
  void take_norm_priors() { take_norm_priors_ = true; }
  const std::vector<NormSite>& norm_sites() const { return norm_sites_; }
  ValueId linear(const std::string& path, ValueId x, const std::string& key, int out, bool relu);
  ValueId leaky_relu(const std::string& path, ValueId x, float slope);
  // scale * x + shift on every element (constants `<path>.scale`, `<path>.shift`).
  ValueId scale_shift(const std::string& path, ValueId x, float scale, float shift);
  ValueId unary(const std::string& path, ValueId x, UnaryOp op, float a = 0.f);
  ValueId add(const std::string& path, ValueId x, ValueId z, float alpha = 1.f);  // alpha * (x + z)
  ValueId concat(const std::string& path, ValueId x, ValueId z);                 // along channels
  ValueId avg_pool(const std::string& path, ValueId x, int kh, int kw);
  ValueId max_pool(const std::string& path, ValueId x, int kh, int kw);
  ValueId adaptive_avg_pool(const std::string& path, ValueId x, int out_h, int out_w);
  ValueId upsample(const std::string& path, ValueId x, int sh, int sw);
  // Nearest stretch of the last axis by s, then the (2s+1)-tap FIR `<key>.weight` (a Conv2d
  // 1 -> 1 of kernel (1, 2s+1), padding s, no bias) along it, on every row of x alike.
  ValueId upsample_fir(const std::string& path, ValueId x, const std::string& key, int s);
  ValueId transpose(const std::string& path, ValueId x);  // (n, c, h, w) -> (n, c, w, h)

 private:
  ValueId conv2d(const std::string& path, ValueId x, const std::string& key, const Conv2dDesc& d, bool bias,
                 ValueId residual);
  Conv2dDesc conv1d_desc(const std::string& path, ValueId x, int cout, int k, int dilation, int pad) const;
  // A norm's op on x with its prior input when take_norm_priors() is on.
  ValueId norm_node(const std::string& path, InstanceNormArgs a, ValueId x, ValueId gamma, ValueId beta);

  Graph& graph_;
  const TensorFile& weights_;
  std::string weights_path_;
  std::string network_;
  bool take_norm_priors_ = false;
  std::vector<NormSite> norm_sites_;
};

}  // namespace xfv
