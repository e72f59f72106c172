// The tensor-core checks' host side: what each device backend's build of
// tests/mma_check_kernels.cu offers (sim's through test_sim_mma.cpp, cuda's through nvcc), so
// that tests/test_mma.cpp runs the same checks on every backend built in.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/precision.h"

namespace xfv {

constexpr int kMmaTileM = 16, kMmaTileN = 8;

// Bugs a test plants in a kernel, which sim must expose.
enum class Plant {
  None,
  TransposedB,   // B's fragment loaded with row and column exchanged
  UnroundedTf32  // fp32 bits handed to a .tf32 mma without cvt.rna
};

// `count` products of a 16 x k tile A and a k x 8 tile B, plus a 16 x 8 tile C, each
// row-major and stored one problem after another.
struct MmaProblems {
  int count, k;
  std::vector<float> a, b, c;
};

// The cp.async check: kCopyThreads threads stage 2 kCopyHalf floats, one group per half.
constexpr int kCopyThreads = 64, kCopyHalf = 4 * kCopyThreads;
constexpr int kNoWait = -1;  // a planted bug: the staged floats are read before any wait

// One backend's runs of the kernels of tests/mma_check_kernels.cu: each uploads its inputs,
// launches, and returns the output (poisoned with NaN before the launch).
struct MmaRuns {
  // D (count 16x8 tiles) by mma_m16n8k8_tf32, fragments loaded from global memory.
  std::vector<float> (*tf32)(Plant plant, const MmaProblems& p);
  // D by mma_m16n8k16<Bf16 or Fp16> (p.k = 16), fragments rounded from fp32 as they are built.
  std::vector<float> (*k16)(Precision precision, const MmaProblems& p);
  // D by mma_m16n8k16_bf16 from bf16 tiles staged in shared memory and loaded by ldmatrix.
  std::vector<float> (*ldmatrix_mma)(const MmaProblems& p);
  // Each lane's registers (lane * count + j) after ldmatrix of `count` 8x8 matrices given
  // row by row in `in`.
  std::vector<std::uint32_t> (*ldmatrix_layout)(int count, bool trans,
                                                const std::vector<std::uint16_t>& in);
  // `steps` chained bf16 mma on one warp from D = 0: D = steps A B (16x16 A, 16x8 B).
  std::vector<float> (*mma_chain)(const std::vector<float>& a, const std::vector<float>& b,
                                  int steps);
  // What async_copy_kernel<wait> writes for `in` (2 kCopyHalf floats); the last thread's
  // first copy takes `last_bytes` from `in` and zero-fills the rest.
  std::vector<float> (*async_copy)(int wait, const std::vector<float>& in, int last_bytes);
};

namespace sim {
const MmaRuns& mma_runs();
}
namespace cuda {
const MmaRuns& mma_runs();
}

}  // namespace xfv
