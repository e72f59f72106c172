// Batched linear layers on the cpu: per batch entry (a mapping network head), one GEMV per
// row, so that a row's result does not depend on how many rows run with it (a batch of
// styles gives what one-at-a-time runs give; a GEMM's kernel choice depends on its size).
#include <algorithm>

#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/gemm.h"

namespace xfv {
namespace cpu {

void run(const LinearArgs& a) {
  const LinearDesc& d = a.d;
  for (int b = 0; b < d.batch; ++b) {
    const float* x = a.x + b * d.x_stride;
    const float* w = a.w + b * d.w_stride;
    float* y = a.y + b * d.y_stride;
    for (int i = 0; i < d.m; ++i) {
      float* row = y + static_cast<int64_t>(i) * d.n;
      if (a.bias)
        std::copy(a.bias + b * d.bias_stride, a.bias + b * d.bias_stride + d.n, row);
      else
        std::fill(row, row + d.n, 0.f);
    }
    for (int i = 0; i < d.m; ++i)
      sgemm_accumulate(/*b_transposed=*/true, 1, d.n, d.k, 1.f, x + static_cast<int64_t>(i) * d.k, d.k, w, d.k,
                       y + static_cast<int64_t>(i) * d.n, d.n);
    if (d.relu)
      for (int64_t i = 0; i < static_cast<int64_t>(d.m) * d.n; ++i) y[i] = std::max(y[i], 0.f);
  }
}

}  // namespace cpu
}  // namespace xfv
