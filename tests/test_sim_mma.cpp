// Tests of the tensor-core operations on sim (kernels/mma.cuh, kernels/sim/matrix.cpp): mma
// and ldmatrix against float64 products of the rounded operands, ldmatrix's per-lane layout
// register by register, cp.async's groups (kernels/async_copy.cuh), the bugs sim must catch,
// and the host rounding (kernels/precision.h) against an independent float64 rounding.
#define XFV_SIM
#include "sim_mma_kernels.cu"
#include "sim_test_util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "precision.h"

namespace xfv {
namespace sim {
namespace {

unsigned fresh_seed() { return std::random_device{}(); }

std::vector<float> uniform(std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// The problems of one launch: `count` products of a 16 x k tile A and a k x 8 tile B, plus a
// 16 x 8 tile C, each row-major and stored one problem after another.
struct Problems {
  int count, k;
  std::vector<float> a, b, c;
};

Problems random_problems(int count, int k, std::mt19937& rng) {
  return {count, k, uniform(std::size_t(count) * kTileM * k, rng),
          uniform(std::size_t(count) * k * kTileN, rng),
          uniform(std::size_t(count) * kTileM * kTileN, rng)};
}

// The largest |d - ref| / tolerance over all elements, ref = C + A B in float64 over the
// operands rounded at `precision`; the tolerance bounds fp32 accumulation in any order,
// 2 (k + 1) 2^-24 (|c| + sum |a b|), while a misplaced operand moves an element by about |a b|.
double worst_error(const Problems& p, const std::vector<float>& d, Precision precision) {
  double worst = 0;
  for (int q = 0; q < p.count; ++q)
    for (int m = 0; m < kTileM; ++m)
      for (int n = 0; n < kTileN; ++n) {
        const std::size_t at = (std::size_t(q) * kTileM + m) * kTileN + n;
        double ref = p.c[at], magnitude = std::fabs(p.c[at]);
        for (int k = 0; k < p.k; ++k) {
          const float a = p.a[(std::size_t(q) * kTileM + m) * p.k + k];
          const float b = p.b[(std::size_t(q) * p.k + k) * kTileN + n];
          const double prod =
              double(round_operand(precision, a)) * round_operand(precision, b);
          ref += prod;
          magnitude += std::fabs(prod);
        }
        const double tolerance = 2.0 * (p.k + 1) * 0x1p-24 * magnitude;
        const double error = std::fabs(d[at] - ref) / tolerance;
        if (!(error <= worst)) worst = error;  // NaN (an element never written) wins
      }
  return worst;
}

using MmaKernel = void (*)(const float*, const float*, const float*, float*);

// Runs `kernel` on `p`, one problem per warp, as many warps per block (up to 4) as divide
// the count, and returns D.
std::vector<float> run_mma(MmaKernel kernel, const Problems& p) {
  DeviceArray<float> a(p.a), b(p.b), c(p.c);
  auto d = DeviceArray<float>::poisoned(p.c.size());
  const int warps_per_block = p.count % 4 == 0 ? 4 : p.count % 2 == 0 ? 2 : 1;
  XFV_LAUNCH(kernel, p.count / warps_per_block, 32 * warps_per_block, 0, nullptr, a.get(),
             b.get(), c.get(), d.get());
  return d.download();
}

// ---- mma --------------------------------------------------------------------------------

TEST(SimMma, Tf32MatchesFloat64OfRoundedOperands) {
  const unsigned seed = fresh_seed();
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  const Problems p = random_problems(8, 8, rng);  // two blocks of four warps
  const std::vector<float> d = run_mma(mma_tf32_kernel<Plant::None>, p);
  EXPECT_LE(worst_error(p, d, Precision::Tf32), 1.0);
  // TF32 rounding is visible: unrounded fp32 operands give another product.
  EXPECT_GT(worst_error(p, d, Precision::Fp32), 1.0);
}

TEST(SimMma, Bf16AndFp16MatchFloat64OfRoundedOperands) {
  const unsigned seed = fresh_seed();
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  const Problems p = random_problems(6, 16, rng);
  EXPECT_LE(worst_error(p, run_mma(mma_half_kernel<Half::Bf16>, p), Precision::Bf16), 1.0);
  EXPECT_LE(worst_error(p, run_mma(mma_half_kernel<Half::F16>, p), Precision::Fp16), 1.0);
  // Each precision's rounding is its own: bf16's result is not fp16's.
  EXPECT_GT(worst_error(p, run_mma(mma_half_kernel<Half::Bf16>, p), Precision::Fp16), 1.0);
}

TEST(SimMma, LdmatrixFragmentsFeedMma) {
  const unsigned seed = fresh_seed();
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  Problems p = random_problems(3, 16, rng);
  std::vector<std::uint16_t> a16, b16;
  for (float& x : p.a) a16.push_back(bf16_bits(x));
  for (float& x : p.b) b16.push_back(bf16_bits(x));
  DeviceArray<std::uint16_t> a(a16), b(b16);
  DeviceArray<float> c(p.c);
  auto d = DeviceArray<float>::poisoned(p.c.size());
  const std::size_t smem = (16 * 16 + 16 * 8) * sizeof(std::uint16_t);
  XFV_LAUNCH(ldmatrix_mma_kernel, p.count, 32, smem, nullptr, a.get(), b.get(), c.get(), d.get());
  EXPECT_LE(worst_error(p, d.download(), Precision::Bf16), 1.0);
}

TEST(SimMma, TimingOfAChainOfMma) {
  // Small integers keep every sum exact: D = steps A B.
  std::uniform_int_distribution<int> dist(-2, 2);
  std::mt19937 rng(fresh_seed());
  std::vector<float> a(16 * 16), b(16 * 8);
  for (float& x : a) x = static_cast<float>(dist(rng));
  for (float& x : b) x = static_cast<float>(dist(rng));
  DeviceArray<float> d_a(a), d_b(b);
  auto d = DeviceArray<float>::poisoned(16 * 8);
  constexpr int kSteps = 2000;
  const auto t0 = std::chrono::steady_clock::now();
  XFV_LAUNCH(mma_chain_kernel, 1, 32, 0, nullptr, d_a.get(), d_b.get(), d.get(), kSteps);
  const auto t1 = std::chrono::steady_clock::now();
  const std::vector<float> got = d.download();
  for (int m = 0; m < 16; ++m)
    for (int n = 0; n < 8; ++n) {
      float ab = 0;
      for (int k = 0; k < 16; ++k) ab += a[m * 16 + k] * b[k * 8 + n];
      ASSERT_EQ(got[m * 8 + n], kSteps * ab) << m << "," << n;
    }
  const double us = std::chrono::duration<double, std::micro>(t1 - t0).count();
  std::printf("sim timing: %d chained m16n8k16 bf16 mma on one warp: %.1f ms (%.2f us per mma)\n",
              kSteps, us * 1e-3, us / kSteps);
}

// ---- ldmatrix, register by register -------------------------------------------------------

template <int N, bool Trans>
void check_ldmatrix_layout() {
  std::vector<std::uint16_t> in(N * 64);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint16_t>(1000 + i);
  DeviceArray<std::uint16_t> d_in(in);
  auto out = DeviceArray<std::uint32_t>::poisoned(32 * N);
  XFV_LAUNCH((ldmatrix_layout_kernel<N, Trans>), 1, 32, 0, nullptr, d_in.get(), out.get());
  const std::vector<std::uint32_t> got = out.download();
  // PTX ISA, ldmatrix: lane l holds row l / 4, columns 2 (l % 4) and the next of matrix j in
  // register j, lower column in the low half; .trans swaps row and column.
  auto element = [&](int j, int row, int col) -> std::uint32_t {
    return Trans ? in[j * 64 + col * 8 + row] : in[j * 64 + row * 8 + col];
  };
  for (int lane = 0; lane < 32; ++lane)
    for (int j = 0; j < N; ++j) {
      const int row = lane / 4, col = 2 * (lane % 4);
      const std::uint32_t want = element(j, row, col) | element(j, row, col + 1) << 16;
      EXPECT_EQ(got[lane * N + j], want) << "x" << N << (Trans ? ".trans" : "") << ", lane "
                                         << lane << ", register " << j;
    }
}

TEST(SimMma, LdmatrixLayoutPerLane) {
  check_ldmatrix_layout<1, false>();
  check_ldmatrix_layout<2, false>();
  check_ldmatrix_layout<4, false>();
  check_ldmatrix_layout<1, true>();
  check_ldmatrix_layout<2, true>();
  check_ldmatrix_layout<4, true>();
}

// ---- planted bugs -------------------------------------------------------------------------

TEST(SimMmaCatches, FragmentLoadedByAWrongLayout) {
  const unsigned seed = fresh_seed();
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  const Problems p = random_problems(4, 8, rng);
  // B's fragment with row and column exchanged: the layout bug fails the comparison by far.
  EXPECT_GT(worst_error(p, run_mma(mma_tf32_kernel<Plant::TransposedB>, p), Precision::Tf32), 1e3);
}

TEST(SimMmaCatches, MmaWithALaneThatHasExited) {
  auto d = DeviceArray<float>::poisoned(32);
  const std::string e = launch_error(
      [&] { XFV_LAUNCH(mma_lane_exits_kernel, 1, 32, 0, nullptr, d.get()); });
  expect_mentions(e, {"mma_lane_exits_kernel", "mma.sync.aligned.m16n8k8.row.col.f32.tf32",
                      "sim_mma_kernels.cu", "lane 5", "has exited"});
}

TEST(SimMmaCatches, MmaInAWarpThatIsNotWhole) {
  std::mt19937 rng(fresh_seed());
  const Problems p = random_problems(2, 8, rng);
  DeviceArray<float> a(p.a), b(p.b), c(p.c);
  auto d = DeviceArray<float>::poisoned(p.c.size());
  const std::string e = launch_error([&] {
    XFV_LAUNCH(mma_tf32_kernel<Plant::None>, 1, 48, 0, nullptr, a.get(), b.get(), c.get(),
               d.get());
  });
  expect_mentions(e, {"mma_tf32_kernel", "needs all 32 lanes", "warp 1", "has 16"});
}

TEST(SimMmaCatches, Tf32OperandThatWasNotRounded) {
  std::mt19937 rng(fresh_seed());
  const Problems p = random_problems(1, 8, rng);
  DeviceArray<float> a(p.a), b(p.b), c(p.c);
  auto d = DeviceArray<float>::poisoned(p.c.size());
  const std::string e = launch_error([&] {
    XFV_LAUNCH(mma_tf32_kernel<Plant::UnroundedTf32>, 1, 32, 0, nullptr, a.get(), b.get(),
               c.get(), d.get());
  });
  expect_mentions(e, {"mma_tf32_kernel", "is not a TF32 value", "to_tf32"});
}

TEST(SimMmaCatches, LdmatrixRowOutOfSharedBounds) {
  auto out = DeviceArray<std::uint32_t>::poisoned(32);
  const std::string e = launch_error([&] {
    XFV_LAUNCH(ldmatrix_out_of_bounds_kernel, 1, 32, 64 * sizeof(std::uint16_t), nullptr,
               out.get());
  });
  expect_mentions(e, {"ldmatrix_out_of_bounds_kernel", "dynamic shared memory", "index 64",
                      "[0, 64)", "thread (7,0,0)"});
}

TEST(SimMmaCatches, LdmatrixRowNotAligned) {
  auto out = DeviceArray<std::uint32_t>::poisoned(32);
  const std::string e = launch_error([&] {
    XFV_LAUNCH(ldmatrix_misaligned_kernel, 1, 32, 72 * sizeof(std::uint16_t), nullptr,
               out.get());
  });
  expect_mentions(e, {"ldmatrix_misaligned_kernel", "ldmatrix.sync.aligned.m8n8.x1",
                      "lane 3", "not 16-byte aligned", "thread (3,0,0)"});
}

// ---- cp.async ------------------------------------------------------------------------------

// Runs async_copy_kernel<Wait> on fresh data; returns its input and output.
template <int Wait>
std::pair<std::vector<float>, std::vector<float>> run_async_copy(int last_bytes) {
  std::mt19937 rng(fresh_seed());
  const std::vector<float> in = uniform(2 * kCopyHalf, rng);
  DeviceArray<float> d_in(in);
  auto out = DeviceArray<float>::poisoned(in.size());
  XFV_LAUNCH(async_copy_kernel<Wait>, 1, kCopyThreads, in.size() * sizeof(float), nullptr,
             d_in.get(), out.get(), last_bytes);
  return {in, out.download()};
}

// What async_copy_kernel writes at i once every copy has landed: the neighbour's staged float.
float staged_neighbour(const std::vector<float>& in, int i, int last_bytes) {
  const int h = i / kCopyHalf * kCopyHalf, k = h + (i % kCopyHalf + 4) % kCopyHalf;
  const int zero_from = kCopyHalf - 4 + last_bytes / 4;  // the last thread's first copy
  return k >= zero_from && k < kCopyHalf ? 0.0f : in[k];
}

TEST(SimAsyncCopy, WaitedGroupsLandAndTheRestReadsNaN) {
  {  // every group waited for; the last copy of the first half takes 8 bytes, zero-fills 8
    const auto [in, out] = run_async_copy<0>(8);
    for (int i = 0; i < 2 * kCopyHalf; ++i)
      ASSERT_EQ(out[i], staged_neighbour(in, i, 8)) << "element " << i;
  }
  {  // all but the most recent group: the second half is still in flight
    const auto [in, out] = run_async_copy<1>(16);
    for (int i = 0; i < kCopyHalf; ++i)
      ASSERT_EQ(out[i], staged_neighbour(in, i, 16)) << "element " << i;
    for (int i = kCopyHalf; i < 2 * kCopyHalf; ++i) ASSERT_TRUE(std::isnan(out[i])) << i;
  }
}

TEST(SimAsyncCopyCatches, ReadBeforeItsWait) {
  const auto [in, out] = run_async_copy<kNoWait>(16);
  for (std::size_t i = 0; i < out.size(); ++i) ASSERT_TRUE(std::isnan(out[i])) << i;
}

TEST(SimAsyncCopyCatches, CopyPastTheSharedArray) {
  std::mt19937 rng(fresh_seed());
  DeviceArray<float> in(uniform(64, rng));
  const std::string e = launch_error([&] {
    XFV_LAUNCH(async_copy_out_of_bounds_kernel, 1, 16, 64 * sizeof(float), nullptr, in.get());
  });
  expect_mentions(e, {"async_copy_out_of_bounds_kernel", "dynamic shared memory", "index 64",
                      "[0, 64)", "thread (15,0,0)"});
}

// ---- host rounding (kernels/precision.h) against float64 ------------------------------------

// x rounded to `bits` significant bits at its own exponent, but never finer than `quantum`
// (the format's subnormal spacing): ties away from zero or to even, overflow past `max` to
// infinity. All in float64, where every step here is exact.
float reference_round(float x, int bits, double quantum, double max, bool ties_away) {
  if (std::isnan(x) || std::isinf(x) || x == 0) return x;
  int exponent;
  std::frexp(static_cast<double>(x), &exponent);
  const double step = std::fmax(std::ldexp(1.0, exponent - bits), quantum);
  const double scaled = static_cast<double>(x) / step;
  const double r = (ties_away ? std::round(scaled) : std::nearbyint(scaled)) * step;
  if (std::fabs(r) > max) return std::copysign(std::numeric_limits<float>::infinity(), x);
  return static_cast<float>(r);
}

// Random fp32 bit patterns over every exponent, half of them exact ties for the format that
// keeps `kept` of the 23 mantissa bits.
std::vector<float> rounding_inputs(int kept, std::mt19937& rng) {
  std::vector<float> v = {0.0f, -0.0f, 1.0f, 65504.0f, 65520.0f, 65519.99f, 0x1p-24f, 0x1p-25f,
                          0x1.8p-25f, 0x1p-149f, 3.4028235e38f, -3.4028235e38f};
  const std::uint32_t dropped = (1u << (23 - kept)) - 1;
  for (int i = 0; i < 200000; ++i) {
    std::uint32_t u = static_cast<std::uint32_t>(rng());
    if (i % 2) u = (u & ~dropped) | (1u << (22 - kept));
    const float x = bits_float(u);
    if (!std::isnan(x)) v.push_back(x);
  }
  return v;
}

TEST(Precision, HostRoundingMatchesFloat64) {
  const unsigned seed = fresh_seed();
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  const double flt_max = std::numeric_limits<float>::max();
  for (float x : rounding_inputs(10, rng)) {
    const float want = reference_round(x, 11, 0x1p-136, flt_max, true);
    ASSERT_EQ(float_bits(round_tf32(x)), float_bits(want)) << "tf32 of " << x;
    ASSERT_TRUE(is_tf32(tf32_bits(x)));
  }
  const double bf16_max = 0x1.fep127;
  for (float x : rounding_inputs(7, rng)) {
    const float want = reference_round(x, 8, 0x1p-133, bf16_max, false);
    ASSERT_EQ(float_bits(round_bf16(x)), float_bits(want)) << "bf16 of " << x;
  }
  for (float x : rounding_inputs(10, rng)) {
    const float want = reference_round(x, 11, 0x1p-24, 65504.0, false);
    ASSERT_EQ(float_bits(round_f16(x)), float_bits(want)) << "fp16 of " << x;
  }
  // Every binary16 pattern decodes to a value that encodes back to it (NaN aside).
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const float x = f16_value(static_cast<std::uint16_t>(h));
    if (!std::isnan(x)) {
      ASSERT_EQ(f16_bits(x), h) << std::hex << h;
    }
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(round_tf32(nan)) && std::isnan(round_bf16(nan)) &&
              std::isnan(round_f16(nan)));
  EXPECT_TRUE(std::isnan(round_tf32(bits_float(0x7f800001u))));  // a NaN with low bits only
}

}  // namespace
}  // namespace sim
}  // namespace xfv
