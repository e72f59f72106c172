#include "engine/models/net_builder.h"

#include <cmath>
#include <stdexcept>

namespace xfv {
namespace {

constexpr double kBatchNormEps = 1e-5;  // nn.BatchNorm2d's default

// Eval-mode BatchNorm `key` as y = x * scale + shift, in double.
struct BatchNormAffine {
  std::vector<double> scale, shift;
};
BatchNormAffine batch_norm_affine(const NetBuilder& b, const std::string& key, int c) {
  const HostTensor& gamma = b.tensor(key + ".weight", Shape{c});
  const HostTensor& beta = b.tensor(key + ".bias", Shape{c});
  const HostTensor& mean = b.tensor(key + ".running_mean", Shape{c});
  const HostTensor& var = b.tensor(key + ".running_var", Shape{c});
  BatchNormAffine bn{std::vector<double>(static_cast<size_t>(c)), std::vector<double>(static_cast<size_t>(c))};
  for (size_t i = 0; i < bn.scale.size(); ++i) {
    bn.scale[i] = gamma.data[i] / std::sqrt(static_cast<double>(var.data[i]) + kBatchNormEps);
    bn.shift[i] = beta.data[i] - mean.data[i] * bn.scale[i];
  }
  return bn;
}

InstanceNormArgs norm_args(const Shape& s, bool leaky, float slope) {
  InstanceNormArgs a;
  a.d = {dim(s, 0), dim(s, 1), dim(s, 2) * dim(s, 3)};
  a.d.leaky = leaky, a.d.slope = slope;
  return a;
}

}  // namespace

NetBuilder::NetBuilder(Graph& graph, const TensorFile& weights, std::string weights_path, std::string network)
    : graph_(graph), weights_(weights), weights_path_(std::move(weights_path)), network_(std::move(network)) {}

ValueId NetBuilder::input(const std::string& argument, Shape shape) {
  return graph_.add_input(name("input." + argument), shape);
}

ValueId NetBuilder::node(const std::string& path, OpArgs op, std::vector<ValueId> inputs, Shape shape) {
  const ValueId y = graph_.add_node(name(path), std::move(op), std::move(inputs));
  graph_.reshape(y, shape);
  return y;
}

bool NetBuilder::has_weight(const std::string& key) const { return weights_.tensors.count(name(key)) > 0; }

const HostTensor& NetBuilder::tensor(const std::string& key, Shape expected) const {
  const std::string full = name(key);
  const auto it = weights_.tensors.find(full);
  if (it == weights_.tensors.end()) throw FileError(weights_path_ + ": missing tensor '" + full + "'");
  if (it->second.numel() != expected.numel())
    throw FileError(weights_path_ + ": tensor '" + full + "' has shape " + it->second.shape.str() +
                    ", expected " + expected.str());
  return *weights_.find(full);  // its data read now if the file is read on demand
}

ValueId NetBuilder::weight(const std::string& key, Shape expected) {
  if (const ValueId v = graph_.find(name(key)); v != kNoValue) return v;
  // The file's own tensor, not a copy (no owner: the file outlives the graphs built from it);
  // the value takes the expected shape, the tensor keeps the file's.
  const std::shared_ptr<const HostTensor> file_tensor(std::shared_ptr<const HostTensor>(), &tensor(key, expected));
  const ValueId v = graph_.add_constant(name(key), file_tensor);
  graph_.reshape(v, expected);
  return v;
}

ValueId NetBuilder::constant(const std::string& key, Shape shape, const std::vector<double>& values) {
  return graph_.add_constant(name(key), HostTensor(shape, std::vector<float>(values.begin(), values.end())));
}

ValueId NetBuilder::conv2d(const std::string& path, ValueId x, const std::string& key, const Conv2dDesc& d,
                           bool bias, ValueId residual) {
  Conv2dArgs a;
  a.d = d;
  if (residual == kNoValue) a.d.beta = 0.f;
  const ValueId w = weight(key + ".weight", Shape{d.cout, d.cin, d.kh, d.kw});
  const ValueId b = bias ? weight(key + ".bias", Shape{d.cout}) : kNoValue;
  return node(path, a, {x, w, b, residual}, Shape{d.n, d.cout, d.out_h(), d.out_w()});
}

ValueId NetBuilder::conv(const std::string& path, ValueId x, const std::string& key, int cout, int k,
                         int stride, int pad, bool bias, ValueId residual, float alpha, float beta) {
  const Shape s = shape(x);
  Conv2dDesc d{dim(s, 0), dim(s, 1), dim(s, 2), dim(s, 3), cout, k, k};
  d.stride_h = d.stride_w = stride;
  d.pad_h = d.pad_w = pad;
  d.alpha = alpha, d.beta = beta;
  return conv2d(path, x, key, d, bias, residual);
}

Conv2dDesc NetBuilder::conv1d_desc(const std::string& path, ValueId x, int cout, int k, int dilation,
                                    int pad) const {
  const Shape s = shape(x);
  if (s[2] != 1) throw std::logic_error(name(path) + ": conv1d of a value with height " + std::to_string(s[2]));
  Conv2dDesc d{dim(s, 0), dim(s, 1), 1, dim(s, 3), cout, 1, k};
  d.pad_w = pad;
  d.dil_w = dilation;
  return d;
}

ValueId NetBuilder::conv1d(const std::string& path, ValueId x, const std::string& key, int cout, int k,
                           int dilation, int pad, bool bias, ValueId residual, float alpha, float beta) {
  Conv2dDesc d = conv1d_desc(path, x, cout, k, dilation, pad);
  d.alpha = alpha, d.beta = beta;
  return conv2d(path, x, key, d, bias, residual);
}

ValueId NetBuilder::leaky_conv1d(const std::string& path, ValueId x, const std::string& key, int cout, int k,
                                 int dilation, int pad, float slope, ValueId residual) {
  Conv2dDesc d = conv1d_desc(path, x, cout, k, dilation, pad);
  d.input_slope = slope;
  d.beta = 1.f;  // y = conv + bias + residual
  return conv2d(path, x, key, d, true, residual);
}

ValueId NetBuilder::leaky_conv_transpose1d(const std::string& path, ValueId x, const std::string& key, int cout,
                                           int k, int stride, int pad, float slope) {
  const Shape s = shape(x);
  if (s[2] != 1) throw std::logic_error(name(path) + ": conv_transpose1d of a value with height " + std::to_string(s[2]));
  ConvTranspose1dArgs a;
  a.d = {dim(s, 0), dim(s, 1), dim(s, 3), cout, k, stride, pad, slope};
  const ValueId w = weight(key + ".weight", Shape{a.d.cin, cout, k});
  const ValueId b = weight(key + ".bias", Shape{cout});
  return node(path, a, {x, w, b}, Shape{a.d.n, cout, 1, a.d.out_w()});
}

ValueId NetBuilder::conv_bn(const std::string& path, ValueId x, const std::string& conv_key,
                            const std::string& bn_key, int cout, int k, int stride, int pad, bool conv_bias) {
  const int cin = dim(shape(x), 1);
  const HostTensor& w = tensor(conv_key + ".weight", Shape{cout, cin, k, k});
  const BatchNormAffine bn = batch_norm_affine(*this, bn_key, cout);
  const size_t per = static_cast<size_t>(cin) * k * k;
  std::vector<double> fw(w.data.size()), fb(static_cast<size_t>(cout));
  for (size_t co = 0; co < fb.size(); ++co) {
    for (size_t i = 0; i < per; ++i) fw[co * per + i] = w.data[co * per + i] * bn.scale[co];
    const double b = conv_bias ? tensor(conv_key + ".bias", Shape{cout}).data[co] : 0.0;
    fb[co] = b * bn.scale[co] + bn.shift[co];
  }
  const std::string key = conv_key + "+" + bn_key;  // the folded weights' constant names
  constant(key + ".weight", Shape{cout, cin, k, k}, fw);
  constant(key + ".bias", Shape{cout}, fb);
  return conv(path, x, key, cout, k, stride, pad, true);
}

ValueId NetBuilder::batch_norm(const std::string& path, ValueId x, const std::string& key, bool leaky,
                               float slope) {
  const Shape s = shape(x);
  const BatchNormAffine bn = batch_norm_affine(*this, key, dim(s, 1));
  ChannelAffineArgs a;
  a.d = {dim(s, 0), dim(s, 1), dim(s, 2) * dim(s, 3), leaky, slope};
  return node(path, a, {x, constant(key + ".scale", Shape{s[1]}, bn.scale), constant(key + ".shift", Shape{s[1]}, bn.shift)},
              s);
}

ValueId NetBuilder::scale_shift(const std::string& path, ValueId x, float scale, float shift) {
  const Shape s = shape(x);
  ChannelAffineArgs a;
  a.d = {1, 1, static_cast<int>(s.numel()), false, 0.f};
  return node(path, a, {x, constant(path + ".scale", Shape{1}, {scale}), constant(path + ".shift", Shape{1}, {shift})},
              s);
}

ValueId NetBuilder::instance_norm(const std::string& path, ValueId x, const std::string& key, bool leaky,
                                  float slope) {
  const Shape s = shape(x);
  InstanceNormArgs a = norm_args(s, leaky, slope);
  ValueId gamma = kNoValue, beta = kNoValue;
  if (!key.empty()) {
    gamma = weight(key + ".weight", Shape{s[1]});
    beta = weight(key + ".bias", Shape{s[1]});
  }
  return norm_node(path, a, x, gamma, beta);
}

ValueId NetBuilder::norm_node(const std::string& path, InstanceNormArgs a, ValueId x, ValueId gamma, ValueId beta) {
  const Shape s = shape(x);
  ValueId prior = kNoValue;
  if (take_norm_priors_) {
    a.d.w = dim(s, 3);
    prior = input(path + ".prior", Shape{s[0], s[1], kPriorFields});
    norm_sites_.push_back({x, prior});
  }
  return node(path, a, {x, gamma, beta, prior}, s);
}

ValueId NetBuilder::adain(const std::string& path, ValueId x, ValueId h, bool leaky, float slope) {
  const Shape s = shape(x);
  InstanceNormArgs a = norm_args(s, leaky, slope);
  a.d.param_stride = 2 * dim(s, 1);
  a.d.beta_offset = dim(s, 1);
  a.d.gamma_bias = 1.f;
  return norm_node(path, a, x, h, h);
}

ValueId NetBuilder::linear(const std::string& path, ValueId x, const std::string& key, int out, bool relu) {
  const Shape s = shape(x);
  const int m = dim(s, 0), k = static_cast<int>(s.numel() / s[0]);
  LinearArgs a;
  a.d = {m, k, out};
  a.d.relu = relu;
  return node(path, a, {x, weight(key + ".weight", Shape{out, k}), weight(key + ".bias", Shape{out})}, Shape{m, out});
}

ValueId NetBuilder::unary(const std::string& path, ValueId x, UnaryOp op, float a) {
  const Shape s = shape(x);
  UnaryArgs u;
  u.d = {s.numel(), op, a};
  return node(path, u, {x}, s);
}

ValueId NetBuilder::leaky_relu(const std::string& path, ValueId x, float slope) {
  return unary(path, x, UnaryOp::kLeakyRelu, slope);
}

ValueId NetBuilder::add(const std::string& path, ValueId x, ValueId z, float alpha) {
  const Shape s = shape(x);
  BinaryArgs a;
  a.d = {dim(s, 0), dim(s, 1), dim(s, 2) * dim(s, 3), false, BinaryOp::kAdd, alpha};
  return node(path, a, {x, z}, s);
}

ValueId NetBuilder::concat(const std::string& path, ValueId x, ValueId z) {
  const Shape sx = shape(x), sz = shape(z);
  ConcatArgs a;
  a.d = {dim(sx, 0), dim(sx, 1), dim(sz, 1), dim(sx, 2) * dim(sx, 3)};
  return node(path, a, {x, z}, Shape{sx[0], sx[1] + sz[1], sx[2], sx[3]});
}

ValueId NetBuilder::avg_pool(const std::string& path, ValueId x, int kh, int kw) {
  const Shape s = shape(x);
  AvgPoolArgs a;
  a.d = {dim(s, 0) * dim(s, 1), dim(s, 2), dim(s, 3), kh, kw};
  return node(path, a, {x}, Shape{s[0], s[1], s[2] / kh, s[3] / kw});
}

ValueId NetBuilder::max_pool(const std::string& path, ValueId x, int kh, int kw) {
  const Shape s = shape(x);
  MaxPoolArgs a;
  a.d = {dim(s, 0) * dim(s, 1), dim(s, 2), dim(s, 3), kh, kw};
  return node(path, a, {x}, Shape{s[0], s[1], s[2] / kh, s[3] / kw});
}

ValueId NetBuilder::adaptive_avg_pool(const std::string& path, ValueId x, int out_h, int out_w) {
  const Shape s = shape(x);
  AdaptiveAvgPoolArgs a;
  a.d = {dim(s, 0) * dim(s, 1), dim(s, 2), dim(s, 3), out_h, out_w};
  return node(path, a, {x}, Shape{s[0], s[1], out_h, out_w});
}

ValueId NetBuilder::upsample(const std::string& path, ValueId x, int sh, int sw) {
  const Shape s = shape(x);
  UpsampleNearestArgs a;
  a.d = {dim(s, 0) * dim(s, 1), dim(s, 2), dim(s, 3), sh, sw};
  return node(path, a, {x}, Shape{s[0], s[1], s[2] * sh, s[3] * sw});
}

ValueId NetBuilder::upsample_fir(const std::string& path, ValueId x, const std::string& key, int s) {
  const Shape shape_x = shape(x);
  const int w = dim(shape_x, shape_x.rank - 1);
  UpsampleFirArgs a;
  a.d = {static_cast<int>(shape_x.numel() / w), w, s};
  Shape out = shape_x;
  out.dims[out.rank - 1] = int64_t{w} * s;
  return node(path, a, {x, weight(key + ".weight", Shape{1, 1, 1, 2 * s + 1})}, out);
}

ValueId NetBuilder::transpose(const std::string& path, ValueId x) {
  const Shape s = shape(x);
  TransposeArgs a;
  a.d = {dim(s, 0) * dim(s, 1), dim(s, 2), dim(s, 3)};
  return node(path, a, {x}, Shape{s[0], s[1], s[3], s[2]});
}

}  // namespace xfv
