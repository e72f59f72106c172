#include "engine/op_traits.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "kernels/upsample_phases.h"

namespace xfv {
namespace {

Shape planes_shape(int64_t planes, int64_t h, int64_t w) { return Shape{planes, h, w}; }

OpTraits traits(const Conv2dArgs& a) {
  const Conv2dDesc& d = a.d;
  const int64_t out = int64_t{d.n} * d.cout * d.out_h() * d.out_w();
  return {"conv2d",
          {int64_t{d.n} * d.cin * d.h * d.w, int64_t{d.cout} * d.cin * d.kh * d.kw, d.cout, out},
          {false, false, true, true},
          Shape{d.n, d.cout, d.out_h(), d.out_w()},
          2.0 * out * d.cin * d.kh * d.kw};
}
OpTraits traits(const ConvTranspose1dArgs& a) {
  const ConvTranspose1dDesc& d = a.d;
  if (d.stride < 1 || d.k < 1 || d.pad < 0 || d.out_w() < 1)
    throw std::invalid_argument("conv_transpose1d: unsupported kernel " + std::to_string(d.k) + ", stride " +
                                std::to_string(d.stride) + ", padding " + std::to_string(d.pad) + " at width " +
                                std::to_string(d.w));
  return {"conv_transpose1d",
          {int64_t{d.n} * d.cin * d.w, int64_t{d.cin} * d.cout * d.k, d.cout},
          {false, false, true},
          Shape{d.n, d.cout, 1, d.out_w()},
          2.0 * d.n * d.cin * d.cout * d.k * d.w};
}
OpTraits traits(const InstanceNormArgs& a) {
  const InstanceNormDesc& d = a.d;
  if (d.w < 0 || (d.w > 0 && d.hw % d.w != 0))
    throw std::invalid_argument("instance_norm: rows of " + std::to_string(d.w) + " do not tile a plane of " +
                                std::to_string(d.hw));
  const int64_t params = d.param_stride ? int64_t{d.n} * d.param_stride : d.c;
  return {"instance_norm", {int64_t{d.n} * d.c * d.hw, params, params, int64_t{d.n} * d.c * kPriorFields},
          {false, true, true, true}, Shape{d.n, d.c, d.hw}, 8.0 * d.n * d.c * d.hw};
}
OpTraits traits(const ChannelAffineArgs& a) {
  const ChannelAffineDesc& d = a.d;
  return {"channel_affine", {int64_t{d.n} * d.c * d.hw, d.c, d.c}, {false, false, false},
          Shape{d.n, d.c, d.hw}, 2.0 * d.n * d.c * d.hw};
}
OpTraits traits(const UnaryArgs& a) {
  return {"unary", {a.d.count}, {false}, Shape{a.d.count}, static_cast<double>(a.d.count)};
}
OpTraits traits(const BinaryArgs& a) {
  const BinaryDesc& d = a.d;
  const int64_t n = int64_t{d.n} * d.c * d.hw;
  return {"binary", {n, d.broadcast_b ? int64_t{d.n} * d.hw : n}, {false, false},
          Shape{d.n, d.c, d.hw}, 2.0 * n};
}
OpTraits traits(const ConcatArgs& a) {
  const ConcatDesc& d = a.d;
  return {"concat", {int64_t{d.n} * d.ca * d.hw, int64_t{d.n} * d.cb * d.hw}, {false, false},
          Shape{d.n, d.ca + d.cb, d.hw}, 0};
}
OpTraits traits(const ReduceArgs& a) {
  const ReduceDesc& d = a.d;
  return {"reduce", {int64_t{d.outer} * d.axis * d.inner}, {false}, Shape{d.outer, d.inner},
          static_cast<double>(int64_t{d.outer} * d.axis * d.inner)};
}
OpTraits traits(const AvgPoolArgs& a) {
  const AvgPoolDesc& d = a.d;
  return {"avg_pool", {int64_t{d.planes} * d.h * d.w}, {false},
          planes_shape(d.planes, d.h / d.kh, d.w / d.kw),
          static_cast<double>(int64_t{d.planes} * (d.h / d.kh) * (d.w / d.kw) * d.kh * d.kw)};
}
OpTraits traits(const UpsampleNearestArgs& a) {
  const UpsampleNearestDesc& d = a.d;
  return {"upsample_nearest", {int64_t{d.planes} * d.h * d.w}, {false},
          planes_shape(d.planes, int64_t{d.h} * d.sh, int64_t{d.w} * d.sw), 0};
}
OpTraits traits(const UpsampleFirArgs& a) {
  const UpsampleFirDesc& d = a.d;
  const int64_t out = int64_t{d.planes} * d.w * d.s;
  // The polyphase form: three multiply-adds per output.
  return {"upsample_fir", {int64_t{d.planes} * d.w, 2 * int64_t{d.s} + 1}, {false, false},
          Shape{d.planes, int64_t{d.w} * d.s}, 6.0 * out};
}
OpTraits traits(const ResizeBilinearArgs& a) {
  const ResizeBilinearDesc& d = a.d;
  return {"resize_bilinear", {int64_t{d.planes} * d.h * d.w}, {false},
          planes_shape(d.planes, d.out_h, d.out_w), 6.0 * d.planes * d.out_h * d.out_w};
}
OpTraits traits(const Depthwise3x3Args& a) {
  const Depthwise3x3Desc& d = a.d;
  return {"depthwise3x3", {int64_t{d.planes} * d.h * d.w}, {false}, planes_shape(d.planes, d.h, d.w),
          18.0 * d.planes * d.h * d.w};
}
OpTraits traits(const LinearArgs& a) {
  const LinearDesc& d = a.d;
  // A stride of 0 shares one operand across the batch: it is stored once.
  const auto operand = [&](int64_t stride, int64_t one) { return stride ? stride * d.batch : one; };
  return {"linear",
          {operand(d.x_stride, int64_t{d.m} * d.k), operand(d.w_stride, int64_t{d.n} * d.k),
           operand(d.bias_stride, d.n)},
          {false, false, true},
          Shape{d.batch, d.m, d.n},
          2.0 * d.batch * d.m * d.n * d.k};
}
OpTraits traits(const GaussianArgs& a) {
  return {"gaussian", {}, {}, Shape{a.d.count}, 0};
}
OpTraits traits(const LandmarkMaskArgs& a) {
  const LandmarkMaskDesc& d = a.d;
  const int64_t planes = int64_t{d.n} * LandmarkMaskDesc::kLandmarks, hw = int64_t{d.h} * d.w;
  // Per heatmap element: the threshold, the normalization, a power and the sum.
  return {"landmark_mask", {planes * hw, planes, planes}, {false, false, false}, Shape{d.n, 1, hw},
          6.0 * planes * hw};
}
OpTraits traits(const GatedActivationArgs& a) {
  const GatedActivationDesc& d = a.d;
  if (d.s < 1 || d.s > kMaxUpsampleScale || d.t % d.s != 0)
    throw std::invalid_argument("gated_activation: b at 1/" + std::to_string(d.s) + " of the rate of " +
                                std::to_string(d.t) + " samples");
  const int64_t out = int64_t{d.n} * d.c * d.t;
  // Per output: two adds, tanh, sigmoid (counted as a few flops each) and the product; with
  // the upsampling stage, its three multiply-adds for each of b's two values.
  const bool upsampled = d.s > 1;
  return {"gated_activation", {2 * out, 2 * out / d.s, upsampled ? 2 * int64_t{d.s} + 1 : 0}, {false, false, true},
          Shape{d.n, d.c, d.t}, (upsampled ? 20.0 : 8.0) * out};
}
OpTraits traits(const MaxPoolArgs& a) {
  const MaxPoolDesc& d = a.d;
  return {"max_pool", {int64_t{d.planes} * d.h * d.w}, {false},
          planes_shape(d.planes, d.h / d.kh, d.w / d.kw),
          static_cast<double>(int64_t{d.planes} * (d.h / d.kh) * (d.w / d.kw) * d.kh * d.kw)};
}
OpTraits traits(const AdaptiveAvgPoolArgs& a) {
  const AdaptiveAvgPoolDesc& d = a.d;
  // Each input is summed into at most two windows per axis: about one add per input.
  return {"adaptive_avg_pool", {int64_t{d.planes} * d.h * d.w}, {false},
          planes_shape(d.planes, d.out_h, d.out_w), static_cast<double>(int64_t{d.planes} * d.h * d.w)};
}
OpTraits traits(const ReplicationPadArgs& a) {
  const ReplicationPadDesc& d = a.d;
  return {"replication_pad", {int64_t{d.planes} * d.w}, {false},
          Shape{d.planes, int64_t{d.left} + d.w + d.right}, 0};
}
OpTraits traits(const TransposeArgs& a) {
  const TransposeDesc& d = a.d;
  return {"transpose", {int64_t{d.planes} * d.h * d.w}, {false}, planes_shape(d.planes, d.w, d.h), 0};
}
OpTraits traits(const MelSpectrogramArgs& a) {
  const MelSpectrogramDesc& d = a.d;
  // What is implemented (kernels/ops.h): reflect padding, which needs a signal longer than
  // the padding, at least one frame, and a radix-2 FFT.
  if (d.n_fft < 4 || (d.n_fft & (d.n_fft - 1)) || d.win_length < 1 || d.win_length > d.n_fft || d.hop < 1 ||
      d.n_mels < 1 || d.padding < 0 || d.length <= d.padding || d.length + 2 * d.padding < d.n_fft)
    throw std::invalid_argument("mel_spectrogram: unsupported n_fft " + std::to_string(d.n_fft) + ", win_length " +
                                std::to_string(d.win_length) + ", hop " + std::to_string(d.hop) + ", padding " +
                                std::to_string(d.padding) + " or length " + std::to_string(d.length));
  const int64_t frames = int64_t{d.n} * d.frames(), half = d.n_fft / 2;
  // Per frame: the half-size complex FFT (5 flops per point and stage), the real split
  // and power (about 12 per bin), the band projection (2 per band and bin) and the log.
  const double fft = 5.0 * half * std::log2(static_cast<double>(half));
  return {"mel_spectrogram",
          {int64_t{d.n} * d.length, d.n_fft, d.n_fft, int64_t{d.n_mels} * d.bins()},
          {false, false, false, false},
          Shape{d.n, d.n_mels, d.frames()},
          static_cast<double>(frames) * (fft + 12.0 * d.bins() + 2.0 * d.n_mels * d.bins())};
}

OpTraits traits(const TimeWindowArgs& a) {
  const TimeWindowDesc& d = a.d;
  if (d.planes < 1 || d.a0 < 0 || d.wa < 0 || d.a0 + d.wa > d.a_w || d.b0 < 0 || d.wb < 0 || d.b0 + d.wb > d.b_w ||
      d.out_w() < 1)
    throw std::invalid_argument("time_window: columns [" + std::to_string(d.a0) + ", " + std::to_string(d.a0 + d.wa) +
                                ") of " + std::to_string(d.a_w) + " and [" + std::to_string(d.b0) + ", " +
                                std::to_string(d.b0 + d.wb) + ") of " + std::to_string(d.b_w) + " make no window");
  return {"time_window", {int64_t{d.planes} * d.a_w, int64_t{d.planes} * d.b_w}, {true, false},
          Shape{d.planes, d.out_w()}, 0};
}

void bind_ptrs(Conv2dArgs& a, const std::vector<const float*>& in, float* out) {
  a.x = in[0], a.w = in[1], a.bias = in[2], a.residual = in[3], a.y = out;
}
void bind_ptrs(ConvTranspose1dArgs& a, const std::vector<const float*>& in, float* out) {
  a.x = in[0], a.w = in[1], a.bias = in[2], a.y = out;
}
void bind_ptrs(InstanceNormArgs& a, const std::vector<const float*>& in, float* out) {
  a.x = in[0], a.gamma = in[1], a.beta = in[2], a.prior = in[3], a.y = out;
}
void bind_ptrs(ChannelAffineArgs& a, const std::vector<const float*>& in, float* out) {
  a.x = in[0], a.scale = in[1], a.shift = in[2], a.y = out;
}
void bind_ptrs(LinearArgs& a, const std::vector<const float*>& in, float* out) {
  a.x = in[0], a.w = in[1], a.bias = in[2], a.y = out;
}
template <class Args>
auto bind_ptrs(Args& a, const std::vector<const float*>& in, float* out) -> decltype(a.x, void()) {
  a.x = in[0], a.y = out;
}
template <class Args>
auto bind_ptrs(Args& a, const std::vector<const float*>& in, float* out) -> decltype(a.b, void()) {
  a.a = in[0], a.b = in[1], a.y = out;
}
void bind_ptrs(UpsampleFirArgs& a, const std::vector<const float*>& in, float* out) {
  a.x = in[0], a.taps = in[1], a.y = out;
}
void bind_ptrs(GatedActivationArgs& a, const std::vector<const float*>& in, float* out) {
  a.a = in[0], a.b = in[1], a.b_taps = in[2], a.y = out;
}
void bind_ptrs(GaussianArgs& a, const std::vector<const float*>&, float* out) { a.y = out; }
void bind_ptrs(LandmarkMaskArgs& a, const std::vector<const float*>& in, float* out) {
  a.x = in[0], a.hi = in[1], a.lo = in[2], a.y = out;
}
void bind_ptrs(MelSpectrogramArgs& a, const std::vector<const float*>& in, float* out) {
  a.x = in[0], a.window = in[1], a.twiddles = in[2], a.fb = in[3], a.y = out;
}

std::string family_of(const std::string& op) {
  if (op == "unary" || op == "binary" || op == "concat") return "elementwise";
  if (op == "avg_pool" || op == "max_pool" || op == "adaptive_avg_pool") return "pooling";
  return op;
}


}  // namespace

Precision precision_of(const OpArgs& op) {
  if (const auto* conv = std::get_if<Conv2dArgs>(&op)) return conv->d.precision;
  if (const auto* linear = std::get_if<LinearArgs>(&op)) return linear->d.precision;
  if (const auto* transposed = std::get_if<ConvTranspose1dArgs>(&op)) return transposed->d.precision;
  return Precision::Fp32;
}

void set_precision(OpArgs& op, Precision p) {
  if (auto* conv = std::get_if<Conv2dArgs>(&op)) conv->d.precision = p;
  if (auto* linear = std::get_if<LinearArgs>(&op)) linear->d.precision = p;
  if (auto* transposed = std::get_if<ConvTranspose1dArgs>(&op)) transposed->d.precision = p;
}

OpTraits traits_of(const OpArgs& op) {
  OpTraits t = std::visit(
      [](const auto& a) -> OpTraits {
        if constexpr (std::is_same_v<std::decay_t<decltype(a)>, std::monostate>)
          throw std::invalid_argument("empty op");
        else
          return traits(a);
      },
      op);
  if (std::holds_alternative<Conv2dArgs>(op) || std::holds_alternative<LinearArgs>(op) ||
      std::holds_alternative<ConvTranspose1dArgs>(op)) {
    t.weight_input = 1;
    t.weight_element_bytes = precision_storage_bytes(precision_of(op));
  }
  if (std::holds_alternative<Conv2dArgs>(op)) t.in_place_input = 3;  // the residual
  t.bytes = compulsory_bytes(t, std::vector<bool>(t.input_sizes.size(), true));
  // At a reduced precision a conv or linear layer is the tensor-core GEMM's: its own kernel
  // file, cpu reference and cases.
  t.family = precision_of(op) == Precision::Fp32 ? family_of(t.op) : "conv_mma";
  return t;
}

double compulsory_bytes(const OpTraits& t, const std::vector<bool>& bound) {
  if (bound.size() != t.input_sizes.size())
    throw std::invalid_argument(t.op + ": " + std::to_string(bound.size()) + " input flags for " +
                                std::to_string(t.input_sizes.size()) + " inputs");
  double bytes = static_cast<double>(t.output.numel()) * sizeof(float);
  for (size_t i = 0; i < bound.size(); ++i)
    if (bound[i])
      bytes += static_cast<double>(t.input_sizes[i]) *
               (static_cast<int>(i) == t.weight_input ? t.weight_element_bytes : static_cast<int>(sizeof(float)));
  return bytes;
}

void bind_op(OpArgs& op, const std::vector<const float*>& inputs, float* output) {
  const OpTraits t = traits_of(op);
  if (inputs.size() != t.input_sizes.size())
    throw std::invalid_argument(t.op + ": expected " + std::to_string(t.input_sizes.size()) +
                                " inputs, got " + std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!inputs[i] && !t.input_optional[i])
      throw std::invalid_argument(t.op + ": input " + std::to_string(i) + " is required");
  std::visit(
      [&](auto& a) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(a)>, std::monostate>)
          bind_ptrs(a, inputs, output);
      },
      op);
}

namespace {

std::string slope_str(float slope) {
  std::ostringstream s;
  s << slope;
  return s.str();
}

std::string detail(const Conv2dArgs& a) {
  const Conv2dDesc& d = a.d;
  return "k" + std::to_string(d.kh) + "x" + std::to_string(d.kw) + " s" + std::to_string(d.stride_h) +
         (d.stride_w != d.stride_h ? "," + std::to_string(d.stride_w) : "") + " p" +
         std::to_string(d.pad_h) + (d.pad_w != d.pad_h ? "," + std::to_string(d.pad_w) : "") +
         (d.dil_h * d.dil_w > 1 ? " d" + std::to_string(d.dil_h) + "," + std::to_string(d.dil_w) : "") +
         (d.input_slope != 1.f ? " lrelu" + slope_str(d.input_slope) : "") + " " + Shape{d.n, d.cin, d.h, d.w}.str();
}
std::string detail(const ConvTranspose1dArgs& a) {
  const ConvTranspose1dDesc& d = a.d;
  return "k" + std::to_string(d.k) + " s" + std::to_string(d.stride) + " p" + std::to_string(d.pad) +
         (d.input_slope != 1.f ? " lrelu" + slope_str(d.input_slope) : "") + " " + Shape{d.n, d.cin, d.w}.str();
}
std::string detail(const InstanceNormArgs& a) {
  return std::string(a.d.param_stride ? "adain" : "in") + (a.d.leaky ? "+lrelu" : "") + (a.prior ? "+prior " : " ") +
         Shape{a.d.n, a.d.c, a.d.hw}.str() + (a.d.w > 0 ? " w" + std::to_string(a.d.w) : "");
}
std::string detail(const UnaryArgs& a) {
  static const char* names[] = {"leaky_relu", "scale", "clamp", "tanh", "sigmoid"};
  return std::string(names[static_cast<int>(a.d.op)]) + " " + std::to_string(a.d.count);
}
std::string detail(const BinaryArgs& a) {
  static const char* names[] = {"add", "sub", "mul"};
  return std::string(names[static_cast<int>(a.d.op)]) + (a.d.broadcast_b ? " bcast " : " ") +
         Shape{a.d.n, a.d.c, a.d.hw}.str();
}
std::string detail(const ReduceArgs& a) {
  static const char* names[] = {"sum", "mean", "max", "min"};
  return std::string(names[static_cast<int>(a.d.op)]) + " " + Shape{a.d.outer, a.d.axis, a.d.inner}.str();
}
std::string detail(const AvgPoolArgs& a) {
  return std::to_string(a.d.kh) + "x" + std::to_string(a.d.kw) + " " + Shape{a.d.planes, a.d.h, a.d.w}.str();
}
std::string detail(const UpsampleNearestArgs& a) {
  return "x" + std::to_string(a.d.sh) + "," + std::to_string(a.d.sw) + " " +
         Shape{a.d.planes, a.d.h, a.d.w}.str();
}
std::string detail(const ResizeBilinearArgs& a) {
  return std::string(a.d.align_corners ? "ac " : "") + Shape{a.d.planes, a.d.h, a.d.w}.str();
}
std::string detail(const LinearArgs& a) {
  return Shape{a.d.batch, a.d.m, a.d.k}.str() + (a.d.relu ? " relu" : "");
}
std::string detail(const GaussianArgs& a) { return "seed " + std::to_string(a.d.seed); }
std::string detail(const LandmarkMaskArgs& a) {
  return "mask" + std::to_string(a.d.mask) + " " + Shape{a.d.n, LandmarkMaskDesc::kLandmarks, a.d.h, a.d.w}.str();
}
std::string detail(const MaxPoolArgs& a) {
  return std::to_string(a.d.kh) + "x" + std::to_string(a.d.kw) + " " + Shape{a.d.planes, a.d.h, a.d.w}.str();
}
std::string detail(const AdaptiveAvgPoolArgs& a) { return Shape{a.d.planes, a.d.h, a.d.w}.str(); }
std::string detail(const UpsampleFirArgs& a) {
  return "x" + std::to_string(a.d.s) + " " + Shape{a.d.planes, a.d.w}.str();
}
std::string detail(const ReplicationPadArgs& a) {
  return "l" + std::to_string(a.d.left) + " r" + std::to_string(a.d.right) + " " +
         Shape{a.d.planes, a.d.w}.str();
}
std::string detail(const TransposeArgs& a) { return Shape{a.d.planes, a.d.h, a.d.w}.str(); }
std::string detail(const MelSpectrogramArgs& a) {
  return "fft" + std::to_string(a.d.n_fft) + " win" + std::to_string(a.d.win_length) + " hop" +
         std::to_string(a.d.hop) + " pad" + std::to_string(a.d.padding) +
         (a.d.spectrum == MelSpectrum::kMagnitude ? " mag " : " ") + Shape{a.d.n, a.d.length}.str();
}
std::string detail(const TimeWindowArgs& a) {
  const TimeWindowDesc& d = a.d;
  return "a[" + std::to_string(d.a0) + "+" + std::to_string(d.wa) + "] b[" + std::to_string(d.b0) + "+" +
         std::to_string(d.wb) + "] " + Shape{d.planes, d.out_w()}.str();
}
std::string detail(const GatedActivationArgs& a) {
  const std::string shape = traits(a).output.str();
  return a.d.s > 1 ? "b upsampled x" + std::to_string(a.d.s) + " " + shape : shape;
}
template <class Args>
std::string detail(const Args& a) {
  return traits(a).output.str();
}

}  // namespace

std::string describe(const OpArgs& op) {
  const OpTraits t = traits_of(op);
  return std::visit(
      [&](const auto& a) -> std::string {
        if constexpr (std::is_same_v<std::decay_t<decltype(a)>, std::monostate>)
          return "empty";
        else
          return t.op + " " + detail(a) + " -> " + t.output.str() +
                 (precision_of(op) == Precision::Fp32 ? "" : std::string(" ") + precision_name(precision_of(op)));
      },
      op);
}

}  // namespace xfv
