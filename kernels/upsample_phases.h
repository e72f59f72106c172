// One Parallel WaveGAN upsampling stage (a nearest stretch by s, then a zero-padded FIR of
// 2s + 1 taps) in polyphase form: output i s + r is a 3-tap filter of x[i - 1], x[i], x[i + 1]
// whose weights, per phase r, are the sums of the FIR taps that land on each input's
// stretched copy. A stretch then the FIR would cost 2s + 1 multiply-adds per output; this
// costs 3. Shared by upsample_fir and the gate that folds the last stage in
// (gated_activation), on every backend, so that both take the same float steps.
#pragma once

#include <cstdint>

#include "host_device.h"

namespace xfv {

constexpr int kMaxUpsampleScale = 64;  // vocoder_config's bound on a scale

struct UpsamplePhase {
  float before, on, after;  // the weights of x[i - 1], x[i], x[i + 1]
};

// Output t = i s + r reads the stretched sample t + k - s, a copy of x[i - 1] for
// k <= s - 1 - r, of x[i] for s - r <= k <= 2s - 1 - r and of x[i + 1] for k >= 2s - r: the
// taps of each run summed in double, rounded once.
XFV_HD inline UpsamplePhase upsample_phase(const float* taps, int s, int r) {
  double before = 0, on = 0, after = 0;
  for (int k = 0; k < s - r; ++k) before += taps[k];
  for (int k = s - r; k < 2 * s - r; ++k) on += taps[k];
  for (int k = 2 * s - r; k <= 2 * s; ++k) after += taps[k];
  return {static_cast<float>(before), static_cast<float>(on), static_cast<float>(after)};
}

// Output t of a plane of w inputs x, phase[r] the weights of phase r (an array, or a
// kernel's shared copy of one).
template <class Phases>
XFV_HD inline float upsampled(const Phases& phase, const float* x, int w, int s, int64_t t) {
  const int i = static_cast<int>(t / s), r = static_cast<int>(t % s);
  const float prev = i > 0 ? x[i - 1] : 0.f, next = i + 1 < w ? x[i + 1] : 0.f;
  return phase[r].before * prev + phase[r].on * x[i] + phase[r].after * next;
}

}  // namespace xfv
