// Parallel WaveGAN's gate, y = tanh(a[:c] + b[:c]) * sigmoid(a[c:] + b[c:]): a thread per
// output element, output planes (n, c) in grid y, so the four source planes are per block.
// The four loads of an element are the ilp_loop's load: 4 x kIlp coalesced loads in flight.
// tanhf/expf, not the fast intrinsics: the cpu backend's std::tanh/std::exp are the
// reference (relative L2 1e-5).
#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

__global__ void __launch_bounds__(kBlock) gated_activation_kernel(GatedActivationArgs a) {
  const GatedActivationDesc& d = a.d;
  const int64_t planes = static_cast<int64_t>(d.n) * d.c, t = d.t;
  for (int64_t p = blockIdx.y; p < planes; p += gridDim.y) {
    const int64_t tanh_off = ((p / d.c) * 2 * d.c + p % d.c) * t, gate_off = tanh_off + d.c * t;
    const float *at = a.a + tanh_off, *bt = a.b + tanh_off;
    const float *as = a.a + gate_off, *bs = a.b + gate_off;
    float* y = a.y + p * t;
    ilp_loop(grid_first(), grid_stride(), t,
             [&](int64_t i) { return make_float4(at[i], bt[i], as[i], bs[i]); },
             [&](int64_t i, float4 v) {
               y[i] = tanhf(v.x + v.y) * (1.f / (1.f + expf(-(v.z + v.w))));
             });
  }
}

}  // namespace

void run(const GatedActivationArgs& a, cudaStream_t stream) {
  const int64_t planes = static_cast<int64_t>(a.d.n) * a.d.c;
  if (planes == 0 || a.d.t == 0) return;
  XFV_LAUNCH(gated_activation_kernel, plane_grid(a.d.t, planes), kBlock, 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
