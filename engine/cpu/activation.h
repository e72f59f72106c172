// Shared by the cpu op files: the fused activation, when a loop earns a parallel region, and
// the lane-wise double accumulation of the reductions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace xfv {
namespace cpu {

inline float leaky_relu(float v, float slope) { return v > 0.f ? v : v * slope; }

// expf within about 1 ulp as straight-line code, so that a loop over it vectorizes, which a
// library call does not without -ffast-math: exp(x) = 2^n exp(r), n = round(x / ln 2) by the
// 1.5 * 2^23 trick, r = x - n ln 2 in two parts, exp(r) by Cephes' degree-6 polynomial.
// x is clamped to [-87.3, 88.3], where 2^n stays a normal float: beyond it the result
// saturates (near 0 or 2.2e38) instead of going subnormal or infinite.
inline float exp_vectorizable(float x) {
  x = std::min(std::max(x, -87.3f), 88.3f);
  const float n = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * r * r + r + 1.f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return e * scale;
}

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
