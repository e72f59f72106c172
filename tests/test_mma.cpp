// The tensor-core operations (kernels/mma.cuh, kernels/async_copy.cuh) on every device backend
// built in, through the runs of tests/mma_check_kernels.cu (mma_checks.h): mma and ldmatrix
// against float64 products of the rounded operands, ldmatrix's per-lane layout register by
// register, cp.async's groups. On sim they check sim's model of the PTX ISA's layouts; on a
// GPU, that the model is the hardware's. Also the host rounding (kernels/precision.h) against
// an independent float64 rounding. sim's planted bugs that fail a launch are in
// test_sim_mma.cpp; those that give wrong numbers are here.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "kernels/precision.h"
#include "tests/mma_checks.h"

namespace xfv {
namespace {

unsigned fresh_seed() { return std::random_device{}(); }

std::vector<float> uniform(std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

MmaProblems random_problems(int count, int k, std::mt19937& rng) {
  return {count, k, uniform(std::size_t(count) * kMmaTileM * k, rng),
          uniform(std::size_t(count) * k * kMmaTileN, rng),
          uniform(std::size_t(count) * kMmaTileM * kMmaTileN, rng)};
}

// The largest |d - ref| / tolerance over all elements, ref = C + A B in float64 over the
// operands rounded at `precision`; the tolerance bounds fp32 accumulation in any order,
// 2 (k + 1) 2^-24 (|c| + sum |a b|), while a misplaced operand moves an element by about |a b|.
double mma_worst_error(const MmaProblems& p, const std::vector<float>& d, Precision precision) {
  double worst = 0;
  for (int q = 0; q < p.count; ++q)
    for (int m = 0; m < kMmaTileM; ++m)
      for (int n = 0; n < kMmaTileN; ++n) {
        const std::size_t at = (std::size_t(q) * kMmaTileM + m) * kMmaTileN + n;
        double ref = p.c[at], magnitude = std::fabs(p.c[at]);
        for (int k = 0; k < p.k; ++k) {
          const float a = p.a[(std::size_t(q) * kMmaTileM + m) * p.k + k];
          const float b = p.b[(std::size_t(q) * p.k + k) * kMmaTileN + n];
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

MmaProblems random_mma_problems(int count, int k, unsigned seed) {
  std::mt19937 rng(seed);
  return random_problems(count, k, rng);
}

// ---- every device backend ------------------------------------------------------------------

class MmaOnBackend : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why;
    if (!backend_available(GetParam(), &why)) GTEST_SKIP() << GetParam() << ": " << why;
#if defined(XFV_MMA_RUNS_SIM)
    if (GetParam() == "sim") runs_ = &sim::mma_runs();
#endif
#if defined(XFV_MMA_RUNS_CUDA)
    if (GetParam() == "cuda") runs_ = &cuda::mma_runs();
#endif
    ASSERT_NE(runs_, nullptr) << GetParam() << " has no build of mma_check_kernels.cu";
  }
  const MmaRuns& runs() const { return *runs_; }

 private:
  const MmaRuns* runs_ = nullptr;
};

TEST_P(MmaOnBackend, Tf32MatchesFloat64OfRoundedOperands) {
  const unsigned seed = fresh_seed();
  SCOPED_TRACE(seed);
  const MmaProblems p = random_mma_problems(8, 8, seed);  // two blocks of four warps
  const std::vector<float> d = runs().tf32(Plant::None, p);
  EXPECT_LE(mma_worst_error(p, d, Precision::Tf32), 1.0);
  // TF32 rounding is visible: unrounded fp32 operands give another product.
  EXPECT_GT(mma_worst_error(p, d, Precision::Fp32), 1.0);
}

TEST_P(MmaOnBackend, Bf16AndFp16MatchFloat64OfRoundedOperands) {
  const unsigned seed = fresh_seed();
  SCOPED_TRACE(seed);
  const MmaProblems p = random_mma_problems(6, 16, seed);
  const std::vector<float> bf16 = runs().k16(Precision::Bf16, p);
  EXPECT_LE(mma_worst_error(p, bf16, Precision::Bf16), 1.0);
  EXPECT_LE(mma_worst_error(p, runs().k16(Precision::Fp16, p), Precision::Fp16), 1.0);
  // Each precision's rounding is its own: bf16's result is not fp16's.
  EXPECT_GT(mma_worst_error(p, bf16, Precision::Fp16), 1.0);
}

TEST_P(MmaOnBackend, LdmatrixFragmentsFeedMma) {
  const unsigned seed = fresh_seed();
  SCOPED_TRACE(seed);
  const MmaProblems p = random_mma_problems(3, 16, seed);
  EXPECT_LE(mma_worst_error(p, runs().ldmatrix_mma(p), Precision::Bf16), 1.0);
}

TEST_P(MmaOnBackend, LdmatrixLayoutPerLane) {
  for (int count : {1, 2, 4})
    for (bool trans : {false, true}) {
      std::vector<std::uint16_t> in(count * 64);
      for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint16_t>(1000 + i);
      const std::vector<std::uint32_t> got = runs().ldmatrix_layout(count, trans, in);
      // PTX ISA, ldmatrix: lane l holds row l / 4, columns 2 (l % 4) and the next of matrix j
      // in register j, lower column in the low half; .trans swaps row and column.
      auto element = [&](int j, int row, int col) -> std::uint32_t {
        return trans ? in[j * 64 + col * 8 + row] : in[j * 64 + row * 8 + col];
      };
      for (int lane = 0; lane < 32; ++lane)
        for (int j = 0; j < count; ++j) {
          const int row = lane / 4, col = 2 * (lane % 4);
          const std::uint32_t want = element(j, row, col) | element(j, row, col + 1) << 16;
          EXPECT_EQ(got[lane * count + j], want)
              << "x" << count << (trans ? ".trans" : "") << ", lane " << lane << ", register "
              << j;
        }
    }
}

TEST_P(MmaOnBackend, ChainOfMmaIsExactAndTimed) {
  // Small integers keep every sum exact: D = steps A B.
  std::uniform_int_distribution<int> dist(-2, 2);
  std::mt19937 rng(fresh_seed());
  std::vector<float> a(16 * 16), b(16 * 8);
  for (float& x : a) x = static_cast<float>(dist(rng));
  for (float& x : b) x = static_cast<float>(dist(rng));
  constexpr int kSteps = 2000;
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<float> got = runs().mma_chain(a, b, kSteps);
  const auto t1 = std::chrono::steady_clock::now();
  for (int m = 0; m < 16; ++m)
    for (int n = 0; n < 8; ++n) {
      float ab = 0;
      for (int k = 0; k < 16; ++k) ab += a[m * 16 + k] * b[k * 8 + n];
      ASSERT_EQ(got[m * 8 + n], kSteps * ab) << m << "," << n;
    }
  const double us = std::chrono::duration<double, std::micro>(t1 - t0).count();
  std::printf("%s timing: %d chained m16n8k16 bf16 mma on one warp, with the copies: %.1f ms "
              "(%.2f us per mma)\n",
              GetParam().c_str(), kSteps, us * 1e-3, us / kSteps);
}

// What async_copy_kernel writes at i once every copy has landed: the neighbour's staged float.
float staged_neighbour(const std::vector<float>& in, int i, int last_bytes) {
  const int h = i / kCopyHalf * kCopyHalf, k = h + (i % kCopyHalf + 4) % kCopyHalf;
  const int zero_from = kCopyHalf - 4 + last_bytes / 4;  // the last thread's first copy
  return k >= zero_from && k < kCopyHalf ? 0.0f : in[k];
}

TEST_P(MmaOnBackend, AsyncCopyGroupsLandWhenWaitedFor) {
  std::mt19937 rng(fresh_seed());
  const std::vector<float> in = uniform(2 * kCopyHalf, rng);
  // Every group waited for; the last copy of the first half takes 8 bytes, zero-fills 8.
  const std::vector<float> all = runs().async_copy(0, in, 8);
  for (int i = 0; i < 2 * kCopyHalf; ++i)
    ASSERT_EQ(all[i], staged_neighbour(in, i, 8)) << "element " << i;
  // All but the most recent group: the first half has landed.
  const std::vector<float> first = runs().async_copy(1, in, 16);
  for (int i = 0; i < kCopyHalf; ++i)
    ASSERT_EQ(first[i], staged_neighbour(in, i, 16)) << "element " << i;
}

std::vector<std::string> mma_backends() {
  std::vector<std::string> names;
#if defined(XFV_MMA_RUNS_SIM)
  names.push_back("sim");
#endif
#if defined(XFV_MMA_RUNS_CUDA)
  names.push_back("cuda");
#endif
  return names;
}

// A build with neither sim nor nvcc has no instance.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(MmaOnBackend);
INSTANTIATE_TEST_SUITE_P(Backends, MmaOnBackend, ::testing::ValuesIn(mma_backends()),
                         [](const auto& info) { return info.param; });

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

// The names a session's precision is given by (the C API, --precision) round-trip, and any
// other name is refused, leaving the precision as it was.
TEST(Precision, ParsesItsNames) {
  for (Precision p : {Precision::Fp32, Precision::Tf32, Precision::Bf16, Precision::Fp16}) {
    Precision parsed = p == Precision::Fp32 ? Precision::Bf16 : Precision::Fp32;
    EXPECT_TRUE(parse_precision(precision_name(p), &parsed)) << precision_name(p);
    EXPECT_EQ(parsed, p);
  }
  Precision kept = Precision::Tf32;
  for (const char* name : {"fp8", "", "BF16", "bf16 ", "fp32x"}) {
    EXPECT_FALSE(parse_precision(name, &kept)) << name;
    EXPECT_EQ(kept, Precision::Tf32);
  }
}

#if defined(XFV_MMA_RUNS_SIM)
// ---- sim's planted bugs that give wrong numbers ----------------------------------------------

TEST(SimMmaCatches, FragmentLoadedByAWrongLayout) {
  const unsigned seed = fresh_seed();
  SCOPED_TRACE(seed);
  const MmaProblems p = random_mma_problems(4, 8, seed);
  // B's fragment with row and column exchanged: the layout bug fails the comparison by far.
  const std::vector<float> d = sim::mma_runs().tf32(Plant::TransposedB, p);
  EXPECT_GT(mma_worst_error(p, d, Precision::Tf32), 1e3);
}

TEST(SimAsyncCopyCatches, ReadBeforeItsWait) {
  std::mt19937 rng(fresh_seed());
  const std::vector<float> in = uniform(2 * kCopyHalf, rng);
  for (float x : sim::mma_runs().async_copy(kNoWait, in, 16)) ASSERT_TRUE(std::isnan(x));
  // Waiting for all but the most recent group leaves the second half in flight.
  const std::vector<float> first = sim::mma_runs().async_copy(1, in, 16);
  for (int i = kCopyHalf; i < 2 * kCopyHalf; ++i) ASSERT_TRUE(std::isnan(first[i])) << i;
}
#endif

}  // namespace
}  // namespace xfv
