// Parallel WaveGAN's gate: tanh(a + b) of the first half times sigmoid(a + b) of the second,
// b upsampled on the way in where it comes at a lower rate.
#include <algorithm>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"
#include "engine/cpu/upsample_fir.h"

namespace xfv {
namespace cpu {
namespace {

// tanh(u) sigmoid(v) = (1 - e) / ((1 + e) (1 + exp(-v))), e = exp(-2u), with a vectorizable
// exp: the library calls cost a vocoder layer 30 ms at 2.4 s of audio, this a few. One
// division, not two: the divisions, not memory, bounded this loop (6.0 -> 3.0 ms at
// 64 x 57600, docs/performance.md). -2u is capped at 40: tanh(u) is already -1 in float
// below u = -9, and e <= 2.4e17 keeps the denominator finite unless sigmoid(v) itself
// underflows (then -0, its limit). Agrees with the kernels' tanhf/expf to a few 1e-8 absolute.
void gate(const float* __restrict at, const float* __restrict bt, const float* __restrict as,
          const float* __restrict bs, int64_t count, float* __restrict y) {
#pragma omp simd
  for (int64_t i = 0; i < count; ++i) {
    const float e = exp_vectorizable(std::min(-2.f * (at[i] + bt[i]), 40.f));
    y[i] = (1.f - e) / ((1.f + e) * (1.f + exp_vectorizable(-(as[i] + bs[i]))));
  }
}

// b's rows come at 1/s of the rate: a piece of each is upsampled into a buffer that stays in
// the core's own cache (the code upsample_fir runs, so the bits of the unfolded pair), then
// gated.
constexpr int kPieceOutputs = 1280;  // 2 x 5 KiB of buffer

void gate_upsampled(const UpsamplePhases& p, const float* at, const float* bt_low, const float* as,
                    const float* bs_low, int w, float* y) {
  float bt[kPieceOutputs], bs[kPieceOutputs];
  const int piece = kPieceOutputs / p.s;  // inputs of b, at least 20
  for (int i0 = 0; i0 < w; i0 += piece) {
    const int i1 = std::min(w, i0 + piece);
    upsample_fir_range(p, bt_low, w, i0, i1, bt);
    upsample_fir_range(p, bs_low, w, i0, i1, bs);
    const int64_t t0 = int64_t{i0} * p.s;
    // The pair's rows come from the conv just before, out of cache (29.5 MB a layer at 2.4 s),
    // and the exps between the loads hide too little of memory's latency: the gate spent half
    // its time on the loads of a. Those of the piece after next are prefetched now (the
    // 30 gates of Parallel WaveGAN: 140-158 -> 107 ms on a 2-core Xeon; one piece ahead 111).
    const int64_t ahead = int64_t{std::min(w, i1 + piece)} * p.s;
    const int64_t next = int64_t{std::min(w, i1 + 2 * piece)} * p.s - ahead;
    for (int64_t j = 0; j < next; j += 16) {  // a 64-byte line
      __builtin_prefetch(at + ahead + j);
      __builtin_prefetch(as + ahead + j);
    }
    gate(at + t0, bt, as + t0, bs, int64_t{i1 - i0} * p.s, y + t0);
  }
}

}  // namespace

void run(const GatedActivationArgs& a) {
  const GatedActivationDesc& d = a.d;
  const int64_t planes = static_cast<int64_t>(d.n) * d.c, t = d.t, tb = t / d.s;
  const UpsamplePhases phases = d.s > 1 ? upsample_phases(a.b_taps, d.s) : UpsamplePhases{};
  parallel_for(planes, planes * t >= kParallelMin / 8, [&](int64_t p) {
    const int64_t row = (p / d.c) * 2 * d.c + p % d.c;  // the tanh half's; the gate's is d.c rows on
    const float* at = a.a + row * t;
    const float* as = at + d.c * t;
    const float* bt = a.b + row * tb;
    const float* bs = bt + d.c * tb;
    if (d.s > 1)
      gate_upsampled(phases, at, bt, as, bs, static_cast<int>(tb), a.y + p * t);
    else
      gate(at, bt, as, bs, t, a.y + p * t);
  });
}

}  // namespace cpu
}  // namespace xfv
