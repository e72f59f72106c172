// Shared by the cpu op files: the fused activation, when a loop earns a parallel region, and
// the lane-wise double accumulation of the reductions.
#pragma once

#include <cstdint>

namespace xfv {
namespace cpu {

inline float leaky_relu(float v, float slope) { return v > 0.f ? v : v * slope; }

// Below this many elements of streaming work an op stays on the calling thread: waking the
// OpenMP team costs more than the second core saves (the op cases go down to 1 element).
constexpr int64_t kParallelMin = int64_t{1} << 15;

// fold(fold(init, term(0)), term(1)) ... over i < n in double, but in kLanes independent
// accumulators folded together at the end: a single running value serializes every add on
// its latency, the lanes vectorize. A sum stays a double-precision sum, in another order.
template <class Fold, class Term>
double lane_fold(int64_t n, double init, Fold fold, Term term) {
  constexpr int kLanes = 32;
  double lanes[kLanes];
  for (double& v : lanes) v = init;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] = fold(lanes[l], term(i + l));
  double acc = init;
  for (; i < n; ++i) acc = fold(acc, term(i));
  for (double v : lanes) acc = fold(acc, v);
  return acc;
}

}  // namespace cpu
}  // namespace xfv
