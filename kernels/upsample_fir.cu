// Nearest stretch + FIR (one Parallel WaveGAN upsampling stage) in polyphase form: a thread
// per output t = i*s + r filters x[i-1], x[i], x[i+1] with the phase-r sums of the taps
// (kernels/ops.h), which each block sums once into shared memory. Planes go in grid y,
// looped beyond 65535.
#include <stdexcept>

#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

constexpr int kMaxScale = 64;

__global__ void __launch_bounds__(kBlock) upsample_fir_kernel(UpsampleFirArgs a) {
  const UpsampleFirDesc& d = a.d;
  const int s = d.s;
  XFV_SHARED_1D(float, before, kMaxScale);
  XFV_SHARED_1D(float, on, kMaxScale);
  XFV_SHARED_1D(float, after, kMaxScale);
  // Output i*s + r reads the stretched sample i*s + r + k - s: a copy of x[i-1] for
  // k <= s-1-r, of x[i] for s-r <= k <= 2s-1-r, of x[i+1] for k >= 2s-r.
  for (int r = threadIdx.x; r < s; r += blockDim.x) {
    double b = 0, o = 0, f = 0;
    for (int k = 0; k < s - r; ++k) b += a.taps[k];
    for (int k = s - r; k < 2 * s - r; ++k) o += a.taps[k];
    for (int k = 2 * s - r; k <= 2 * s; ++k) f += a.taps[k];
    before[r] = static_cast<float>(b), on[r] = static_cast<float>(o), after[r] = static_cast<float>(f);
  }
  __syncthreads();
  const int64_t wo = static_cast<int64_t>(d.w) * s;
  for (int64_t p = blockIdx.y; p < d.planes; p += gridDim.y) {
    const float* x = a.x + p * d.w;
    float* y = a.y + p * wo;
    ilp_loop(grid_first(), grid_stride(), wo,
             [&](int64_t t) {
               const int i = static_cast<int>(t / s), r = static_cast<int>(t % s);
               const float prev = i > 0 ? x[i - 1] : 0.f, next = i + 1 < d.w ? x[i + 1] : 0.f;
               return before[r] * prev + on[r] * x[i] + after[r] * next;
             },
             [&](int64_t t, float v) { y[t] = v; });
  }
}

}  // namespace

void run(const UpsampleFirArgs& a, cudaStream_t stream) {
  if (a.d.s < 1 || a.d.s > kMaxScale) throw std::invalid_argument(XFV_BACKEND_NAME ": upsample_fir takes scales of 1 to 64");
  const int64_t wo = static_cast<int64_t>(a.d.w) * a.d.s;
  if (a.d.planes == 0 || wo == 0) return;
  XFV_LAUNCH(upsample_fir_kernel, plane_grid(wo, a.d.planes), kBlock, 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
