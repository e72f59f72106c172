// The one GEMM of the cpu backend, so that every caller gets BLIS where it is built in and
// the same results, slower, from plain loops where it is not (the bare GPU profile). Both
// give a column of C the same bits wherever it sits in a call of any width.
#pragma once

namespace xfv {
namespace cpu {

// Row-major C (m x n, ldc) += alpha * A (m x k, lda) . op(B), where op(B) is B (k x n, ldb)
// or, with b_transposed, the transpose of B stored as (n x k, ldb).
void sgemm_accumulate(bool b_transposed, int m, int n, int k, float alpha, const float* a, int lda,
                      const float* b, int ldb, float* c, int ldc);

// Whether sgemm_accumulate runs BLIS ("blis") or the plain loops ("plain").
const char* gemm_implementation();

}  // namespace cpu
}  // namespace xfv
