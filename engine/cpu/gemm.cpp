#include "engine/cpu/gemm.h"

#include <cstdint>

#ifdef XFV_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace xfv {
namespace cpu {

#ifdef XFV_HAVE_OPENBLAS

void sgemm_accumulate(bool b_transposed, int m, int n, int k, float alpha, const float* a, int lda,
                      const float* b, int ldb, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, b_transposed ? CblasTrans : CblasNoTrans, m, n, k, alpha,
              a, lda, b, ldb, 1.f, c, ldc);
}
const char* gemm_implementation() { return "openblas"; }

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
