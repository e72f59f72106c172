// Every op on every backend against the cpu backend (as ggml's test-backend-ops), and the
// cpu backend itself against float64.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "engine/op_traits.h"
#include "engine/opcheck.h"
#include "tests/reference64.h"

namespace xfv {
namespace {

const std::vector<OpCase>& cases() {
  static const std::vector<OpCase> all = op_cases(/*seed=*/20261125);
  return all;
}

std::string case_name(size_t i) {
  std::string s = std::to_string(i) + "_" + describe(cases()[i].op);
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

class CpuVsFloat64 : public ::testing::TestWithParam<size_t> {};

TEST_P(CpuVsFloat64, Matches) {
  const OpCase& c = cases()[GetParam()];
  auto cpu = make_backend("cpu");
  const OpRun got = run_case(c, *cpu);
  const std::vector<double> want64 = reference64(c.op, c.inputs);
  const std::vector<float> want(want64.begin(), want64.end());
  EXPECT_LE(relative_l2(got.output, want), std::max(c.tolerance, 1e-7)) << describe(c.op);
}

INSTANTIATE_TEST_SUITE_P(AllOps, CpuVsFloat64, ::testing::Range(size_t{0}, cases().size()),
                         [](const auto& info) { return case_name(info.param); });

class BackendVsCpu : public ::testing::TestWithParam<std::tuple<std::string, size_t>> {};

TEST_P(BackendVsCpu, Matches) {
  const auto& [backend_name, index] = GetParam();
  std::string why;
  if (!backend_available(backend_name, &why)) GTEST_SKIP() << backend_name << ": " << why;
  const OpCase& c = cases()[index];
  auto cpu = make_backend("cpu");
  auto backend = make_backend(backend_name);
  const OpRun want = run_case(c, *cpu);
  const OpRun got = run_case(c, *backend);
  const double err = relative_l2(got.output, want.output);
  EXPECT_LE(err, c.tolerance) << describe(c.op) << " on " << backend_name
                              << ": max abs diff " << max_abs_diff(got.output, want.output);
  // A second run on the same inputs gives the same bits: no race, no uninitialised read.
  EXPECT_EQ(run_case(c, *backend).output, got.output) << describe(c.op);
}

// Without sim or cuda built in (a cpu-only build) the suite has no instances.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BackendVsCpu);

std::vector<std::string> device_backends() {
  std::vector<std::string> names;
  for (const std::string& b : compiled_backends())
    if (b != "cpu") names.push_back(b);
  return names;
}

INSTANTIATE_TEST_SUITE_P(
    AllOps, BackendVsCpu,
    ::testing::Combine(::testing::ValuesIn(device_backends()),
                       ::testing::Range(size_t{0}, cases().size())),
    [](const auto& info) { return std::get<0>(info.param) + "_" + case_name(std::get<1>(info.param)); });

// The runner's planner lets a conv's output take its residual's buffer where the residual
// dies there (Runner::plan): on every backend, each case with a residual run over it gives
// the bits of its run into a buffer of its own.
TEST(InPlace, GivesTheOutOfPlaceBits) {
  for (const std::string& name : compiled_backends()) {
    std::string why;
    if (!backend_available(name, &why)) continue;
    auto backend = make_backend(name);
    int checked = 0;
    for (const OpCase& c : cases()) {
      if (!has_in_place_input(c)) continue;
      EXPECT_EQ(run_case_in_place(c, *backend).output, run_case(c, *backend).output) << describe(c.op) << " on " << name;
      ++checked;
    }
    EXPECT_GT(checked, 4) << name;
  }
}

TEST(OpCases, CoverEveryOp) {
  std::set<std::string> seen;
  for (const OpCase& c : cases()) seen.insert(traits_of(c.op).op);
  EXPECT_EQ(seen.size(), std::variant_size_v<OpArgs> - 1);  // all but std::monostate
}

TEST(OpCases, InputsAreFreshAndNonZero) {
  const std::vector<OpCase> a = op_cases(1), b = op_cases(2);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_NE(a[0].inputs[0], b[0].inputs[0]);
  for (const OpCase& c : a) {
    for (const auto& in : c.inputs) {
      if (!in.empty()) {
        EXPECT_TRUE(std::any_of(in.begin(), in.end(), [](float v) { return v != 0; }));
      }
    }
  }
}

// What a reduced precision costs: each tensor-core case's rounded cpu reference against the
// same op in fp32, printed, and bounded by the precision's unit roundoff u (2^-11 for TF32
// and fp16, 2^-8 for bf16): above u / 100, so the operands were rounded, and below 4 u, as
// a dot product of operands each off by at most u gives.
TEST(ConvMma, DeviationFromFp32) {
  auto cpu = make_backend("cpu");
  int checked = 0;
  for (const OpCase& c : cases()) {
    if (traits_of(c.op).family != "conv_mma") continue;
    OpCase fp32 = c;
    set_precision(fp32.op, Precision::Fp32);
    const Precision p = precision_of(c.op);
    const double u = p == Precision::Bf16 ? 0x1p-8 : 0x1p-11;
    const double deviation = relative_l2(run_case(c, *cpu).output, run_case(fp32, *cpu).output);
    std::printf("%-72s %.2e (%.2f u)\n", describe(c.op).c_str(), deviation, deviation / u);
    EXPECT_GT(deviation, u / 100) << describe(c.op);
    EXPECT_LT(deviation, 4 * u) << describe(c.op);
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(RelativeL2, CatchesWhatItMust) {
  EXPECT_EQ(relative_l2({1, 2}, {1, 2}), 0);
  EXPECT_NEAR(relative_l2({1, 2}, {1, 3}), 1 / std::sqrt(10.0), 1e-12);
  EXPECT_TRUE(std::isnan(relative_l2({NAN, 2}, {1, 2})));
  EXPECT_TRUE(std::isinf(relative_l2({1}, {1, 2})));
}

}  // namespace
}  // namespace xfv
