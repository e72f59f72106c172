// The cpu's vectorizable exp (engine/cpu/activation.h), which the vocoders' gated activation
// runs on every sample: against the C library's in double over the range it keeps, saturating
// beyond it, and NaN in giving NaN out, without the undefined float-to-int conversion a NaN
// once made in it (docs/reliability.md, "Faults injected").
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "engine/cpu/activation.h"

namespace xfv {
namespace {

TEST(ExpVectorizable, WithinTwoUlpsSaturatingAndNaNGoesThrough) {
  std::vector<float> xs = {-87.3f, -87.f, -50.f, -1.f, -1e-7f, 0.f, 1e-7f, 0.5f, 1.f, 10.f, 88.f, 88.3f};
  std::mt19937_64 rng(20261205);
  std::uniform_real_distribution<float> u(-87.3f, 88.3f);
  for (int i = 0; i < 100000; ++i) xs.push_back(u(rng));
  for (float x : xs) {
    const double want = std::exp(static_cast<double>(x));
    const float ulp = std::nextafter(static_cast<float>(want), std::numeric_limits<float>::infinity()) - static_cast<float>(want);
    EXPECT_LE(std::fabs(cpu::exp_vectorizable(x) - want), 2.0 * ulp) << "x " << x;
  }
  EXPECT_EQ(cpu::exp_vectorizable(-1000.f), cpu::exp_vectorizable(-87.3f));
  EXPECT_EQ(cpu::exp_vectorizable(1000.f), cpu::exp_vectorizable(88.3f));
  EXPECT_EQ(cpu::exp_vectorizable(-std::numeric_limits<float>::infinity()), cpu::exp_vectorizable(-87.3f));
  EXPECT_EQ(cpu::exp_vectorizable(std::numeric_limits<float>::infinity()), cpu::exp_vectorizable(88.3f));
  // Read at run time, so that the compiler cannot fold the call (and with it the conversion
  // UBSan is to see).
  volatile float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(cpu::exp_vectorizable(nan)));
  EXPECT_TRUE(std::isnan(cpu::exp_vectorizable(-nan)));
}

}  // namespace
}  // namespace xfv
