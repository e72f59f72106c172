// The cpu conv's Winograd path against its im2col path (which CpuVsFloat64 holds to float64):
// at the generator's sizes with realistically scaled data, and over the awkward small
// shapes where the tiles hang over the edges. The 1-D dilated Winograd schemes against a
// float64 direct conv at the vocoders' shapes, and the bits of a window of the signal
// against the whole run's.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "engine/cpu/conv2d_winograd.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/gemm.h"
#include "engine/opcheck.h"
#include "engine/tasks/vocoder_chunks.h"
#include "tests/reference64.h"

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

// A vocoder's 1-D conv: "same" padding, dilation d, leaky ReLU 0.1 on the input.
Conv2dDesc vocoder_conv(int channels, int w, int kernel, int dilation) {
  Conv2dDesc d{1, channels, 1, w, channels, 1, kernel};
  d.dil_w = dilation, d.pad_w = (kernel - 1) / 2 * dilation, d.input_slope = 0.1f;
  return d;
}

std::vector<float> run_conv(Conv& c) {
  std::vector<float> y(static_cast<size_t>(c.args.d.n) * c.args.d.cout * c.args.d.out_w(), NAN);
  c.args.y = y.data();
  cpu::run(c.args);
  return y;
}

// Each scheme, through cpu::run as the vocoders reach it, against float64 at a vocoder's
// width; the figures go to docs/kernels.md.
TEST(CpuConvWinograd1d, SchemesMatchFloat64) {
  const struct {
    int kernel, dilation, m;
  } cases[] = {{3, 1, 4}, {3, 3, 4}, {3, 5, 4},  {5, 1, 4},  {5, 2, 3},  {5, 64, 3},
               {7, 1, 4}, {7, 3, 4}, {7, 5, 4}, {11, 1, 4}, {11, 3, 4}, {11, 5, 4}};
  uint64_t seed = 40;
  for (const auto& k : cases)
    for (int channels : {32, 256}) {
      Conv2dDesc d = vocoder_conv(channels, 301, k.kernel, k.dilation);
      d.alpha = 0.5f, d.beta = 1.f;  // a resblock's sum with its input
      const cpu::Winograd1dScheme s = cpu::winograd1d_scheme(d);
      ASSERT_EQ(s.m, k.m) << "k" << k.kernel << " d" << k.dilation;
      Conv c = make_conv(d, true, k.dilation % 2 == 1, seed++);
      const std::vector<float> got = run_conv(c);
      const std::vector<double> want = reference64(c.args, {c.x, c.w, c.bias, c.residual});
      double num = 0, den = 0;
      for (size_t i = 0; i < got.size(); ++i) num += (got[i] - want[i]) * (got[i] - want[i]), den += want[i] * want[i];
      const double err = std::sqrt(num / den);
      const std::string name = cpu::winograd1d_name(s);
      std::printf("kernel %d, %s, dilation %d, %d channels: relative L2 %.2e vs float64\n", k.kernel, name.c_str(),
                  k.dilation, channels, err);
      EXPECT_LE(err, 5e-6) << name << " k" << k.kernel << " d" << k.dilation << " c" << channels;
    }
}

TEST(CpuConvWinograd1d, SchemesByKernelAndDilationOnly) {
  for (int w : {1, 7, 100000}) {
    EXPECT_EQ(cpu::winograd1d_scheme(vocoder_conv(64, w, 3, 5)).m, 4);
    EXPECT_EQ(cpu::winograd1d_scheme(vocoder_conv(64, w, 7, 1)).groups, 2);
    EXPECT_EQ(cpu::winograd1d_scheme(vocoder_conv(64, w, 11, 5)).groups, 3);
    EXPECT_EQ(cpu::winograd1d_scheme(vocoder_conv(64, w, 5, 512)).m, 3);
  }
  // The vocoder windows' alignment and context cover every scheme's tile (vocoder_chunks.h).
  for (int kernel : {3, 5, 7, 11})
    for (int dilation = 1; dilation <= 64; ++dilation)
      if (const auto scheme = cpu::winograd1d_scheme(vocoder_conv(64, 500, kernel, dilation))) {
        EXPECT_EQ(kWindowAlignFrames % scheme.m, 0) << "k" << kernel << " d" << dilation;
        EXPECT_LE(scheme.overhang, kTileOverhang) << "k" << kernel << " d" << dilation;
      }
  EXPECT_FALSE(cpu::winograd1d_scheme(vocoder_conv(64, 500, 11, 2)));  // no odd m for kernel 11
  EXPECT_FALSE(cpu::winograd1d_scheme(vocoder_conv(64, 500, 3, 2)));   // no odd m for kernel 3
  EXPECT_FALSE(cpu::winograd1d_scheme(vocoder_conv(4, 500, 3, 1)));    // too few channels
}

// A window that starts at a multiple of the tile's m (a frame boundary for the vocoders)
// gives each output the whole run's tile and place in it, wherever the window's zero padding
// reaches none of the tile's inputs (a tile reads (m - 1) d past one output's receptive
// field); the GEMMs give a column the same bits wherever it sits (CpuGemm below), so a
// window's outputs are the whole run's bits. Kernels 7 and 11 run in groups of 4 taps, the
// last zero-padded, whose input still enters the rounding (kTileOverhang).
TEST(CpuConvWinograd1d, WindowsAtFrameBoundariesGiveTheWholeRun) {
  const struct {
    int kernel, dilation, start;
  } cases[] = {{3, 3, 64},  {3, 5, 8 * 37}, {7, 1, 256},  {7, 5, 8 * 3}, {5, 1, 300},
               {5, 8, 600}, {5, 32, 300},   {11, 1, 256}, {11, 5, 8 * 3}};
  uint64_t seed = 70;
  for (const auto& k : cases) {
    const int width = 1500, window = 700, channels = 48;
    Conv whole = make_conv(vocoder_conv(channels, width, k.kernel, k.dilation), true, false, seed++);
    const std::vector<float> all = run_conv(whole);
    Conv part = whole;
    part.args.d.w = window;
    part.x.clear();
    for (int ci = 0; ci < channels; ++ci)
      part.x.insert(part.x.end(), whole.x.begin() + ci * width + k.start,
                    whole.x.begin() + ci * width + k.start + window);
    part.args.x = part.x.data(), part.args.w = part.w.data(), part.args.bias = part.bias.data();
    const std::vector<float> some = run_conv(part);
    const int halo = ((k.kernel - 1) / 2 + kTileOverhang) * k.dilation;
    std::vector<float> got, want;
    for (int co = 0; co < channels; ++co)
      for (int o = halo; o < window - halo; ++o) {
        got.push_back(some[static_cast<size_t>(co) * window + o]);
        want.push_back(all[static_cast<size_t>(co) * width + k.start + o]);
      }
    EXPECT_EQ(got, want) << "k" << k.kernel << " d" << k.dilation;
  }
}

// Every column of C computed by calls of other widths, at other places in the call, equals
// the whole call's bits: what makes windows and streams exact. Both layouts of B, sizes past
// the micro-kernel's tiles and its edges.
TEST(CpuGemm, AColumnHasTheSameBitsWhereverItSitsInACall) {
  std::mt19937_64 rng(91);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (const bool transposed : {false, true})
    for (const auto& [m, k] : {std::pair{37, 300}, std::pair{256, 768}, std::pair{8, 7}, std::pair{128, 64}}) {
      const int n = 700;  // past 512 columns: a call in blocks of 512 beside narrower ones (and BLIS's threaded calls)
      std::vector<float> a(static_cast<size_t>(m) * k), b(static_cast<size_t>(k) * n), whole(static_cast<size_t>(m) * n);
      for (float& v : a) v = u(rng);
      for (float& v : b) v = u(rng);
      for (float& v : whole) v = u(rng);  // accumulated into: C += A B
      const std::vector<float> c0 = whole;
      // B as (k x n), or transposed as (n x k).
      auto b_at = [&](int kk, int j) -> float& {
        return transposed ? b[static_cast<size_t>(j) * k + kk] : b[static_cast<size_t>(kk) * n + j];
      };
      cpu::sgemm_accumulate(transposed, m, n, k, 1.5f, a.data(), k, b.data(), transposed ? k : n, whole.data(), n);
      for (int trial = 0; trial < 12; ++trial) {
        const int start = static_cast<int>(rng() % n), width = 1 + static_cast<int>(rng() % (n - start));
        std::vector<float> part_b(static_cast<size_t>(k) * width), part_c(static_cast<size_t>(m) * width);
        for (int kk = 0; kk < k; ++kk)
          for (int j = 0; j < width; ++j)
            (transposed ? part_b[static_cast<size_t>(j) * k + kk] : part_b[static_cast<size_t>(kk) * width + j]) =
                b_at(kk, start + j);
        for (int i = 0; i < m; ++i)
          for (int j = 0; j < width; ++j)
            part_c[static_cast<size_t>(i) * width + j] = c0[static_cast<size_t>(i) * n + start + j];
        cpu::sgemm_accumulate(transposed, m, width, k, 1.5f, a.data(), k, part_b.data(), transposed ? k : width,
                              part_c.data(), width);
        for (int i = 0; i < m; ++i)
          for (int j = 0; j < width; ++j)
            ASSERT_EQ(part_c[static_cast<size_t>(i) * width + j], whole[static_cast<size_t>(i) * n + start + j])
                << cpu::gemm_implementation() << (transposed ? " B transposed" : "") << " m " << m << " k " << k
                << ": column " << start + j << " in a call of " << width << " from " << start;
      }
    }
}

// A linear layer's row (engine/cpu/linear.cpp) as one column: y^T (n x 1) += W (n x k) x^T,
// B's and C's rows one float apart, on the packed path where it is small and on BLIS's
// threads where it is not; the bits of the dot products BLIS gives with B transposed.
TEST(CpuGemm, AGemvAsOneColumnGivesTheTransposedCallsBits) {
  std::mt19937_64 rng(92);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (const auto& [n, k] : {std::pair{64, 64}, std::pair{1280, 64}, std::pair{512, 512}, std::pair{37, 9},
                             std::pair{4096, 1100}}) {
    std::vector<float> w(static_cast<size_t>(n) * k), x(static_cast<size_t>(k)), y(static_cast<size_t>(n));
    for (float& v : w) v = u(rng);
    for (float& v : x) v = u(rng);
    for (float& v : y) v = u(rng);
    std::vector<float> want = y, got = y;
    cpu::sgemm_accumulate_unpacked(true, 1, n, k, 1.f, x.data(), k, w.data(), k, want.data(), n);
    cpu::sgemm_accumulate(false, n, 1, k, 1.f, w.data(), k, x.data(), 1, got.data(), 1);
    ASSERT_EQ(got, want) << cpu::gemm_implementation() << " n " << n << " k " << k;
  }
}

// A packed once (cpu::pack_a), any rows of it from a panel's start on, any width, depths
// past BLIS's blocks of k, alpha other than 1: sgemm_accumulate's bits, which the exact
// streams' Winograd convs rely on (their steps run the packed call, the whole run BLIS).
TEST(CpuGemm, APackedOnceGivesTheUnpackedCallsBits) {
  const int mr = cpu::packed_a_rows();
  if (mr == 0) GTEST_SKIP() << "no packed GEMM here (" << cpu::gemm_implementation() << ")";
  std::mt19937_64 rng(93);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (const auto& [rows, k, alpha] : {std::tuple{37, 300, 1.f}, std::tuple{256, 768, 1.f}, std::tuple{8, 7, 0.5f},
                                       std::tuple{128, 64, 1.f}, std::tuple{70, 1030, -1.25f}})
    for (const int n : {1, 5, 16, 17, 203}) {
      std::vector<float> a(static_cast<size_t>(rows) * k), b(static_cast<size_t>(k) * n), c(static_cast<size_t>(rows) * n);
      for (float& v : a) v = u(rng);
      for (float& v : b) v = u(rng);
      for (float& v : c) v = u(rng);
      std::vector<float> packed(cpu::packed_a_size(rows, k), NAN);
      cpu::pack_a(rows, k, a.data(), k, packed.data());
      const int row0 = rows > mr ? mr : 0, m = rows - row0 - (rows > 2 * mr ? 1 : 0);
      std::vector<float> want = c, got = c;
      cpu::sgemm_accumulate_unpacked(false, m, n, k, alpha, a.data() + static_cast<size_t>(row0) * k, k, b.data(), n,
                                     want.data() + static_cast<size_t>(row0) * n, n);
      cpu::sgemm_accumulate_packed(m, n, k, alpha, packed.data(), rows, row0, b.data(), n,
                                   got.data() + static_cast<size_t>(row0) * n, n);
      ASSERT_EQ(got, want) << "rows " << row0 << " to " << row0 + m << " of " << rows << ", k " << k << ", n " << n;
    }
}

// A stream's step (engine/models/stream_builder.h): a window starting anywhere, its output 0
// placed on the whole run's tile grid (origin_w) and d (m - 1) columns of halo each side
// (a negative padding), gives every output the whole run's tile and its inputs: the whole
// run's bits, the GEMM giving a column the same bits wherever it lies (CpuGemm above).
TEST(CpuConvWinograd1d, HalosOnTheWholeRunsGridGiveItsBitsAnywhere) {
  const struct {
    int kernel, dilation, start, count;
  } cases[] = {{3, 1, 5, 7},     {3, 5, 101, 33}, {7, 3, 77, 1}, {5, 1, 301, 300},
               {5, 8, 123, 45},  {5, 2, 9, 2},    {7, 1, 90, 5}, {11, 1, 200, 9},
               {11, 5, 333, 40}, {11, 3, 130, 1}};
  uint64_t seed = 90;
  for (const auto& k : cases) {
    const int width = 1200, channels = 16;
    Conv whole = make_conv(vocoder_conv(channels, width, k.kernel, k.dilation), true, false, seed++);
    const std::vector<float> all = run_conv(whole);
    const cpu::Winograd1dScheme scheme = cpu::winograd1d_scheme(whole.args.d);
    ASSERT_TRUE(scheme) << "k" << k.kernel << " d" << k.dilation;
    const int pad = whole.args.d.pad_w, halo = k.dilation * scheme.overhang, first = k.start - pad - halo;
    Conv part = whole;
    part.args.d.w = k.count + 2 * (pad + halo);
    part.args.d.pad_w = -halo;
    part.args.d.origin_w = k.start;
    ASSERT_TRUE(first >= 0 && first + part.args.d.w <= width) << "the window reaches outside the signal";
    part.x.clear();
    for (int ci = 0; ci < channels; ++ci)
      part.x.insert(part.x.end(), whole.x.begin() + ci * width + first, whole.x.begin() + ci * width + first + part.args.d.w);
    part.args.x = part.x.data(), part.args.w = part.w.data(), part.args.bias = part.bias.data();
    ASSERT_EQ(part.args.d.out_w(), k.count);
    const std::vector<float> got = run_conv(part);
    std::vector<float> want;
    for (int co = 0; co < channels; ++co)
      want.insert(want.end(), all.begin() + co * width + k.start, all.begin() + co * width + k.start + k.count);
    EXPECT_EQ(got, want) << "k" << k.kernel << " d" << k.dilation;
  }
}

}  // namespace
}  // namespace xfv
