// Nearest stretch + FIR (one Parallel WaveGAN upsampling stage) in polyphase form: a thread
// per output t = i*s + r filters x[i-1], x[i], x[i+1] with the phase-r sums of the taps
// (upsample_phases.h), which each block sums once into shared memory. Planes go in grid y,
// looped beyond 65535.
#include <stdexcept>

#include "device_util.cuh"
#include "launchers.h"
#include "upsample_phases.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

__global__ void __launch_bounds__(kBlock) upsample_fir_kernel(UpsampleFirArgs a) {
  const UpsampleFirDesc& d = a.d;
  const int s = d.s;
  XFV_SHARED_1D(UpsamplePhase, phase, kMaxUpsampleScale);
  for (int r = threadIdx.x; r < s; r += blockDim.x) phase[r] = upsample_phase(a.taps, s, r);
  __syncthreads();
  const int64_t wo = static_cast<int64_t>(d.w) * s;
  for (int64_t p = blockIdx.y; p < d.planes; p += gridDim.y) {
    const float* x = a.x + p * d.w;
    float* y = a.y + p * wo;
    ilp_loop(grid_first(), grid_stride(), wo,
             [&](int64_t t) {
               return upsampled(phase, x, d.w, s, t);
             },
             [&](int64_t t, float v) { y[t] = v; });
  }
}

}  // namespace

void run(const UpsampleFirArgs& a, cudaStream_t stream) {
  if (a.d.s < 1 || a.d.s > kMaxUpsampleScale) throw std::invalid_argument(XFV_BACKEND_NAME ": upsample_fir takes scales of 1 to 64");
  const int64_t wo = static_cast<int64_t>(a.d.w) * a.d.s;
  if (a.d.planes == 0 || wo == 0) return;
  XFV_LAUNCH(upsample_fir_kernel, plane_grid(wo, a.d.planes), kBlock, 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
