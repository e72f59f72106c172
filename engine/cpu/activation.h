// Shared by the cpu op files: the fused activation, an exp and a log that vectorize, when a
// loop earns a parallel region, and the lane-wise double accumulation of the reductions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

namespace xfv {
namespace cpu {

// v > 0 ? v : v * slope, the factor chosen on the sign bit: a select on a float comparison is
// a branch to GCC (see log_vectorizable), and an activation's sign is a coin toss to the
// branch predictor (the vocoders' gathers spent most of their time mispredicting it).
inline float leaky_relu(float v, float slope) {
  uint32_t bits, one, factor;
  const float unit = 1.f;
  std::memcpy(&bits, &v, sizeof bits);
  std::memcpy(&one, &unit, sizeof one);
  std::memcpy(&factor, &slope, sizeof factor);
  factor = one ^ ((one ^ factor) & (0u - (bits >> 31)));
  float f;
  std::memcpy(&f, &factor, sizeof f);
  return v * f;
}

// out[c] = leaky_relu(row[first + stride c]) for c < count, zero where the index leaves
// [0, w): a conv's input row gathered with its activation and zero padding, the bounds found
// once instead of tested per element.
inline void gather_activated(const float* row, int64_t w, int64_t first, int stride, int64_t count, float slope,
                             float* out) {
  const int64_t lo = first >= 0 ? 0 : std::min(count, (stride - 1 - first) / stride);
  const int64_t hi = first >= w ? lo : std::clamp((w - first + stride - 1) / stride, lo, count);
  std::fill(out, out + lo, 0.f);
  for (int64_t c = lo; c < hi; ++c) out[c] = leaky_relu(row[first + stride * c], slope);
  std::fill(out + hi, out + count, 0.f);
}

// expf within about 1 ulp as straight-line code, so that a loop over it vectorizes, which a
// library call does not without -ffast-math: exp(x) = 2^n exp(r), n = round(x / ln 2) by the
// 1.5 * 2^23 trick, r = x - n ln 2 in two parts, exp(r) by Cephes' degree-6 polynomial.
// x is clamped to [-87.3, 88.3], where 2^n stays a normal float: beyond it the result
// saturates (near 0 or 2.2e38) instead of going subnormal or infinite. NaN gives NaN.
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
  // n is in [-126, 127] for every x but NaN, whose n is NaN too and whose conversion to int
  // would be undefined (a NaN from a caller's style reached here, docs/reliability.md): the
  // exponent is clamped once more, NaN to -126 (std::max returns its first operand when the
  // comparison fails), and the NaN goes on through e.
  const float exponent = std::min(std::max(-126.f, n), 127.f);
  const int32_t bits = (static_cast<int32_t>(exponent) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return e * scale;
}

// logf within about 1 ulp as straight-line code, for the same reason: x = 2^e m with m in
// [sqrt(1/2), sqrt(2)) from the float's bits, ln x = e ln 2 + ln(1 + f) with f = m - 1 by
// Cephes' degree-9 polynomial, ln 2 in two parts. Every choice is made on the integer bits:
// a select on a float comparison is a branch to GCC under -ftrapping-math (the default),
// and a branch keeps the loop from vectorizing. For positive normal x (infinity and NaN give
// NaN); zero, negatives and subnormals are outside its domain.
inline float log_vectorizable(float x) {
  int32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const int32_t fraction = bits & 0x007fffff;
  const bool low = fraction < 0x003504f3;  // m < sqrt(2): m in [1, sqrt 2), else m / 2 in [sqrt(1/2), 1)
  const int32_t m_bits = fraction | (low ? 0x3f800000 : 0x3f000000);
  float m;
  std::memcpy(&m, &m_bits, sizeof m);
  const float e = static_cast<float>((bits >> 23) - (low ? 127 : 126));
  const float f = m - 1.f;
  const float z = f * f;
  float p = 7.0376836292e-2f;
  p = p * f - 1.1514610310e-1f;
  p = p * f + 1.1676998740e-1f;
  p = p * f - 1.2420140846e-1f;
  p = p * f + 1.4249322787e-1f;
  p = p * f - 1.6668057665e-1f;
  p = p * f + 2.0000714765e-1f;
  p = p * f - 2.4999993993e-1f;
  p = p * f + 3.3333331174e-1f;
  const float y = (p * f * z + e * -2.12194440e-4f) - 0.5f * z;
  const float r = (f + y) + e * 0.693359375f;
  return r + 0.f * x;  // NaN for an infinite or NaN x: a select would be a branch again
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
