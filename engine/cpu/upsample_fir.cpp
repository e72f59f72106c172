// Nearest stretch + FIR (one Parallel WaveGAN upsampling stage) in polyphase form
// (kernels/upsample_phases.h).
#include "engine/cpu/upsample_fir.h"

#include <stdexcept>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"

namespace xfv {
namespace cpu {
namespace {

// kS fixes the scale at compile time so that the phase loop unrolls; 0 takes p.s.
template <int kS>
void stretch_filter(const UpsamplePhases& p, const float* __restrict x, int w, int i0, int i1,
                    float* __restrict y) {
  const int s = kS > 0 ? kS : p.s;
  for (int i = i0; i < i1; ++i) {
    const float prev = i > 0 ? x[i - 1] : 0.f, cur = x[i], next = i + 1 < w ? x[i + 1] : 0.f;
    float* out = y + int64_t{i - i0} * s;
    for (int r = 0; r < s; ++r) {
      const UpsamplePhase& f = p.phase[r];
      out[r] = f.before * prev + f.on * cur + f.after * next;
    }
  }
}

}  // namespace

UpsamplePhases upsample_phases(const float* taps, int s) {
  if (s < 1 || s > kMaxUpsampleScale) throw std::invalid_argument("cpu: upsample_fir takes scales of 1 to 64");
  UpsamplePhases p{s, {}};
  for (int r = 0; r < s; ++r) p.phase[r] = upsample_phase(taps, s, r);
  return p;
}

void upsample_fir_range(const UpsamplePhases& p, const float* x, int w, int i0, int i1, float* y) {
  const auto stage = p.s == 3 ? stretch_filter<3> : p.s == 4 ? stretch_filter<4>
                   : p.s == 5 ? stretch_filter<5> : stretch_filter<0>;  // the VCTK scales
  stage(p, x, w, i0, i1, y);
}

void run(const UpsampleFirArgs& a) {
  const UpsampleFirDesc& d = a.d;
  const UpsamplePhases p = upsample_phases(a.taps, d.s);
  const int64_t wo = int64_t{d.w} * d.s;
  parallel_for(d.planes, d.planes * wo >= kParallelMin,
               [&](int64_t q) { upsample_fir_range(p, a.x + q * d.w, d.w, 0, d.w, a.y + q * wo); });
}

}  // namespace cpu
}  // namespace xfv
