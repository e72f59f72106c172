#include "engine/opcheck.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <random>
#include <stdexcept>
#include <tuple>

#include "engine/cpu/mel_tables.h"
#include "engine/op_traits.h"

namespace xfv {
namespace {

class CaseMaker {
 public:
  explicit CaseMaker(uint64_t seed) : rng_(seed) {}

  // A case whose inputs are uniform in [lo, hi); `present` marks which optional inputs exist.
  void add(OpArgs op, std::vector<bool> present = {}, float lo = -1.f, float hi = 1.f,
           double tolerance = 1e-5) {
    const OpTraits t = traits_of(op);
    OpCase c{std::move(op), {}, tolerance};
    std::uniform_real_distribution<float> u(lo, hi);
    for (size_t i = 0; i < t.input_sizes.size(); ++i) {
      std::vector<float> v;
      if (!t.input_optional[i] || (i < present.size() && present[i])) {
        v.resize(static_cast<size_t>(t.input_sizes[i]));
        for (float& x : v) x = u(rng_);
      }
      c.inputs.push_back(std::move(v));
    }
    cases.push_back(std::move(c));
  }

  // Gives the last case, an instance norm with its prior slot present, a valid prior
  // (kernels/ops.h) per plane: a count of earlier data from 0 to three planes' worth, a
  // mean in [mean_lo, mean_hi) and a variance near the plane's own, and `from` (every column
  // of [0, w] drawn when negative). A plane with no columns counted gets at least one
  // earlier element.
  void draw_priors(int from, float mean_lo = -1.f, float mean_hi = 1.f) {
    OpCase& c = cases.back();
    const InstanceNormDesc& d = std::get<InstanceNormArgs>(c.op).d;
    const int w = d.w > 0 ? d.w : d.hw;
    std::uniform_int_distribution<int> count(0, 3 * d.hw), column(0, w);
    std::uniform_real_distribution<float> mean(mean_lo, mean_hi), var(0.1f, 1.f);
    std::vector<float>& prior = c.inputs.at(3);
    for (size_t p = 0; p < prior.size(); p += kPriorFields) {
      const int first = from < 0 ? column(rng_) : from;
      const int n = std::max(count(rng_), first == w ? 1 : 0);
      prior[p + kPriorCount] = static_cast<float>(n);
      prior[p + kPriorMean] = mean(rng_);
      prior[p + kPriorM2] = static_cast<float>(n) * var(rng_);
      prior[p + kPriorFrom] = static_cast<float>(first);
    }
  }

  std::vector<OpCase> cases;

 private:
  std::mt19937_64 rng_;
};

Conv2dArgs conv(int n, int cin, int h, int w, int cout, int kh, int kw, int stride, int pad,
                int dil_w = 1, int pad_w = -1) {
  Conv2dArgs a;
  a.d = {n, cin, h, w, cout, kh, kw};
  a.d.stride_h = a.d.stride_w = stride;
  a.d.pad_h = pad;
  a.d.pad_w = pad_w < 0 ? pad : pad_w;
  a.d.dil_w = dil_w;
  return a;
}

LinearArgs linear(int mm, int k, int n, bool relu) {
  LinearArgs a;
  a.d = {mm, k, n};
  a.d.relu = relu;
  return a;
}

void add_conv2d_cases(CaseMaker& m) {
  const std::vector<bool> bias{false, false, true, false}, both{false, false, true, true};
  m.add(conv(1, 3, 17, 13, 5, 3, 3, 1, 1), bias);
  m.add(conv(1, 1, 20, 24, 64, 3, 3, 1, 1), bias);           // the voice stem, cin = 1
  m.add(conv(1, 8, 16, 16, 16, 4, 4, 2, 1), bias);            // conv3x3 + avgpool rewritten
  m.add(conv(1, 3, 19, 23, 8, 7, 7, 2, 3), bias);             // FAN's CoordConv stem
  m.add(conv(2, 16, 4, 4, 8, 4, 4, 1, 0), bias);              // style encoder 4x4 valid
  m.add(conv(1, 6, 5, 12, 7, 5, 5, 1, 0), bias);              // voice style encoder 5x5 valid
  m.add(conv(1, 16, 1, 37, 32, 1, 5, 1, 0, 2, 4), bias);      // dilated 1-D conv
  m.add(conv(3, 33, 7, 1, 65, 3, 3, 1, 1), bias);             // width 1, odd channels
  m.add(conv(2, 70, 9, 9, 3, 3, 3, 2, 1));                    // stride 2, no bias
  Conv2dArgs shortcut = conv(2, 4, 9, 9, 17, 1, 1, 1, 0);     // ResBlk: (x + conv) / sqrt2
  shortcut.d.alpha = shortcut.d.beta = 1.f / std::sqrt(2.f);
  m.add(shortcut, {false, false, false, true});
  Conv2dArgs fused = conv(1, 32, 12, 10, 48, 3, 3, 1, 1);
  fused.d.alpha = 0.5f, fused.d.beta = -2.f;
  m.add(fused, {false, false, true, true});
  m.add(conv(1, 64, 32, 32, 64, 3, 3, 1, 1), bias);           // a decoder conv
  // HiFi-GAN's convs: LeakyReLU on the input, kernels 3, 7, 11 at dilations 1, 3, 5 (long
  // enough for the cpu's column chunks), a fused residual; and conv_post's slope 0.01.
  for (auto [k, dil, cin, w] : {std::tuple{3, 1, 16, 300}, std::tuple{7, 3, 9, 1000}, std::tuple{11, 5, 12, 2100}}) {
    Conv2dArgs mrf = conv(1, cin, 1, w, cin, 1, k, 1, 0, dil, (k - 1) / 2 * dil);
    mrf.d.input_slope = 0.1f;
    m.add(mrf, both);
  }
  // A stream's step: a window cropped by its halo (negative padding), its outputs on a
  // longer signal's tile grid (origin_w), with a residual.
  for (auto [k, dil, halo, origin] : {std::tuple{3, 3, 9, 5}, std::tuple{5, 2, 4, -7}, std::tuple{7, 1, 1, 3}}) {
    Conv2dArgs step = conv(1, 12, 1, 60 + (k - 1) * dil + 2 * halo, 16, 1, k, 1, 0, dil);
    step.d.pad_w = -halo, step.d.origin_w = origin;
    step.d.input_slope = 0.1f;
    m.add(step, both);
  }
  Conv2dArgs out_skip = conv(1, 16, 1, 700, 24, 1, 1, 1, 0);  // Parallel WaveGAN's out+skip 1x1
  out_skip.d.alpha = out_skip.d.beta = 1.f / std::sqrt(2.f);
  m.add(out_skip, both);
  Conv2dArgs post = conv(2, 8, 1, 77, 1, 1, 7, 1, 0, 1, 3);
  post.d.input_slope = 0.01f;
  m.add(post, bias);
  Conv2dArgs leaky_2d = conv(1, 5, 9, 11, 6, 3, 3, 1, 1);
  leaky_2d.d.input_slope = 0.2f;
  m.add(leaky_2d, bias);
  Conv2dArgs leaky_winograd_1d = conv(1, 8, 1, 300, 8, 1, 5, 1, 0, 2, 4);  // the cpu's F(3, 5)
  leaky_winograd_1d.d.input_slope = 0.3f;
  m.add(leaky_winograd_1d, bias);
  // The cpu backend's Winograd paths (engine/cpu/conv2d_winograd.cpp), big enough for
  // winograd_tile to pick them: tiles hanging over odd edges, batches, every padding.
  const std::vector<bool> residual{false, false, false, true};
  m.add(conv(2, 17, 23, 19, 19, 3, 3, 1, 1), bias);           // F(2x2)
  m.add(conv(1, 19, 27, 25, 18, 3, 3, 1, 0));                 // F(2x2), valid
  Conv2dArgs wino_fused = conv(1, 16, 21, 23, 21, 3, 3, 1, 2);
  wino_fused.d.alpha = 0.7f, wino_fused.d.beta = -1.3f;
  m.add(wino_fused, residual);                                // F(2x2), pad 2, fused residual
  m.add(conv(2, 20, 17, 15, 17, 3, 3, 1, 0, 1, 2), bias);     // F(2x2), pad 0 x 2
  wino_fused = conv(3, 18, 37, 45, 22, 3, 3, 1, 1);
  wino_fused.d.alpha = 1.f / std::sqrt(2.f), wino_fused.d.beta = 1.f / std::sqrt(2.f);
  m.add(wino_fused, both);                                    // F(4x4), ResBlk residual
  m.add(conv(1, 24, 69, 63, 20, 3, 3, 1, 0));                 // F(4x4), valid
  m.add(conv(2, 16, 45, 39, 17, 3, 3, 1, 2), bias);           // F(4x4), pad 2
  // The 1-D Winograd schemes (engine/cpu/conv1d_winograd.cpp): F(4, 5) and F(3, 5) at
  // dilations up to the vocoder's 256, lengths that end inside a tile, dilations longer than
  // a tile's span, other padding; F(4, 3) and F(2, 7) at HiFi-GAN's dilations.
  for (auto [cin, cout, w, dil] : {std::tuple{16, 24, 257, 1}, std::tuple{8, 16, 1001, 2},
                                   std::tuple{12, 10, 999, 16}, std::tuple{9, 8, 300, 256}})
    m.add(conv(1, cin, 1, w, cout, 1, 5, 1, 0, dil, 2 * dil), both);
  m.add(conv(2, 8, 1, 1030, 8, 1, 5, 1, 0, 3, 1), bias);      // batch 2, padding 1 of a dilation 3
  for (auto [kernel, w, dil] : {std::tuple{3, 203, 1}, std::tuple{3, 517, 5}, std::tuple{7, 98, 1}, std::tuple{7, 301, 3}}) {
    Conv2dArgs resblock = conv(1, 10, 1, w, 9, 1, kernel, 1, 0, dil, (kernel - 1) / 2 * dil);
    resblock.d.input_slope = 0.1f;
    m.add(resblock, both);
  }
  // Shapes large enough for each of the cuda kernel's bigger tiles (kernels/conv2d.cu).
  m.add(conv(1, 2, 131, 131, 130, 1, 1, 1, 0), bias);         // 128x128 tile
  m.add(conv(1, 3, 100, 100, 130, 3, 3, 1, 1), bias);         // 128x64
  m.add(conv(1, 3, 190, 190, 8, 3, 3, 1, 1), bias);           // 64x128
  m.add(conv(1, 2, 150, 150, 40, 3, 3, 1, 1), bias);          // 64x64
}

void add_instance_norm_cases(CaseMaker& m) {
  const auto norm = [](int n, int c, int hw, bool adain, bool leaky) {
    InstanceNormArgs a;
    a.d = {n, c, hw};
    a.d.leaky = leaky;
    if (adain) a.d.param_stride = 2 * c, a.d.beta_offset = c, a.d.gamma_bias = 1.f;
    return a;
  };
  m.add(norm(2, 5, 17, false, false));
  m.add(norm(1, 3, 1, false, false), {false, true, true});         // a 1x1 plane: y = beta
  m.add(norm(1, 3, 256, false, true), {false, true, true});         // affine + LeakyReLU
  m.add(norm(2, 4, 35, true, true), {false, true, true});           // AdaIN + LeakyReLU
  m.add(norm(1, 2, 4096, true, false), {false, true, true});        // a 64x64 plane
  m.add(norm(3, 7, 999, false, false), {}, 5.f, 7.f);               // large mean, small spread
  m.add(norm(2, 8, 4096, true, true), {false, true, true});         // spread over threads
  m.add(norm(1, 3, 31, false, false));
  m.add(norm(1, 3, 33, false, false));
  // Stream statistics: planes of rows (mel bands x time), a prior per plane merged with the
  // columns from its `from` on: drawn per plane, none counted (fixed statistics), all.
  const auto rows = [&](int n, int c, int h, int w, bool adain, bool leaky) {
    InstanceNormArgs a = norm(n, c, h * w, adain, leaky);
    a.d.w = w;
    return a;
  };
  const std::vector<bool> prior{false, false, false, true}, affine_prior{false, true, true, true};
  m.add(rows(2, 5, 3, 17, false, false), prior);
  m.draw_priors(-1);
  m.add(rows(2, 4, 10, 48, true, true), affine_prior);  // AdaIN, a stream window's plane
  m.draw_priors(-1);
  m.add(rows(1, 6, 20, 12, false, true), affine_prior);
  m.draw_priors(12);                                     // the prior's statistics alone
  m.add(rows(1, 3, 40, 96, false, false), prior);
  m.draw_priors(0);                                      // every column, and the prior
  m.add(rows(2, 8, 40, 192, true, false), affine_prior);  // spread over 256 threads
  m.draw_priors(-1);
  m.add(rows(1, 3, 80, 200, false, false), prior, 5.f, 7.f);  // large mean, small spread
  m.draw_priors(-1, 5.f, 7.f);
  m.add(rows(1, 3, 5, 9, false, false));                 // rows without a prior: the plain norm
}

void add_channel_affine_cases(CaseMaker& m) {
  ChannelAffineArgs bn;
  bn.d = {2, 3, 17, true, 0.01f};
  m.add(bn);
  bn.d = {1, 64, 100, false, 0.f};
  m.add(bn);
}

void add_elementwise_cases(CaseMaker& m) {
  const UnaryOp unary_ops[] = {UnaryOp::kLeakyRelu, UnaryOp::kScale, UnaryOp::kClamp,
                               UnaryOp::kTanh, UnaryOp::kSigmoid};
  for (UnaryOp op : unary_ops)
    for (int64_t count : {int64_t{1}, int64_t{1000}, int64_t{4097}}) {
      UnaryArgs a;
      a.d = {count, op, op == UnaryOp::kClamp ? -0.3f : 0.2f, 0.5f};
      m.add(a, {}, -4.f, 4.f);
    }
  for (BinaryOp op : {BinaryOp::kAdd, BinaryOp::kSub, BinaryOp::kMul})
    for (bool bcast : {false, true}) {
      BinaryArgs a;
      a.d = {2, 3, 17, bcast, op, 0.70710678f};
      m.add(a);
    }
  BinaryArgs single;
  single.d = {1, 1, 1, false, BinaryOp::kAdd, 1.f};
  m.add(single);

  ConcatArgs cat;
  cat.d = {2, 3, 5, 17};
  m.add(cat);
  cat.d = {1, 1, 64, 1};
  m.add(cat);
}

void add_reduce_cases(CaseMaker& m) {
  for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kMean, ReduceOp::kMax, ReduceOp::kMin}) {
    for (auto [outer, axis, inner] : {std::tuple{6, 17, 1}, std::tuple{2, 5, 33},
                                      std::tuple{1, 4096, 1}, std::tuple{3, 1, 7},
                                      std::tuple{2, 45, 1}, std::tuple{1, 3, 1500},
                                      std::tuple{2, 64, 1000}}) {
      ReduceArgs r;
      r.d = {outer, axis, inner, op};
      m.add(r);
    }
  }
}

// Pools with kernel = stride, at (planes, h, w, kh, kw).
template <class PoolArgs>
void add_strided_pools(CaseMaker& m, std::initializer_list<std::tuple<int, int, int, int, int>> shapes) {
  for (auto [planes, h, w, kh, kw] : shapes) {
    PoolArgs a;
    a.d = {planes, h, w, kh, kw};
    m.add(a);
  }
}

void add_pooling_cases(CaseMaker& m) {
  add_strided_pools<AvgPoolArgs>(m, {{3, 16, 16, 2, 2}, {2, 9, 7, 2, 2}, {2, 9, 7, 2, 1}, {1, 1, 6, 1, 2},
                                     {4, 128, 130, 2, 2}, {3, 6, 9, 2, 3}});
  add_strided_pools<MaxPoolArgs>(m, {{3, 16, 16, 2, 2}, {2, 9, 7, 1, 2}, {1, 1, 6, 1, 2}, {2, 17, 81, 1, 2},
                                     {3, 6, 9, 2, 3}, {4, 40, 80, 1, 2}});
  for (auto [planes, h, w, oh, ow] : {std::tuple{2, 5, 96, 5, 48}, std::tuple{3, 5, 95, 5, 48},
                                      std::tuple{1, 1, 1, 1, 1}, std::tuple{2, 7, 17, 3, 5},
                                      std::tuple{1, 17, 3, 17, 3}, std::tuple{2, 4, 9, 1, 1},
                                      std::tuple{1, 3, 5, 7, 9}}) {
    AdaptiveAvgPoolArgs a;
    a.d = {planes, h, w, oh, ow};
    m.add(a);
  }
}

void add_upsample_nearest_cases(CaseMaker& m) {
  for (auto [planes, h, w, sh, sw] : {std::tuple{3, 5, 7, 2, 2}, std::tuple{2, 3, 4, 2, 1},
                                      std::tuple{1, 1, 1, 2, 2}, std::tuple{1, 1, 9, 1, 5},
                                      std::tuple{8, 33, 40, 2, 2}, std::tuple{2, 3, 4, 3, 3}}) {
    UpsampleNearestArgs a;
    a.d = {planes, h, w, sh, sw};
    m.add(a);
  }
}

// Parallel WaveGAN's upsampling stages (scales 4, 5, 3, 5 on 80 rows or a layer's 128),
// scale 1, one sample, and a plane wider than a block of threads.
void add_upsample_fir_cases(CaseMaker& m) {
  for (auto [planes, w, s] : {std::tuple{80, 17, 4}, std::tuple{128, 13, 5}, std::tuple{3, 20, 3},
                              std::tuple{2, 9, 1}, std::tuple{1, 1, 5}, std::tuple{2, 700, 2},
                              std::tuple{1, 6, 17}}) {
    UpsampleFirArgs a;
    a.d = {planes, w, s};
    m.add(a);
  }
}

void add_resize_bilinear_cases(CaseMaker& m) {
  for (auto [planes, h, w, oh, ow, ac] :
       {std::tuple{1, 64, 64, 8, 8, false}, std::tuple{2, 16, 16, 64, 64, true},
        std::tuple{3, 7, 5, 13, 17, false}, std::tuple{3, 7, 5, 13, 17, true},
        std::tuple{1, 5, 6, 1, 1, true}, std::tuple{2, 1, 1, 3, 4, false},
        std::tuple{2, 16, 16, 128, 96, true}, std::tuple{3, 64, 48, 20, 30, false},
        std::tuple{2, 1, 5, 4, 9, true}, std::tuple{2, 5, 1, 9, 4, false}}) {
    ResizeBilinearArgs a;
    a.d = {planes, h, w, oh, ow, ac};
    m.add(a);
  }
}

void add_depthwise3x3_cases(CaseMaker& m) {
  for (auto [planes, h, w] : {std::tuple{4, 9, 13}, std::tuple{1, 1, 1}, std::tuple{2, 33, 32},
                              std::tuple{3, 100, 130}, std::tuple{2, 1, 40}, std::tuple{2, 40, 1},
                              std::tuple{1, 2, 2}}) {
    Depthwise3x3Args a;
    a.d = {planes, h, w, {-1, -1, -1, -1, 8, -1, -1, -1, -1}};  // the high-pass filter
    m.add(a);
  }
}

// HiFi-GAN's upsampling layers (kernel 2 x stride, padding (k - stride) / 2, LeakyReLU 0.1 on
// the input), and the shapes a polyphase split must get right: a kernel that is no multiple
// of the stride, one shorter than the stride (outputs no tap reaches), no overlap at all,
// padding past a phase, and a batch.
void add_conv_transpose1d_cases(CaseMaker& m) {
  const std::vector<bool> bias{false, false, true};
  for (auto [n, cin, w, cout, k, stride, pad, slope] :
       {std::tuple{1, 16, 13, 8, 16, 8, 4, 0.1f}, std::tuple{1, 8, 50, 4, 4, 2, 1, 0.1f},
        std::tuple{2, 5, 7, 3, 5, 3, 1, 1.f}, std::tuple{1, 3, 6, 2, 2, 4, 0, 1.f},
        std::tuple{1, 4, 9, 6, 3, 1, 0, 0.5f}, std::tuple{2, 7, 11, 5, 7, 2, 3, 1.f},
        std::tuple{1, 64, 40, 32, 16, 8, 4, 0.1f}}) {
    ConvTranspose1dArgs a;
    a.d = {n, cin, w, cout, k, stride, pad, slope};
    m.add(a, cin == 5 ? std::vector<bool>{} : bias);
  }
}

void add_linear_cases(CaseMaker& m) {
  const std::vector<bool> bias{false, false, true};
  m.add(linear(1, 16, 512, true), bias);   // the mapping network's first layer
  m.add(linear(3, 64, 130, false), bias);  // an AdaIN fc on three styles
  m.add(linear(2, 33, 17, false));         // no bias
  LinearArgs heads = linear(2, 40, 24, false);  // per-domain heads that share one input
  heads.d.batch = 4;
  heads.d.w_stride = 24 * 40, heads.d.bias_stride = 24, heads.d.y_stride = 2 * 24;
  m.add(heads, bias);
}

// The tensor-core family: convs and linear layers at each reduced precision against the
// cpu's rounded reference (engine/cpu/conv_mma.cpp), which the kernel follows to its fp32
// accumulation (1e-6). Every shape kind the networks use, at sizes that are no multiple of
// any tile (kernels/conv_mma.cu): 2-D 3x3 and 1x1 convs with residuals, a strided 4x4, the
// vocoders' dilated 1-D convs (LeakyReLU on the input, cout 1 to 40), linear layers,
// transposed 1-D convs.
void add_conv_mma_cases(CaseMaker& m) {
  const std::vector<bool> bias{false, false, true, false}, residual{false, false, false, true},
      both{false, false, true, true};
  const auto leaky = [](Conv2dArgs a, float slope) {
    a.d.input_slope = slope;
    return a;
  };
  const auto fused = [](Conv2dArgs a, float alpha, float beta) {
    a.d.alpha = alpha, a.d.beta = beta;
    return a;
  };
  for (Precision p : {Precision::Tf32, Precision::Bf16, Precision::Fp16}) {
    const auto add_conv = [&](Conv2dArgs a, const std::vector<bool>& present) {
      a.d.precision = p;
      m.add(a, present, -1.f, 1.f, 1e-6);
    };
    add_conv(conv(1, 3, 17, 13, 5, 3, 3, 1, 1), bias);                      // rgb in, cout < 16
    add_conv(conv(2, 19, 11, 9, 37, 3, 3, 1, 1), both);                     // batch, cout 17..64
    add_conv(fused(conv(1, 24, 12, 13, 70, 3, 3, 1, 1), 0.7f, -1.3f), both);  // two M tiles
    add_conv(fused(conv(2, 40, 9, 7, 70, 1, 1, 1, 0), 0.70710678f, 0.70710678f), residual);  // ResBlk 1x1
    add_conv(leaky(conv(1, 16, 10, 11, 20, 3, 3, 1, 1), 0.2f), bias);       // 2-D LeakyReLU input
    add_conv(conv(1, 8, 16, 16, 16, 4, 4, 2, 1), bias);                     // stride 2
    add_conv(leaky(conv(1, 12, 1, 300, 12, 1, 7, 1, 0, 3, 9), 0.1f), both);  // HiFi-GAN resblock
    add_conv(leaky(conv(1, 16, 1, 150, 24, 1, 11, 1, 0, 5, 25), 0.1f), bias);
    add_conv(leaky(conv(2, 8, 1, 77, 1, 1, 7, 1, 0, 1, 3), 0.01f), bias);   // conv_post, cout 1
    add_conv(conv(1, 20, 1, 97, 40, 1, 3, 1, 0, 8, 8), bias);              // WaveGAN dilated
    for (LinearArgs a : {linear(1, 16, 72, true), linear(3, 64, 130, false), linear(2, 33, 17, false)}) {
      a.d.precision = p;
      m.add(a, {false, false, a.d.k != 33}, -1.f, 1.f, 1e-6);
    }
    LinearArgs heads = linear(2, 40, 24, false);  // per-domain heads that share one input
    heads.d.batch = 4, heads.d.precision = p;
    heads.d.w_stride = 24 * 40, heads.d.bias_stride = 24, heads.d.y_stride = 2 * 24;
    m.add(heads, {false, false, true}, -1.f, 1.f, 1e-6);
    // HiFi-GAN's upsampling (kernel 2 x stride, LeakyReLU 0.1) and the polyphase edges: a
    // kernel no multiple of the stride, one shorter than it, padding past a phase, a batch.
    for (auto [n, cin, w, cout, k, stride, pad, slope] :
         {std::tuple{1, 16, 13, 8, 16, 8, 4, 0.1f}, std::tuple{1, 24, 50, 20, 4, 2, 1, 0.1f},
          std::tuple{2, 5, 7, 3, 5, 3, 1, 1.f}, std::tuple{1, 3, 6, 2, 2, 4, 0, 1.f},
          std::tuple{2, 7, 11, 40, 7, 2, 3, 1.f}}) {
      ConvTranspose1dArgs a;
      a.d = {n, cin, w, cout, k, stride, pad, slope};
      a.d.precision = p;
      m.add(a, {false, false, cin != 5}, -1.f, 1.f, 1e-6);
    }
  }
}

void add_gaussian_cases(CaseMaker& m) {
  for (auto [count, seed, offset] : {std::tuple{int64_t{1}, uint64_t{0}, uint64_t{0}},
                                     std::tuple{int64_t{7}, uint64_t{42}, uint64_t{3}},
                                     std::tuple{int64_t{1000}, uint64_t{1} << 40, uint64_t{5}},
                                     std::tuple{int64_t{4}, uint64_t{9}, uint64_t{4}},
                                     std::tuple{int64_t{2}, uint64_t{9}, uint64_t{1}},
                                     std::tuple{int64_t{600}, uint64_t{9}, uint64_t{2}}}) {
    GaussianArgs g;
    g.d = {count, seed, offset};
    m.add(g, {}, 0, 0, 0.0);  // counter-based: the same numbers everywhere, exactly
  }
}

// FAN's masks on heatmaps u^64 (u uniform): about 3% of each plane at or above the 0.1
// threshold, densest just around it, so that mask sums fall on both sides of the clamp at
// 1. Values exactly at 0.1f (kept) and just below (dropped), a plane wholly below the
// threshold (normalized to 0) and one wholly above it (its min stays); the statistics are
// each plane's true max and min, as the Reduce nodes before this op give them.
void add_landmark_mask_cases(CaseMaker& m) {
  for (auto [n, h, w, mask] : {std::tuple{2, 17, 13, 0}, std::tuple{2, 17, 13, 1}, std::tuple{1, 5, 3, 0},
                               std::tuple{1, 256, 8, 0}, std::tuple{1, 256, 8, 1}}) {
    LandmarkMaskArgs a;
    a.d = {n, h, w, mask};
    m.add(a, {}, 0.f, 1.f);
    std::vector<std::vector<float>>& in = m.cases.back().inputs;
    const size_t hw = static_cast<size_t>(h) * w;
    for (float& v : in[0]) v = std::pow(v, 64.f);
    in[0][hw * 51] = 0.1f;                                   // nose tip: kept
    in[0][hw * 51 + 1] = std::nextafter(0.1f, 0.f);          // dropped
    for (size_t i = 0; i < hw; ++i) in[0][hw * 60 + i] *= 0.099f;  // an eye below it all
    for (size_t i = 0; i < hw; ++i) in[0][hw * 9 + i] = 0.2f + 0.8f * in[0][hw * 9 + i];  // chin above
    for (size_t p = 0; p < in[1].size(); ++p) {
      const auto plane = in[0].begin() + static_cast<std::ptrdiff_t>(p * hw);
      const auto [lo, hi] = std::minmax_element(plane, plane + static_cast<std::ptrdiff_t>(hw));
      in[1][p] = *hi, in[2][p] = *lo;
    }
  }
}

// Parallel WaveGAN's gate (../shared/reference-models.md §3.3).
void add_gated_activation_cases(CaseMaker& m) {
  for (auto [n, c, t] : {std::tuple{2, 3, 17}, std::tuple{1, 1, 1}, std::tuple{3, 5, 33},
                         std::tuple{1, 64, 1000}}) {
    GatedActivationArgs a;
    a.d = {n, c, t};
    m.add(a, {}, -4.f, 4.f);  // both tails of tanh and sigmoid
  }
  GatedActivationArgs saturating;  // far into both tails, past where exp overflows a float
  saturating.d = {1, 4, 500};
  m.add(saturating, {}, -120.f, 120.f);
  // b at a lower rate, upsampled in the gate: Parallel WaveGAN's last stages (5 and 3), a
  // plane longer than the cpu's pieces, one input of b, and the largest scale.
  for (auto [n, c, t, s] : {std::tuple{1, 64, 5 * 300, 5}, std::tuple{2, 3, 3 * 17, 3}, std::tuple{1, 2, 5, 5},
                            std::tuple{1, 1, 64 * 3, 64}}) {
    GatedActivationArgs a;
    a.d = {n, c, t, s};
    m.add(a, {false, false, true}, -2.f, 2.f);
  }
}

void add_replication_pad_cases(CaseMaker& m) {
  for (auto [planes, w, left, right] : {std::tuple{80, 17, 2, 2}, std::tuple{3, 1, 2, 2},
                                        std::tuple{2, 5, 0, 3}, std::tuple{1, 3, 4, 0},
                                        std::tuple{2, 1000, 2, 2}}) {
    ReplicationPadArgs a;
    a.d = {planes, w, left, right};
    m.add(a);
  }
}

void add_transpose_cases(CaseMaker& m) {
  for (auto [planes, h, w] : {std::tuple{1, 80, 192}, std::tuple{3, 17, 5}, std::tuple{1, 1, 1},
                              std::tuple{2, 1, 33}, std::tuple{2, 33, 1}, std::tuple{2, 64, 65}}) {
    TransposeArgs a;
    a.d = {planes, h, w};
    m.add(a);
  }
}

// The vocoders' step graphs: a kept context and the new columns, the mask cutting the
// start, the end, both or everything; a slice (a absent); a context alone; VCTK's widest.
void add_time_window_cases(CaseMaker& m) {
  constexpr int64_t kOpen = INT64_MAX;
  struct Case {
    int planes, a_w, a0, wa, b_w, b0, wb;
    int64_t time0, end;
  };
  for (const Case& c : {Case{3, 5, 0, 5, 7, 0, 7, -3, kOpen}, Case{2, 6, 2, 4, 10, 3, 5, 10, 16},
                        Case{1, 4, 0, 4, 3, 0, 3, -2, 3}, Case{4, 0, 0, 0, 20, 4, 12, 0, kOpen},
                        Case{3, 9, 1, 8, 5, 0, 0, 7, kOpen}, Case{2, 3, 0, 3, 4, 0, 4, -100, kOpen},
                        Case{2, 3, 0, 3, 4, 0, 4, 5, 2}, Case{128, 2048, 300, 1748, 300, 0, 300, -1000, 1500}}) {
    TimeWindowArgs a;
    a.d = {c.planes, c.a_w, c.a0, c.wa, c.b_w, c.b0, c.wb, c.time0, c.end};
    m.add(a, {c.wa > 0, true});
  }
}

// The two front ends on noise, with their real windows, twiddles and filterbanks.
// StarGANv2-VC's: the shortest signal reflect padding allows (1025), one whose end falls
// mid-frame, a batch, and a quiet signal whose quietest bands sit near the log's 1e-5 floor.
void add_mel_spectrogram_cases(CaseMaker& m) {
  for (auto [n, length, scale] : {std::tuple{1, 1025, 1.f}, std::tuple{2, 3001, 1.f}, std::tuple{3, 1500, 1.f},
                                  std::tuple{1, 2400, 1e-4f}}) {
    MelSpectrogramArgs a;
    a.d.n = n, a.d.length = length;
    m.add(a);
    std::vector<std::vector<float>>& in = m.cases.back().inputs;
    for (float& v : in[0]) v *= scale;
    MelTables t = mel_tables(a.d, 16000, 0, 8000);
    in[1] = std::move(t.window), in[2] = std::move(t.twiddles), in[3] = std::move(t.fb);
  }
  // HiFi-GAN's (jik876 meldataset.py) at 22.05 kHz: uncentred frames, the magnitude, the
  // Slaney filterbank; the shortest signal its padding of 384 allows, and a batch.
  for (auto [n, length, scale] : {std::tuple{1, 385, 1.f}, std::tuple{2, 2000, 1.f}, std::tuple{1, 3000, 1e-3f}}) {
    MelSpectrogramArgs a;
    a.d.n = n, a.d.length = length;
    a.d.n_fft = a.d.win_length = 1024, a.d.hop = 256, a.d.padding = (1024 - 256) / 2;
    a.d.spectrum = MelSpectrum::kMagnitude, a.d.log = MelLog::kClampedLn;
    m.add(a);
    std::vector<std::vector<float>>& in = m.cases.back().inputs;
    for (float& v : in[0]) v *= scale;
    MelTables t = mel_tables(a.d, 22050, 0, 8000, MelScale::kSlaney);
    in[1] = std::move(t.window), in[2] = std::move(t.twiddles), in[3] = std::move(t.fb);
  }
}

}  // namespace

std::vector<OpCase> op_cases(uint64_t seed) {
  CaseMaker m(seed);
  add_conv2d_cases(m);
  add_conv_transpose1d_cases(m);
  add_instance_norm_cases(m);
  add_channel_affine_cases(m);
  add_elementwise_cases(m);
  add_reduce_cases(m);
  add_pooling_cases(m);
  add_upsample_nearest_cases(m);
  add_upsample_fir_cases(m);
  add_resize_bilinear_cases(m);
  add_depthwise3x3_cases(m);
  add_linear_cases(m);
  add_conv_mma_cases(m);
  add_gaussian_cases(m);
  add_landmark_mask_cases(m);
  add_gated_activation_cases(m);
  add_replication_pad_cases(m);
  add_transpose_cases(m);
  add_mel_spectrogram_cases(m);
  add_time_window_cases(m);
  return std::move(m.cases);
}

BoundOp::BoundOp(OpArgs op, const std::vector<std::vector<float>>& inputs, Backend& backend, bool in_place)
    : op_(std::move(op)), backend_(backend) {
  const OpTraits t = traits_of(op_);
  output_ = DeviceBuffer(backend, static_cast<size_t>(t.output.numel()) * sizeof(float));
  std::vector<const float*> ptrs;
  std::vector<bool> bound;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<float>& in = inputs[i];
    bound.push_back(!in.empty());
    if (in.empty()) {
      ptrs.push_back(nullptr);
      continue;
    }
    const bool into_output = in_place && static_cast<int>(i) == t.in_place_input && in.size() * sizeof(float) == output_.bytes();
    if (!into_output) inputs_.emplace_back(backend, in.size() * sizeof(float));
    DeviceBuffer& buffer = into_output ? output_ : inputs_.back();
    backend.upload(buffer.get(), in.data(), in.size() * sizeof(float));
    ptrs.push_back(buffer.f32());
  }
  bind_op(op_, ptrs, output_.f32());  // checks the inputs against the op first
  flops_ = t.flops;
  bytes_ = compulsory_bytes(t, bound);
}

void BoundOp::poison_output() { backend_.fill_bytes(output_.get(), 0xFF, output_.bytes()); }

double BoundOp::timed_run_ms() {
  auto timer = backend_.make_timer();
  timer->start();
  run();
  timer->stop();
  return timer->elapsed_ms();
}

std::vector<float> BoundOp::output() {
  std::vector<float> out(output_.bytes() / sizeof(float));
  backend_.download(out.data(), output_.get(), output_.bytes());
  return out;
}

OpRun run_case(const OpCase& c, Backend& backend) {
  BoundOp op(c.op, c.inputs, backend);
  op.poison_output();
  OpRun r;
  r.ms = op.timed_run_ms();
  r.output = op.output();
  return r;
}

bool has_in_place_input(const OpCase& c) {
  const int slot = traits_of(c.op).in_place_input;
  return slot >= 0 && static_cast<size_t>(slot) < c.inputs.size() && !c.inputs[static_cast<size_t>(slot)].empty();
}

OpRun run_case_in_place(const OpCase& c, Backend& backend) {
  if (!has_in_place_input(c)) throw std::invalid_argument(describe(c.op) + ": no in-place input bound");
  BoundOp op(c.op, c.inputs, backend, /*in_place=*/true);  // not poisoned: the output holds the input
  OpRun r;
  r.ms = op.timed_run_ms();
  r.output = op.output();
  return r;
}

double relative_l2(const std::vector<float>& got, const std::vector<float>& want) {
  if (got.size() != want.size()) return std::numeric_limits<double>::infinity();
  double err = 0, ref = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double d = static_cast<double>(got[i]) - want[i];
    err += d * d;
    ref += static_cast<double>(want[i]) * want[i];
  }
  if (std::isnan(err)) return err;
  if (ref == 0) return err == 0 ? 0 : std::numeric_limits<double>::infinity();
  return std::sqrt(err / ref);
}

double max_abs_diff(const std::vector<float>& got, const std::vector<float>& want) {
  if (got.size() != want.size()) return std::numeric_limits<double>::infinity();
  double m = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (std::isnan(d)) return d;
    m = std::max(m, d);
  }
  return m;
}

}  // namespace xfv
