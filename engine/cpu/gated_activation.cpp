// Parallel WaveGAN's gate: tanh(a + b) of the first half times sigmoid(a + b) of the second.
#include <algorithm>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"

namespace xfv {
namespace cpu {

void run(const GatedActivationArgs& a) {
  const GatedActivationDesc& d = a.d;
  const int64_t planes = static_cast<int64_t>(d.n) * d.c, t = d.t;
  // tanh(u) sigmoid(v) = (1 - e) / ((1 + e) (1 + exp(-v))), e = exp(-2u), with a vectorizable
  // exp: the library calls cost a vocoder layer 30 ms at 2.4 s of audio, this a few. One
  // division, not two: the divisions, not memory, bounded this loop (6.0 -> 3.0 ms at
  // 64 x 57600, docs/performance.md). -2u is capped at 40: tanh(u) is already -1 in float
  // below u = -9, and e <= 2.4e17 keeps the denominator finite unless sigmoid(v) itself
  // underflows (then -0, its limit). Agrees with the kernels' tanhf/expf to a few 1e-8 absolute.
#pragma omp parallel for schedule(static) if (planes * t >= kParallelMin / 8)
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t n = p / d.c, ci = p % d.c;
    const int64_t tanh_off = (n * 2 * d.c + ci) * t, gate_off = tanh_off + d.c * t;
    const float* __restrict at = a.a + tanh_off;
    const float* __restrict bt = a.b + tanh_off;
    const float* __restrict as = a.a + gate_off;
    const float* __restrict bs = a.b + gate_off;
    float* __restrict y = a.y + p * t;
#pragma omp simd
    for (int64_t i = 0; i < t; ++i) {
      const float e = exp_vectorizable(std::min(-2.f * (at[i] + bt[i]), 40.f));
      y[i] = (1.f - e) / ((1.f + e) * (1.f + exp_vectorizable(-(as[i] + bs[i]))));
    }
  }
}

}  // namespace cpu
}  // namespace xfv
