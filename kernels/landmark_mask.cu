// FAN's landmark masks (kernels/ops.h, LandmarkMaskArgs). A thread per output pixel walks
// the 98 heatmap planes in channel order, reading each at its group's shifted row, so the
// loads of a warp are coalesced along that row and every backend sums the channels in the
// same order. The per-value arithmetic is kernels/landmark_mask.cuh, shared with the cpu
// backend. Samples are in grid y.
#include "device_util.cuh"
#include "landmark_mask.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

__global__ void __launch_bounds__(kBlock) landmark_mask_kernel(LandmarkMaskArgs a) {
  const LandmarkMaskDesc& d = a.d;
  const int64_t hw = static_cast<int64_t>(d.h) * d.w;
  for (int64_t n = blockIdx.y; n < d.n; n += gridDim.y) {
    for (int64_t p = grid_first(); p < hw; p += grid_stride()) {
      const int i = static_cast<int>(p / d.w), j = static_cast<int>(p % d.w);
      double sum = 0;
      for (int c = 0; c < LandmarkMaskDesc::kLandmarks; ++c) {
        const LandmarkTerm t = landmark_term(c, d.h);
        if (t.power == 0 || (d.mask == 1 && !t.in_mask1)) continue;
        const int64_t plane = n * LandmarkMaskDesc::kLandmarks + c;
        const float* x = a.x + plane * hw + j;
        const float lo = truncate_heatmap(a.lo[plane]), den = minmax_denominator(a.hi[plane], a.lo[plane]);
        const auto value = [&](int shift) {
          return minmax_normalized(x[static_cast<int64_t>(wrap_row(i, shift, d.h)) * d.w], lo, den);
        };
        sum += landmark_term_value(value(t.shift), t.power, t.power == kEyePower ? value(kEyeFarShift) : 0.f);
      }
      a.y[n * hw + p] = landmark_mask_value(sum, d.mask);
    }
  }
}

}  // namespace

void run(const LandmarkMaskArgs& a, cudaStream_t stream) {
  const int64_t hw = static_cast<int64_t>(a.d.h) * a.d.w;
  if (a.d.n == 0 || hw == 0) return;
  const dim3 grid(ceil_div(hw, kBlock), static_cast<unsigned>(std::min(a.d.n, 65535)));
  XFV_LAUNCH(landmark_mask_kernel, grid, kBlock, 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
