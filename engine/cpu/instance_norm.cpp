// Instance norm: plain, affine and AdaIN, with an optional LeakyReLU.
#include <cmath>
#include <functional>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"

namespace xfv {
namespace cpu {

void run(const InstanceNormArgs& a) {
  const InstanceNormDesc& d = a.d;
  const int64_t planes = static_cast<int64_t>(d.n) * d.c;
  const std::plus<double> add;
#pragma omp parallel for schedule(static) if (planes * d.hw >= kParallelMin)
  for (int64_t p = 0; p < planes; ++p) {
    const float* x = a.x + p * d.hw;
    float* y = a.y + p * d.hw;
    // Two passes in double: the cpu op is the reference the kernels are judged against.
    const double mean = lane_fold(d.hw, 0.0, add, [x](int64_t i) { return double{x[i]}; }) / d.hw;
    const double sq = lane_fold(d.hw, 0.0, add, [x, mean](int64_t i) {
      const double v = x[i] - mean;
      return v * v;
    });
    const double rstd = 1.0 / std::sqrt(sq / d.hw + d.eps);

    const int64_t n = p / d.c, c = p % d.c;
    const int64_t at = n * d.param_stride + c;
    const double gamma = d.gamma_bias + (a.gamma ? a.gamma[at] : 1.0 - d.gamma_bias);
    const double beta = a.beta ? a.beta[at + d.beta_offset] : 0.0;
    // Centre first: a constant plane then normalizes to exactly 0, not to rounding noise.
    const float centre = static_cast<float>(mean);
    const float scale = static_cast<float>(gamma * rstd);
    const float shift = static_cast<float>(beta);
    const float slope = d.leaky ? d.slope : 1.f;
    for (int i = 0; i < d.hw; ++i) y[i] = leaky_relu((x[i] - centre) * scale + shift, slope);
  }
}

}  // namespace cpu
}  // namespace xfv
