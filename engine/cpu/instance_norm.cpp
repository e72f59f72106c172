// Instance norm: plain, affine and AdaIN, with an optional LeakyReLU and stream statistics.
#include <algorithm>
#include <cmath>
#include <functional>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"
#include "kernels/moments.h"

namespace xfv {
namespace cpu {
namespace {

// Two passes in double over `count` elements `at(i)`: the cpu op is the reference the
// kernels are judged against.
template <class At>
Moments<double> moments(int64_t count, At at) {
  if (count == 0) return {};
  const std::plus<double> add;
  const double mean = lane_fold(count, 0.0, add, at) / static_cast<double>(count);
  const double m2 = lane_fold(count, 0.0, add, [&at, mean](int64_t i) {
    const double v = at(i) - mean;
    return v * v;
  });
  return {static_cast<double>(count), mean, m2};
}

}  // namespace

void run(const InstanceNormArgs& a) {
  const InstanceNormDesc& d = a.d;
  const int64_t planes = static_cast<int64_t>(d.n) * d.c;
  const int64_t w = d.w > 0 ? d.w : d.hw, rows = d.hw / w;
  parallel_for(planes, planes * d.hw >= kParallelMin, [&](int64_t p) {
    const float* x = a.x + p * d.hw;
    float* y = a.y + p * d.hw;
    const float* prior = a.prior ? a.prior + p * kPriorFields : nullptr;
    // The plane's columns [from, w) of every row, merged with the prior's moments.
    const int64_t from = prior ? std::clamp<int64_t>(static_cast<int64_t>(prior[kPriorFrom]), 0, w) : 0;
    const int64_t cols = w - from;
    Moments<double> m = from == 0 ? moments(d.hw, [x](int64_t i) { return double{x[i]}; })
                                  : moments(rows * cols, [x, w, from, cols](int64_t i) {
                                      return double{x[i / cols * w + from + i % cols]};
                                    });
    if (prior) m = merge(Moments<double>{prior[kPriorCount], prior[kPriorMean], prior[kPriorM2]}, m);
    const double var = m.count > 0 ? m.m2 / m.count : 0.0;
    const double rstd = 1.0 / std::sqrt(var + d.eps);

    const int64_t n = p / d.c, c = p % d.c;
    const int64_t at = n * d.param_stride + c;
    const double gamma = d.gamma_bias + (a.gamma ? a.gamma[at] : 1.0 - d.gamma_bias);
    const double beta = a.beta ? a.beta[at + d.beta_offset] : 0.0;
    // Centre first: a constant plane then normalizes to exactly 0, not to rounding noise.
    const float centre = static_cast<float>(m.mean);
    const float scale = static_cast<float>(gamma * rstd);
    const float shift = static_cast<float>(beta);
    const float slope = d.leaky ? d.slope : 1.f;
    for (int i = 0; i < d.hw; ++i) y[i] = leaky_relu((x[i] - centre) * scale + shift, slope);
  });
}

}  // namespace cpu
}  // namespace xfv
