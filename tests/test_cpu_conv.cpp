// The cpu conv's Winograd path against its im2col path (which CpuVsFloat64 holds to float64):
// at the generator's sizes with realistically scaled data, and over the awkward small
// shapes where the tiles hang over the edges.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/cpu/conv2d_winograd.h"
#include "engine/opcheck.h"

namespace xfv {
namespace {

struct Conv {
  Conv2dArgs args;
  std::vector<float> x, w, bias, residual;
};

// Inputs uniform in [-1, 1], weights and bias as PyTorch's default init draws them.
Conv make_conv(Conv2dDesc d, bool bias, bool residual, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const float bound = 1.f / std::sqrt(static_cast<float>(d.cin * d.kh * d.kw));
  std::uniform_real_distribution<float> uw(-bound, bound);
  Conv c;
  c.args.d = d;
  c.x.resize(static_cast<size_t>(d.n) * d.cin * d.h * d.w);
  c.w.resize(static_cast<size_t>(d.cout) * d.cin * d.kh * d.kw);
  for (float& v : c.x) v = u(rng);
  for (float& v : c.w) v = uw(rng);
  c.args.x = c.x.data();
  c.args.w = c.w.data();
  if (bias) {
    c.bias.resize(static_cast<size_t>(d.cout));
    for (float& v : c.bias) v = uw(rng);
    c.args.bias = c.bias.data();
  }
  if (residual) {
    c.residual.resize(static_cast<size_t>(d.n) * d.cout * d.out_h() * d.out_w());
    for (float& v : c.residual) v = u(rng);
    c.args.residual = c.residual.data();
  }
  return c;
}

// Both paths on the same inputs; the relative L2 error of Winograd's F(m x m, 3 x 3) against
// im2col's.
double winograd_vs_im2col(Conv c, int m) {
  std::vector<float> want(static_cast<size_t>(c.args.d.n) * c.args.d.cout * c.args.d.out_h() *
                          c.args.d.out_w());
  std::vector<float> got(want.size(), NAN);
  c.args.y = want.data();
  cpu::conv2d_im2col(c.args);
  c.args.y = got.data();
  cpu::conv2d_winograd(c.args, m);
  return relative_l2(got, want);
}

Conv2dDesc conv3x3(int n, int cin, int h, int w, int cout, int pad_h, int pad_w) {
  Conv2dDesc d{n, cin, h, w, cout, 3, 3};
  d.pad_h = pad_h, d.pad_w = pad_w;
  return d;
}

TEST(CpuConvWinograd, MatchesIm2colAtGeneratorSizes) {
  const Conv2dDesc decode = conv3x3(1, 64, 64, 64, 64, 1, 1);
  const Conv2dDesc encode = conv3x3(1, 256, 32, 32, 512, 1, 1);
  const Conv2dDesc bottleneck = conv3x3(1, 512, 16, 16, 512, 1, 1);  // 2+ threads split cout
  EXPECT_EQ(cpu::winograd_tile(decode), 4);
  EXPECT_EQ(cpu::winograd_tile(encode), 2);
  EXPECT_EQ(cpu::winograd_tile(bottleneck), 2);
  Conv2dDesc fused = decode;  // a ResBlk's (shortcut + residual) / sqrt2
  fused.alpha = fused.beta = 1 / std::sqrt(2.f);
  for (int m : {2, 4}) {
    EXPECT_LE(winograd_vs_im2col(make_conv(decode, true, false, 1), m), 1e-5) << m;
    EXPECT_LE(winograd_vs_im2col(make_conv(encode, true, false, 2), m), 1e-5) << m;
    EXPECT_LE(winograd_vs_im2col(make_conv(fused, true, true, 3), m), 1e-5) << m;
  }
  EXPECT_LE(winograd_vs_im2col(make_conv(bottleneck, true, false, 4), 2), 1e-5);
}

TEST(CpuConvWinograd, MatchesIm2colOnAwkwardShapes) {
  uint64_t seed = 10;
  for (int pad_h : {0, 1, 2})
    for (int pad_w : {0, 1, 2})
      for (int h : {1, 2, 3, 5, 8})
        for (int w : {1, 4, 7, 13}) {
          Conv2dDesc d = conv3x3(2, 3, h, w, 5, pad_h, pad_w);
          if (d.out_h() < 1 || d.out_w() < 1) continue;
          d.alpha = 0.5f, d.beta = -1.5f;
          const bool bias = seed % 2 == 0, residual = seed % 3 == 0;
          ASSERT_TRUE(cpu::winograd_applies(d));
          for (int m : {2, 4})
            EXPECT_LE(winograd_vs_im2col(make_conv(d, bias, residual, seed), m), 1e-5)
                << "F" << m << " " << h << "x" << w << " pad " << pad_h << "," << pad_w;
          ++seed;
        }
}

TEST(CpuConvWinograd, AppliesOnlyToStride1Undilated3x3) {
  Conv2dDesc d = conv3x3(1, 16, 8, 8, 16, 1, 1);
  EXPECT_TRUE(cpu::winograd_applies(d));
  Conv2dDesc strided = d, dilated = d, wide = d;
  strided.stride_w = 2;
  dilated.dil_h = 2;
  wide.kw = 5;
  EXPECT_FALSE(cpu::winograd_applies(strided));
  EXPECT_FALSE(cpu::winograd_applies(dilated));
  EXPECT_FALSE(cpu::winograd_applies(wide));
}

}  // namespace
}  // namespace xfv
