// Parallel WaveGAN's gate, y = tanh(a[:c] + b[:c]) * sigmoid(a[c:] + b[c:]): a thread per
// output element, output planes (n, c) in grid y, so the four source planes are per block.
// The four loads of an element are the ilp_loop's load: 4 x kIlp coalesced loads in flight.
// With b at 1/s of the rate, its two values are the upsampling stage's (upsample_phases.h),
// from phase weights each block sums once into shared memory.
// tanhf/expf, not the fast intrinsics: the cpu backend's std::tanh/std::exp are the
// reference (relative L2 1e-5).
#include <stdexcept>

#include "device_util.cuh"
#include "launchers.h"
#include "upsample_phases.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

__global__ void __launch_bounds__(kBlock) gated_activation_kernel(GatedActivationArgs a) {
  const GatedActivationDesc& d = a.d;
  const int s = d.s;
  XFV_SHARED_1D(UpsamplePhase, phase, kMaxUpsampleScale);
  if (s > 1) {
    for (int r = threadIdx.x; r < s; r += blockDim.x) phase[r] = upsample_phase(a.b_taps, s, r);
    __syncthreads();
  }
  const int64_t planes = static_cast<int64_t>(d.n) * d.c, t = d.t, tb = t / s;
  const int wb = static_cast<int>(tb);
  for (int64_t p = blockIdx.y; p < planes; p += gridDim.y) {
    const int64_t row = (p / d.c) * 2 * d.c + p % d.c;  // the tanh half's; the gate's is d.c rows on
    const float *at = a.a + row * t, *as = at + d.c * t;
    const float *bt = a.b + row * tb, *bs = bt + d.c * tb;
    float* y = a.y + p * t;
    ilp_loop(grid_first(), grid_stride(), t,
             [&](int64_t i) {
               return s > 1 ? make_float4(at[i], upsampled(phase, bt, wb, s, i), as[i], upsampled(phase, bs, wb, s, i))
                            : make_float4(at[i], bt[i], as[i], bs[i]);
             },
             [&](int64_t i, float4 v) {
               y[i] = tanhf(v.x + v.y) * (1.f / (1.f + expf(-(v.z + v.w))));
             });
  }
}

}  // namespace

void run(const GatedActivationArgs& a, cudaStream_t stream) {
  if (a.d.s < 1 || a.d.s > kMaxUpsampleScale || a.d.t % a.d.s != 0)
    throw std::invalid_argument(XFV_BACKEND_NAME ": gated_activation's b must come at 1/1 to 1/64 of the rate");
  const int64_t planes = static_cast<int64_t>(a.d.n) * a.d.c;
  if (planes == 0 || a.d.t == 0) return;
  XFV_LAUNCH(gated_activation_kernel, plane_grid(a.d.t, planes), kBlock, 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
