// FAN's landmark masks: a mask row at a time, each channel's shifted row added across the
// row's pixels (contiguous loads that vectorize), in channel order into double sums, so
// that each pixel's sum takes the same steps as the kernel's (kernels/landmark_mask.cuh).
#include <algorithm>
#include <vector>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"
#include "engine/cpu/per_thread.h"
#include "kernels/landmark_mask.cuh"

namespace xfv {
namespace cpu {

void run(const LandmarkMaskArgs& a) {
  const LandmarkMaskDesc& d = a.d;
  constexpr int kC = LandmarkMaskDesc::kLandmarks;
  const int64_t hw = static_cast<int64_t>(d.h) * d.w, rows = static_cast<int64_t>(d.n) * d.h;
  PerThread<std::vector<double>> sums(std::vector<double>(static_cast<size_t>(d.w)));
  parallel_region(sums.threads(), rows * hw * kC >= kParallelMin, [&] {
    std::vector<double>& sum = sums.mine();
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t n = r / d.h;
      const int i = static_cast<int>(r % d.h);
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int c = 0; c < kC; ++c) {
        const LandmarkTerm t = landmark_term(c, d.h);
        if (t.power == 0 || (d.mask == 1 && !t.in_mask1)) continue;
        const int64_t plane = n * kC + c;
        const float lo = truncate_heatmap(a.lo[plane]), den = minmax_denominator(a.hi[plane], a.lo[plane]);
        const float* near = a.x + plane * hw + static_cast<int64_t>(wrap_row(i, t.shift, d.h)) * d.w;
        if (t.power == kEyePower) {
          const float* far = a.x + plane * hw + static_cast<int64_t>(wrap_row(i, kEyeFarShift, d.h)) * d.w;
          for (int j = 0; j < d.w; ++j)
            sum[j] += landmark_term_value(minmax_normalized(near[j], lo, den), t.power,
                                          minmax_normalized(far[j], lo, den));
        } else {
          for (int j = 0; j < d.w; ++j)
            sum[j] += landmark_term_value(minmax_normalized(near[j], lo, den), t.power, 0.f);
        }
      }
      float* y = a.y + n * hw + static_cast<int64_t>(i) * d.w;
      for (int j = 0; j < d.w; ++j) y[j] = landmark_mask_value(sum[j], d.mask);
    }
  });
}

}  // namespace cpu
}  // namespace xfv
