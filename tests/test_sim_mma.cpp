// sim's build of tests/mma_check_kernels.cu (its runs serve tests/test_mma.cpp), and the
// tensor-core bugs that must fail a launch on sim with a report: an mma that a lane never
// reaches or in a partial warp, an unrounded TF32 operand, an ldmatrix or cp.async row outside
// its shared array or misaligned.
#define XFV_SIM
#include "mma_check_kernels.cu"
#include "sim_test_util.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace xfv {
namespace sim {
namespace {

std::vector<float> uniform(std::size_t n) {
  std::mt19937 rng(std::random_device{}());
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

TEST(SimMmaCatches, MmaWithALaneThatHasExited) {
  auto d = DeviceArray<float>::poisoned(32);
  const std::string e = launch_error(
      [&] { XFV_LAUNCH(mma_lane_exits_kernel, 1, 32, 0, nullptr, d.get()); });
  expect_mentions(e, {"mma_lane_exits_kernel", "mma.sync.aligned.m16n8k8.row.col.f32.tf32",
                      "mma_check_kernels.cu", "lane 5", "has exited"});
}

TEST(SimMmaCatches, MmaInAWarpThatIsNotWhole) {
  DeviceArray<float> a(uniform(2 * 16 * 8)), b(uniform(2 * 8 * 8)), c(uniform(2 * 16 * 8));
  auto d = DeviceArray<float>::poisoned(2 * 16 * 8);
  const std::string e = launch_error([&] {
    XFV_LAUNCH(mma_tf32_kernel<Plant::None>, 1, 48, 0, nullptr, a.get(), b.get(), c.get(),
               d.get());
  });
  expect_mentions(e, {"mma_tf32_kernel", "needs all 32 lanes", "warp 1", "has 16"});
}

TEST(SimMmaCatches, Tf32OperandThatWasNotRounded) {
  DeviceArray<float> a(uniform(16 * 8)), b(uniform(8 * 8)), c(uniform(16 * 8));
  auto d = DeviceArray<float>::poisoned(16 * 8);
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

TEST(SimAsyncCopyCatches, CopyPastTheSharedArray) {
  DeviceArray<float> in(uniform(64));
  const std::string e = launch_error([&] {
    XFV_LAUNCH(async_copy_out_of_bounds_kernel, 1, 16, 64 * sizeof(float), nullptr, in.get());
  });
  expect_mentions(e, {"async_copy_out_of_bounds_kernel", "dynamic shared memory", "index 64",
                      "[0, 64)", "thread (15,0,0)"});
}

}  // namespace
}  // namespace sim
}  // namespace xfv
