// Nearest stretch + FIR (one Parallel WaveGAN upsampling stage) in polyphase form: output
// i*s + r is a 3-tap filter of x[i-1], x[i], x[i+1] whose weights, per phase r, are the sums
// of the FIR taps that land on each input's stretched copy (summed in double, rounded once).
// A stretch then a (2s+1)-tap FIR would cost 2s+1 multiply-adds per output; this costs 3.
#include <array>
#include <stdexcept>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"

namespace xfv {
namespace cpu {
namespace {

constexpr int kMaxScale = 64;  // vocoder_config's bound on a scale

struct PhaseWeights {
  std::array<float, kMaxScale> before{}, on{}, after{};  // of x[i-1], x[i], x[i+1]
};

PhaseWeights phase_weights(const UpsampleFirDesc& d, const float* taps) {
  const int s = d.s;
  const auto sum = [&](int k0, int k1) {  // taps[k0 .. k1], in double
    double acc = 0;
    for (int k = k0; k <= k1; ++k) acc += taps[k];
    return static_cast<float>(acc);
  };
  // Output t = i*s + r reads the stretched sample j = t + k - s, which is a copy of
  // x[i-1] for k <= s-1-r, of x[i] for s-r <= k <= 2s-1-r and of x[i+1] for k >= 2s-r.
  PhaseWeights p;
  for (int r = 0; r < s; ++r) {
    p.before[r] = sum(0, s - 1 - r);
    p.on[r] = sum(s - r, 2 * s - 1 - r);
    p.after[r] = sum(2 * s - r, 2 * s);
  }
  return p;
}

// One plane. kS fixes the scale at compile time so that the phase loop unrolls; 0 takes d.s.
template <int kS>
void stretch_filter_row(const UpsampleFirDesc& d, const PhaseWeights& p, const float* __restrict x,
                        float* __restrict y) {
  const int s = kS > 0 ? kS : d.s;
  for (int i = 0; i < d.w; ++i) {
    const float prev = i > 0 ? x[i - 1] : 0.f, cur = x[i], next = i + 1 < d.w ? x[i + 1] : 0.f;
    float* out = y + static_cast<int64_t>(i) * s;
    for (int r = 0; r < s; ++r) out[r] = p.before[r] * prev + p.on[r] * cur + p.after[r] * next;
  }
}

}  // namespace

void run(const UpsampleFirArgs& a) {
  const UpsampleFirDesc& d = a.d;
  if (d.s < 1 || d.s > kMaxScale) throw std::invalid_argument("cpu: upsample_fir takes scales of 1 to 64");
  const PhaseWeights p = phase_weights(d, a.taps);
  const auto row = d.s == 3 ? stretch_filter_row<3> : d.s == 4 ? stretch_filter_row<4>
                 : d.s == 5 ? stretch_filter_row<5> : stretch_filter_row<0>;  // the VCTK scales
  const int64_t wo = int64_t{d.w} * d.s;
#pragma omp parallel for schedule(static) if (d.planes * wo >= kParallelMin)
  for (int64_t q = 0; q < d.planes; ++q) row(d, p, a.x + q * d.w, a.y + q * wo);
}

}  // namespace cpu
}  // namespace xfv
