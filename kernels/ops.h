// The op interface: one argument struct per op (ops group into families: OpTraits::family).
// It lives in kernels/, which includes nothing from engine/, because the kernels take these
// structs by value (docs/architecture.md, "Layout").
//
// Every backend implements the same set: `cpu::run(const Conv2dArgs&)` on the host,
// `cuda::run(args, stream)` and `sim::run(args, stream)` from the kernels in kernels/.
// A struct holds the shape description (plain ints, so that kernels can take it by value)
// and the data pointers, which the graph runner binds just before the op runs.
// Shapes are NCHW; a 1-D signal is (N, C, 1, W), a matrix is (1, 1, M, K).
#pragma once

#include <cstdint>

#include "precision.h"

namespace xfv {

// ---------------------------------------------------------------------------------------
// conv2d: y = alpha * (conv(act(x), w) + bias) + beta * residual
// x (n, cin, h, w), w (cout, cin, kh, kw), bias (cout) or null, residual (n, cout, ho, wo)
// or null. Zero padding. The residual term lets a ResBlk fuse its (shortcut + res) / sqrt2.
// act is LeakyReLU(input_slope) on the input, x > 0 ? x : input_slope * x, applied as the
// input is read (HiFi-GAN's convs all take one); the default slope 1 is the identity.
struct Conv2dDesc {
  int n, cin, h, w;
  int cout, kh, kw;
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;
  int dil_h = 1, dil_w = 1;
  float alpha = 1.f, beta = 0.f;
  float input_slope = 1.f;
  // Where the conv runs on a window of a longer signal (a stream's step): the longer
  // signal's index of output column 0 along w. The cpu's 1-D Winograd lays its tiles on that
  // signal's grid, so that the window's outputs round as the whole run's; a negative pad_w
  // crops, and the columns cropped are a halo its edge tiles read (for outputs outside the
  // window). The runner adds frame * origin_per_frame (Runner::set_stream_position).
  int64_t origin_w = 0;
  int origin_per_frame = 0;
  // fp32 runs on CUDA cores (conv2d.cu); a reduced precision on tensor cores (conv_mma.cu),
  // both operands rounded to it and products accumulated in fp32.
  Precision precision = Precision::Fp32;

  int out_h() const { return (h + 2 * pad_h - dil_h * (kh - 1) - 1) / stride_h + 1; }
  int out_w() const { return (w + 2 * pad_w - dil_w * (kw - 1) - 1) / stride_w + 1; }
};
struct Conv2dArgs {
  Conv2dDesc d;
  const float* x = nullptr;
  const float* w = nullptr;
  const float* bias = nullptr;
  const float* residual = nullptr;
  float* y = nullptr;
};

// Transposed conv1d (PyTorch ConvTranspose1d: groups 1, dilation 1, no output padding) of
// LeakyReLU(input_slope)(x), as conv2d's input activation:
//   y[n, co, i * stride + j - pad] += act(x[n, ci, i]) * w[ci, co, j],  then + bias[co]
// x (n, cin, w), w (cin, cout, k) as PyTorch stores it, bias (cout) or null,
// y (n, cout, out_w()). Kernels compute it as a polyphase conv, each output gathering its
// ceil(k / stride) taps, never as a scatter.
struct ConvTranspose1dDesc {
  int n, cin, w, cout, k;
  int stride = 1, pad = 0;
  float input_slope = 1.f;
  Precision precision = Precision::Fp32;  // as Conv2dDesc's: reduced runs on conv_mma.cu

  int out_w() const { return (w - 1) * stride - 2 * pad + k; }
};
struct ConvTranspose1dArgs {
  ConvTranspose1dDesc d;
  const float* x = nullptr;
  const float* w = nullptr;
  const float* bias = nullptr;
  float* y = nullptr;
};

// ---------------------------------------------------------------------------------------
// Instance norm over each (n, c) plane of hw elements, biased variance, then a modulation
// and an optional LeakyReLU:
//   y = act((gamma_bias + gamma[n*param_stride + c]) * xhat + beta[n*param_stride + beta_offset + c])
// plain IN: gamma = beta = null (scale 1, shift 0)
// affine IN: param_stride = 0, gamma_bias = 0
// AdaIN: gamma = beta = h = fc(s) (n, 2c), param_stride = 2c, beta_offset = c, gamma_bias = 1
// Stream statistics (docs/streaming.md): with a `prior`, a record of kPriorFields floats per
// plane, the mean and variance are those of the prior's data (count, mean, M2 = the sum of
// squared deviations of data seen before) and of columns [from, w) of every row of the plane
// (rows of `w` elements; w = 0: one row of hw), combined by Chan et al.'s parallel formula.
// `from` is clamped to [0, w]: from >= w takes the prior's statistics alone (fixed
// statistics); a prior of count 0 and from 0 gives the plain norm's bits. The prior is
// data, not a desc field, so that one compiled graph takes a different `from` each run.
enum InstanceNormPrior : int { kPriorCount, kPriorMean, kPriorM2, kPriorFrom, kPriorFields };
struct InstanceNormDesc {
  int n, c, hw;
  float eps = 1e-5f;
  int param_stride = 0;
  int beta_offset = 0;
  float gamma_bias = 0.f;
  bool leaky = false;
  float slope = 0.2f;
  int w = 0;  // the plane's row width (the time axis), for a prior's `from`; 0: hw
};
struct InstanceNormArgs {
  InstanceNormDesc d;
  const float* x = nullptr;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  const float* prior = nullptr;  // (n, c, kPriorFields) or null: the plane's statistics alone
  float* y = nullptr;
};

// ---------------------------------------------------------------------------------------
// Per-channel affine (eval-mode BatchNorm that cannot be folded into a conv) with an
// optional LeakyReLU: y = act(x * scale[c] + shift[c]).
struct ChannelAffineDesc {
  int n, c, hw;
  bool leaky = false;
  float slope = 0.f;
};
struct ChannelAffineArgs {
  ChannelAffineDesc d;
  const float* x = nullptr;
  const float* scale = nullptr;
  const float* shift = nullptr;
  float* y = nullptr;
};

// ---------------------------------------------------------------------------------------
// Elementwise unary ops on `count` elements.
enum class UnaryOp : int {
  kLeakyRelu,  // x > 0 ? x : a * x   (ReLU is a = 0)
  kScale,      // a * x
  kClamp,      // min(max(x, a), b)
  kTanh,
  kSigmoid,
};
struct UnaryDesc {
  int64_t count;
  UnaryOp op;
  float a = 0.f, b = 0.f;
};
struct UnaryArgs {
  UnaryDesc d;
  const float* x = nullptr;
  float* y = nullptr;
};

// Elementwise binary ops, y = alpha * (a op b), a of shape (n, c, hw) and b of shape
// (n, c, hw) or (n, 1, hw) (broadcast over channels, as a mask times a feature map).
enum class BinaryOp : int { kAdd, kSub, kMul };
struct BinaryDesc {
  int n, c, hw;
  bool broadcast_b = false;
  BinaryOp op = BinaryOp::kAdd;
  float alpha = 1.f;
};
struct BinaryArgs {
  BinaryDesc d;
  const float* a = nullptr;
  const float* b = nullptr;
  float* y = nullptr;
};

// Channel concat: y (n, ca + cb, hw) = [a (n, ca, hw), b (n, cb, hw)].
struct ConcatDesc {
  int n, ca, cb, hw;
};
struct ConcatArgs {
  ConcatDesc d;
  const float* a = nullptr;
  const float* b = nullptr;
  float* y = nullptr;
};

// Reduction of the middle axis of x viewed as (outer, axis, inner): y (outer, inner).
// Per-plane statistics are (n*c, hw, 1); a sum over channels is (n, c, hw).
enum class ReduceOp : int { kSum, kMean, kMax, kMin };
struct ReduceDesc {
  int outer, axis, inner;
  ReduceOp op = ReduceOp::kSum;
};
struct ReduceArgs {
  ReduceDesc d;
  const float* x = nullptr;
  float* y = nullptr;
};

// ---------------------------------------------------------------------------------------
// Average pooling with kernel = stride = (kh, kw), floor of the output size.
struct AvgPoolDesc {
  int planes, h, w;
  int kh = 2, kw = 2;
};
struct AvgPoolArgs {
  AvgPoolDesc d;
  const float* x = nullptr;
  float* y = nullptr;
};

// Nearest-neighbour upsampling by integer factors (sh, sw).
struct UpsampleNearestDesc {
  int planes, h, w;
  int sh = 2, sw = 2;
};
struct UpsampleNearestArgs {
  UpsampleNearestDesc d;
  const float* x = nullptr;
  float* y = nullptr;
};

// Nearest stretch of the last axis by s, then a (2s+1)-tap FIR along it, zero-padded by s
// each side: one stage of Parallel WaveGAN's upsampling network (Stretch2d, then Conv2d
// 1 -> 1 of kernel (1, 2s+1), padding (0, s), no bias), every plane sharing the taps:
//   y[p, t] = sum_{k=0}^{2s} taps[k] * u[p, t + k - s],  u[p, j] = x[p, j / s] on [0, w*s), else 0.
// Kernels compute it in polyphase form: output t = i*s + r reads only x[i-1], x[i], x[i+1],
// each weighted by the sum of the taps that fall on its stretched copy (the same sum, up to
// rounding). x (planes, w), taps (2s+1), y (planes, w*s); 1 <= s <= 64.
struct UpsampleFirDesc {
  int planes, w, s;
};
struct UpsampleFirArgs {
  UpsampleFirDesc d;
  const float* x = nullptr;
  const float* taps = nullptr;
  float* y = nullptr;
};

// Bilinear resize (PyTorch interpolate, no antialias), align_corners true or false.
struct ResizeBilinearDesc {
  int planes, h, w, out_h, out_w;
  bool align_corners = false;
};
struct ResizeBilinearArgs {
  ResizeBilinearDesc d;
  const float* x = nullptr;
  float* y = nullptr;
};

// Depthwise 3x3 conv, zero padding 1, one fixed filter shared by every plane (the StarGAN v2
// high-pass filter). The filter travels by value: it is a constant of the graph.
struct Depthwise3x3Desc {
  int planes, h, w;
  float k[9];
};
struct Depthwise3x3Args {
  Depthwise3x3Desc d;
  const float* x = nullptr;
  float* y = nullptr;
};

// ---------------------------------------------------------------------------------------
// Batched linear layer: for each b < batch,
//   y[b] (m, n) = act(x[b] (m, k) . w[b] (n, k)^T + bias[b] (n))
// with element strides between batch entries; a stride of 0 shares the operand (the
// mapping network's per-domain heads all read one x).
struct LinearDesc {
  int m, k, n;
  int batch = 1;
  int64_t x_stride = 0, w_stride = 0, bias_stride = 0, y_stride = 0;
  bool relu = false;
  Precision precision = Precision::Fp32;  // as Conv2dDesc's: reduced runs on conv_mma.cu
};
struct LinearArgs {
  LinearDesc d;
  const float* x = nullptr;
  const float* w = nullptr;
  const float* bias = nullptr;
  float* y = nullptr;
};

// ---------------------------------------------------------------------------------------
// Standard normal numbers from a counter-based generator (Philox4x32-10, Box-Muller):
// y[i] = normal(seed, offset + i), the same on every backend (kernels/philox.cuh).
struct GaussianDesc {
  int64_t count;
  uint64_t seed = 0;
  uint64_t offset = 0;
};
struct GaussianArgs {
  GaussianDesc d;
  float* y = nullptr;
};

// ---------------------------------------------------------------------------------------
// One of FAN's two landmark masks (`preprocess`, ../shared/reference-models.md §1.6) from
// x (n, 98, h, w), the upsampled heatmaps, and hi, lo (n * 98), each plane's max and min:
// y (n, 1, h, w). Values below 0.1 become 0 (hi and lo are truncated alike: the truncation
// is monotone), each plane is min-max normalized (eps 1e-6), row-shifted and raised to its
// landmark group's power, and the planes are summed; mask 1 leaves out the chin, eyebrows
// and lips. Mask 0 maps NaN to 0; both are clamped to [0, 1] (kernels/landmark_mask.cuh).
struct LandmarkMaskDesc {
  static constexpr int kLandmarks = 98;  // the WFLW layout whose groups preprocess knows
  int n, h, w;
  int mask = 0;  // 0 or 1
};
struct LandmarkMaskArgs {
  LandmarkMaskDesc d;
  const float* x = nullptr;
  const float* hi = nullptr;
  const float* lo = nullptr;
  float* y = nullptr;
};

// ---------------------------------------------------------------------------------------
// The voice networks' ops (../shared/reference-models.md §2.3, §2.4, §3.3).

// Parallel WaveGAN's gate: a (the dilated conv) and b (the aux 1x1 conv) are (n, 2c, t);
// y (n, c, t) = tanh(a[:, :c] + b[:, :c]) * sigmoid(a[:, c:] + b[:, c:]). With s > 1, b is
// given at 1/s of the rate, (n, 2c, t / s), and the gate runs the last upsampling stage on it
// (upsample_phases.h, taps: its 2s + 1 FIR taps): the stage's output, 128 rows at the sample
// rate, never goes through memory.
struct GatedActivationDesc {
  int n, c, t;
  int s = 1;
};
struct GatedActivationArgs {
  GatedActivationDesc d;
  const float* a = nullptr;
  const float* b = nullptr;
  const float* b_taps = nullptr;  // with s > 1 only
  float* y = nullptr;
};

// Max pooling with kernel = stride = (kh, kw), floor of the output size; NaN propagates as
// in PyTorch.
struct MaxPoolDesc {
  int planes, h, w;
  int kh = 1, kw = 2;  // JDC's (1, 2) on the mel axis
};
struct MaxPoolArgs {
  MaxPoolDesc d;
  const float* x = nullptr;
  float* y = nullptr;
};

// PyTorch adaptive_avg_pool2d to (out_h, out_w): output i along an axis averages the input
// window [floor(i * in / out), ceil((i + 1) * in / out)), uneven where out does not divide in.
struct AdaptiveAvgPoolDesc {
  int planes, h, w, out_h, out_w;
};
struct AdaptiveAvgPoolArgs {
  AdaptiveAvgPoolDesc d;
  const float* x = nullptr;
  float* y = nullptr;
};

// Pads the last axis of (planes, w) by (left, right) copies of its edge values
// (ReplicationPad1d): y (planes, left + w + right).
struct ReplicationPadDesc {
  int planes, w;
  int left = 0, right = 0;
};
struct ReplicationPadArgs {
  ReplicationPadDesc d;
  const float* x = nullptr;
  float* y = nullptr;
};

// Swaps the last two axes: x (planes, h, w) -> y (planes, w, h).
struct TransposeDesc {
  int planes, h, w;
};
struct TransposeArgs {
  TransposeDesc d;
  const float* x = nullptr;
  float* y = nullptr;
};

// ---------------------------------------------------------------------------------------
// A window along time, for the vocoders' step graphs (engine/models/stream_builder.h):
// columns [a0, a0 + wa) of a (planes, a_w), then columns [b0, b0 + wb) of b (planes, b_w),
// as y (planes, wa + wb); a column of y whose absolute time time0 + j lies outside [0, end)
// is 0. A streamed conv's input is its kept left context (a) followed by the new columns
// (b), its next context the last columns of the same two, a slice has wa = 0 (a absent).
// The mask makes the columns outside the signal what a whole run's zero padding is, so
// that no value computed from padding leaks into the next layer. The runner binds time0 and
// end per step (Runner::set_stream_position): time0 += frame * per_frame, and end = frames *
// per_frame once the stream's length is known; per_frame 0 leaves both as they are.
struct TimeWindowDesc {
  int planes;
  int a_w = 0, a0 = 0, wa = 0;
  int b_w = 0, b0 = 0, wb = 0;
  int64_t time0 = 0;
  int64_t end = INT64_MAX;
  int per_frame = 0;

  int out_w() const { return wa + wb; }
};
struct TimeWindowArgs {
  TimeWindowDesc d;
  const float* a = nullptr;
  const float* b = nullptr;
  float* y = nullptr;
};

// ---------------------------------------------------------------------------------------
// Log-mel spectrogram of n signals (n, length): the signal reflect-padded by `padding`
// samples each side, frames every `hop` samples, each windowed over n_fft samples, the
// rFFT's power |X|^2 (or magnitude sqrt(|X|^2 + 1e-9)), projected onto n_mels bands, then
// logged:
//   y (n, n_mels, frames) = log(fb^T . spectrum(rfft(window . frame)))
// The window (n_fft: win_length samples zero-padded centred), the rFFT twiddles (n_fft / 2
// complex: cos, -sin of 2 pi q / n_fft) and the filterbank fb (n_mels, n_fft / 2 + 1) are
// inputs, from engine/cpu/mel_tables.h. Two recipes (../shared/reference-models.md §2.6 and
// jik876/hifi-gan meldataset.py):
//   StarGANv2-VC: n_fft 2048, win 1200, hop 300, padding n_fft / 2 (torch.stft's centred
//                 frames), power, (ln(1e-5 + mel) + 4) / 4;
//   HiFi-GAN:     n_fft 1024, win 1024, hop 256, padding (n_fft - hop) / 2, magnitude,
//                 ln(max(mel, 1e-5)).
// The kernel backends implement n_fft 1024 and 2048.
enum class MelSpectrum : int { kPower, kMagnitude };
enum class MelLog : int {
  kNormalizedLn,  // (ln(1e-5 + mel) + 4) / 4
  kClampedLn,     // ln(max(mel, 1e-5))
};
struct MelSpectrogramDesc {
  int n, length;
  int n_fft = 2048, win_length = 1200, hop = 300, n_mels = 80;
  int padding = 1024;  // reflected samples each side; less than length
  MelSpectrum spectrum = MelSpectrum::kPower;
  MelLog log = MelLog::kNormalizedLn;

  int bins() const { return n_fft / 2 + 1; }
  int frames() const { return (length + 2 * padding - n_fft) / hop + 1; }
};
struct MelSpectrogramArgs {
  MelSpectrogramDesc d;
  const float* x = nullptr;
  const float* window = nullptr;
  const float* twiddles = nullptr;
  const float* fb = nullptr;
  float* y = nullptr;
};

}  // namespace xfv

// ---------------------------------------------------------------------------------------
// The list of ops, for the places that must name each of them once: the Backend
// interface, the OpArgs variant, the backends' forwarding to their implementations.
#define XFV_FOR_EACH_OP(X) \
  X(Conv2d)                \
  X(ConvTranspose1d)       \
  X(InstanceNorm)          \
  X(ChannelAffine)         \
  X(Unary)                 \
  X(Binary)                \
  X(Concat)                \
  X(Reduce)                \
  X(AvgPool)               \
  X(UpsampleNearest)       \
  X(UpsampleFir)           \
  X(ResizeBilinear)        \
  X(Depthwise3x3)          \
  X(Linear)                \
  X(Gaussian)              \
  X(LandmarkMask)          \
  X(GatedActivation)       \
  X(MaxPool)               \
  X(AdaptiveAvgPool)       \
  X(ReplicationPad)        \
  X(Transpose)             \
  X(MelSpectrogram)        \
  X(TimeWindow)
