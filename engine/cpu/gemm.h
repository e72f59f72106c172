// The one GEMM of the cpu backend, so that every caller gets BLIS where it is built in and
// the same results, slower, from plain loops where it is not (the bare GPU profile). Both
// give a column of C the same bits wherever it sits in a call of any width.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xfv {
namespace cpu {

// Row-major C (m x n, ldc) += alpha * A (m x k, lda) . op(B), where op(B) is B (k x n, ldb)
// or, with b_transposed, the transpose of B stored as (n x k, ldb).
void sgemm_accumulate(bool b_transposed, int m, int n, int k, float alpha, const float* a, int lda,
                      const float* b, int ldb, float* c, int ldc);

// The same by BLIS's own call (or the plain loops) whatever the shape; sgemm_accumulate
// runs a call on one thread on the packed path below instead (in blocks of 512 columns), with
// the same bits. The packed path's tests hold it against this.
void sgemm_accumulate_unpacked(bool b_transposed, int m, int n, int k, float alpha, const float* a, int lda,
                               const float* b, int ldb, float* c, int ldc);

// Whether sgemm_accumulate runs BLIS ("blis") or the plain loops ("plain").
const char* gemm_implementation();

// A packed once, for weights that stay unchanged: calls a few columns wide (a stream's steps)
// then do not pack it again, which was most of their GEMM time. The layout is BLIS's own
// (panels of A's rows as wide as its micro-kernel's tile: MR where the micro-kernel prefers
// rows of C, NR where it prefers columns and BLIS computes C^T = B^T A^T instead; zero-padded,
// k in BLIS's blocks of it), and the packed call runs BLIS's micro-kernel on the blocks BLIS's
// packed path would: it gives sgemm_accumulate's bits (CpuGemm's tests). packed_a_rows() is
// the panel's rows, or 0 where this is not available: without BLIS, or with a micro-kernel
// whose tile passes 1024 floats.
int packed_a_rows();
size_t packed_a_size(int m, int k);  // floats
void pack_a(int m, int k, const float* a, int lda, float* packed);
// Panel `panel` of an (m x k) A (its rows from panel * packed_a_rows() on, given at `rows`,
// row stride lda) into its place in pack_a's layout of the whole of A: a caller that makes A
// a few rows at a time (the 2-D Winograd weight transforms) packs them while they are in
// cache instead of writing A whole and reading it back.
void pack_a_panel(int m, int k, int panel, const float* rows, int lda, float* packed);
// B (k x n) by its rows in groups: row kk = g k_group + i (i < k_group) at data + g group_stride
// + i ld, so that a caller whose rows lie apart in groups (a long kernel's Winograd groups:
// every channel's transformed row, shifted along time by the group) has them packed where
// they are instead of copying them together first. A row-major B is one group.
struct GemmRows {
  const float* data;
  int64_t ld;
  int k_group;
  int64_t group_stride;
};
// C (m x n, ldc) = alpha * A . B + beta * C for rows [row0, row0 + m) of a (rows x k) matrix
// packed by pack_a (row0 a multiple of packed_a_rows()), on the calling thread; beta 1, or 0
// where C is written without being read (nothing to zero first: the same bits as accumulating
// onto zeros, but for the sign of an exact zero).
void sgemm_packed(int m, int n, int k, float alpha, const float* packed, int rows, int row0, const GemmRows& b,
                  float beta, float* c, int ldc);
// C += alpha * A . B, B (k x n, ldb) row-major.
inline void sgemm_accumulate_packed(int m, int n, int k, float alpha, const float* packed, int rows, int row0,
                                    const float* b, int ldb, float* c, int ldc) {
  sgemm_packed(m, n, k, alpha, packed, rows, row0, GemmRows{b, ldb, k, 0}, 1.f, c, ldc);
}

}  // namespace cpu
}  // namespace xfv
