// FAN's landmark masks (kernels/ops.h, LandmarkMaskArgs): the landmark groups and the
// arithmetic of one heatmap value, shared by the cpu backend and the kernel so that both
// take the same float steps as the reference's `preprocess` (tools/reference/
// stargan_v2.py), and give the same bits as each other. Plain C++ apart from XFV_HD, so
// that g++ code includes this file too.
//
// The truncation is the one discontinuity: a value at 0.1 either vanishes or counts. It is
// a comparison of the input itself, before any arithmetic, so every backend decides it
// alike. Every later step is continuous and is rounded where PyTorch rounds it, in a form
// no compiler can contract into a fused multiply-add (which would round differently on
// each backend): each mask is a sum in double of float terms, rounded once at the end.
#pragma once

#include "host_device.h"

namespace xfv {

// Channel c's term in a mask of h rows: its normalized plane v read `shift` rows on,
// wrapping (term(i) = v[(i + shift) mod h], the reference's roll), raised to `power`.
// Power 0: the channel is zeroed. kEyePower: v[i - 8]^3 + v[i - 24].
struct LandmarkTerm {
  int shift, power;
  bool in_mask1;  // mask 1 leaves out the chin, the eyebrows and the lips
};
constexpr int kEyePower = -1;
constexpr int kEyeShift = -8, kEyeFarShift = -24;  // not scaled with h in the reference

// The 98-point (WFLW) groups of the reference. The eyebrow ends (33, 46) are raised to
// their power first and zeroed after, which is zeroed all the same.
XFV_HD inline LandmarkTerm landmark_term(int c, int h) {
  const int sw = h / 256;  // the reference's shifts are in pixels at 256
  if (c >= 8 && c < 25) return {0, 3, false};             // chin
  if (c == 33 || c == 46) return {0, 0, false};           // eyebrow ends
  if (c >= 33 && c < 51) return {-7 * sw, 2, false};      // eyebrows
  if (c == 51) return {0, 1, true};                       // nose tip
  if (c >= 52 && c < 55) return {4 * sw, 1, true};        // nose
  if (c >= 55 && c < 60) return {8 * sw, 4, true};        // nostrils
  if (c >= 60 && c < 76) return {kEyeShift, kEyePower, true};  // eyes
  if (c >= 77 && c < 82) return {-8 * sw, 4, false};      // upper lip
  if (c >= 83 && c < 88) return {8 * sw, 4, false};       // lower lip
  if (c >= 88 && c < 96) return {-2 * sw, 3, false};      // inner lip
  if (c >= 96) return {0, 1, true};                       // eye centres
  return {0, 0, false};  // the jaw's outer points (0-7, 25-32) and the lip ends (76, 82)
}

XFV_HD inline int wrap_row(int i, int shift, int h) {
  const int r = (i + shift) % h;
  return r < 0 ? r + h : r;
}

// Values below 0.1 become 0. For a float x, x < 0.1f is exactly PyTorch's x < 0.1: no
// float lies between the two. NaN stays NaN, as in torch.where.
XFV_HD inline float truncate_heatmap(float x) { return x < 0.1f ? 0.f : x; }

// The normalization's denominator from a plane's raw max and min: truncating them gives
// the max and min of the truncated plane, the truncation being monotone.
XFV_HD inline float minmax_denominator(float hi, float lo) {
  return (truncate_heatmap(hi) - truncate_heatmap(lo)) + 1e-6f;
}
XFV_HD inline float minmax_normalized(float x, float lo, float den) { return (truncate_heatmap(x) - lo) / den; }

// A channel's term from its normalized value v (and, for the eyes, the far row's value).
// x**3 is (x * x) * x in PyTorch; x**4 goes through pow (within an ulp, as PyTorch's
// vectorized pow is). The eyes' float add is done in double and rounded once: that is the
// float add exactly (53 >= 2 * 24 + 2 bits), and it keeps the cube's multiplies unfused.
XFV_HD inline float landmark_term_value(float v, int power, float far) {
  switch (power) {
    case 1: return v;
    case 2: return v * v;
    case 3: return v * v * v;
    case 4: {
      const double s = static_cast<double>(v) * v;  // exact
      return static_cast<float>(s * s);
    }
    default: return static_cast<float>(static_cast<double>(v * v * v) + static_cast<double>(far));
  }
}

// The mask from its sum over channels: mask 0 maps NaN to 0; mask 1 keeps a NaN, as the
// reference does (its NaN test reads mask 0). Both are clamped to [0, 1].
XFV_HD inline float landmark_mask_value(double sum, int mask) {
  const float s = static_cast<float>(sum);
  if (s != s) return mask == 0 ? 0.f : s;
  return s < 0.f ? 0.f : s > 1.f ? 1.f : s;
}

}  // namespace xfv
