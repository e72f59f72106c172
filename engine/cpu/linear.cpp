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
    // Row i as a column: y_i^T (n x 1) += W (n x k) . x_i^T (k x 1), B's and C's rows one
    // float apart. Untransposed, a GEMV this small runs on the packed path, where BLIS's own
    // call with B transposed entered an OpenMP region (and libgomp allocated its team) in every
    // call: a stream's step runs the AdaIN layers' linear maps each time.
    for (int i = 0; i < d.m; ++i)
      sgemm_accumulate(false, d.n, 1, d.k, 1.f, w, d.k, x + static_cast<int64_t>(i) * d.k, 1,
                       y + static_cast<int64_t>(i) * d.n, 1);
    if (d.relu)
      for (int64_t i = 0; i < static_cast<int64_t>(d.m) * d.n; ++i) y[i] = std::max(y[i], 0.f);
  }
}

}  // namespace cpu
}  // namespace xfv
