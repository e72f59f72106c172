#include "engine/cpu/gemm.h"

#include <cstdint>

#ifdef XFV_HAVE_BLIS
#include <blis.h>
#include <omp.h>
#endif

namespace xfv {
namespace cpu {

#ifdef XFV_HAVE_BLIS

// BLIS's packed path with one micro-kernel for every tile, edge tiles included, and the depth
// split independently of n: a column of C gets the same bits whatever the call's width and
// wherever the column sits in it, and whatever the threads. Its small-matrix path ("sup")
// sums in other orders by shape, so it is off. Inside a parallel region (the convs' column
// chunks) the call runs on the calling thread; outside, on the OpenMP team when it is large
// enough to repay the team's start and barriers: a stream's small steps spent three
// quarters of their time spinning in them.
constexpr double kThreadedGemmMacs = 1 << 22;

void sgemm_accumulate(bool b_transposed, int m, int n, int k, float alpha, const float* a, int lda,
                      const float* b, int ldb, float* c, int ldc) {
  rntm_t rntm;
  bli_rntm_init(&rntm);
  const bool threaded = !omp_in_parallel() && static_cast<double>(m) * n * k >= kThreadedGemmMacs;
  bli_rntm_set_num_threads(threaded ? omp_get_max_threads() : 1, &rntm);
  bli_rntm_disable_l3_sup(&rntm);
  float beta = 1.f;
  // Row-major: row stride ld, column stride 1; a transposed B's strides are those of its
  // stored (n x k) form.
  bli_sgemm_ex(BLIS_NO_TRANSPOSE, b_transposed ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, m, n, k, &alpha,
               const_cast<float*>(a), lda, 1, const_cast<float*>(b), ldb, 1, &beta, c, ldc, 1, nullptr, &rntm);
}
const char* gemm_implementation() { return "blis"; }

#else

void sgemm_accumulate(bool b_transposed, int m, int n, int k, float alpha, const float* a, int lda,
                      const float* b, int ldb, float* c, int ldc) {
  if (b_transposed) {
    // Dot products; parallel over every output so that m = 1 (a style vector) still spreads.
#pragma omp parallel for collapse(2) schedule(static)
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        const float* ai = a + static_cast<int64_t>(i) * lda;
        const float* bj = b + static_cast<int64_t>(j) * ldb;
        float s = 0.f;
        for (int kk = 0; kk < k; ++kk) s += ai[kk] * bj[kk];
        c[static_cast<int64_t>(i) * ldc + j] += alpha * s;
      }
    return;
  }
  // Rows of B streamed into rows of C: the inner loop is contiguous and vectorizes.
#pragma omp parallel for schedule(static)
  for (int i = 0; i < m; ++i) {
    float* ci = c + static_cast<int64_t>(i) * ldc;
    for (int kk = 0; kk < k; ++kk) {
      const float av = alpha * a[static_cast<int64_t>(i) * lda + kk];
      const float* bk = b + static_cast<int64_t>(kk) * ldb;
      for (int j = 0; j < n; ++j) ci[j] += av * bk[j];
    }
  }
}
const char* gemm_implementation() { return "plain"; }

#endif

}  // namespace cpu
}  // namespace xfv
