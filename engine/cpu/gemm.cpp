#include "engine/cpu/gemm.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#ifdef XFV_HAVE_BLIS
#include <blis.h>
#include <omp.h>

#include "engine/cpu/thread_scratch.h"
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

namespace {

using MicroKernel = void (*)(dim_t m, dim_t n, dim_t k, float* alpha, float* a, float* b, float* beta, float* c,
                             inc_t rs_c, inc_t cs_c, auxinfo_t* data, cntx_t* cntx);

// BLIS's float micro-kernel and blocking on this processor, queried once.
struct Blocking {
  cntx_t* cntx = nullptr;
  MicroKernel kernel = nullptr;
  int mr = 0, nr = 0, kc = 0, mc = 0;
  Blocking() {
    cntx = bli_gks_query_cntx();
    const int kc_max = static_cast<int>(bli_cntx_get_blksz_max_dt(BLIS_FLOAT, BLIS_KC, cntx));
    kc = static_cast<int>(bli_cntx_get_blksz_def_dt(BLIS_FLOAT, BLIS_KC, cntx));
    mr = static_cast<int>(bli_cntx_get_blksz_def_dt(BLIS_FLOAT, BLIS_MR, cntx));
    nr = static_cast<int>(bli_cntx_get_blksz_def_dt(BLIS_FLOAT, BLIS_NR, cntx));
    mc = static_cast<int>(bli_cntx_get_blksz_def_dt(BLIS_FLOAT, BLIS_MC, cntx)) / mr * mr;
    const bool rows = bli_cntx_l3_nat_ukr_prefers_rows_dt(BLIS_FLOAT, BLIS_GEMM_UKR, cntx);
    if (rows && kc == kc_max && mr * nr <= kMaxTile && mc > 0)
      kernel = reinterpret_cast<MicroKernel>(bli_cntx_get_l3_nat_ukr_dt(BLIS_FLOAT, BLIS_GEMM_UKR, cntx));
    else
      mr = 0;
  }
  static constexpr int kMaxTile = 1024;
};

const Blocking& blocking() {
  static const Blocking b;
  return b;
}

}  // namespace

int packed_a_rows() { return blocking().mr; }

size_t packed_a_size(int m, int k) {
  const int mr = blocking().mr;
  return mr ? static_cast<size_t>((m + mr - 1) / mr) * mr * k : 0;
}

// Block kb of k (k0 on, kk deep) holds every panel, panel p at p kk MR within it, element
// (i, kk_i) of a panel at kk_i MR + i: a block starts at panels MR k0.
void pack_a(int m, int k, const float* a, int lda, float* packed) {
  const Blocking& g = blocking();
  const int panels = (m + g.mr - 1) / g.mr;
  for (int k0 = 0; k0 < k; k0 += g.kc) {
    const int kk = std::min(g.kc, k - k0);
    float* block = packed + static_cast<size_t>(panels) * g.mr * k0;
    for (int p = 0; p < panels; ++p)
      for (int kj = 0; kj < kk; ++kj)
        for (int i = 0; i < g.mr; ++i) {
          const int row = p * g.mr + i;
          block[(static_cast<size_t>(p) * kk + kj) * g.mr + i] = row < m ? a[static_cast<size_t>(row) * lda + k0 + kj] : 0.f;
        }
  }
}

void sgemm_accumulate_packed(int m, int n, int k, float alpha, const float* packed, int rows, int row0, const float* b,
                             int ldb, float* c, int ldc) {
  const Blocking& g = blocking();
  const int panels = (rows + g.mr - 1) / g.mr, first = row0 / g.mr, own = (m + g.mr - 1) / g.mr;
  const int b_count = (n + g.nr - 1) / g.nr;
  // B's panels for one block of k: NR columns each, zero-padded.
  float* bp = thread_scratch(ScratchUse::gemm_panels, static_cast<size_t>(b_count) * g.nr * std::min(k, g.kc));
  float one = 1.f;
  auxinfo_t aux;
  std::memset(&aux, 0, sizeof aux);
  for (int k0 = 0; k0 < k; k0 += g.kc) {
    const int kk = std::min(g.kc, k - k0);
    for (int q = 0; q < b_count; ++q) {
      const int cols = std::min(g.nr, n - q * g.nr);
      float* to = bp + static_cast<size_t>(q) * kk * g.nr;
      const float* from = b + static_cast<size_t>(k0) * ldb + q * g.nr;
      for (int kj = 0; kj < kk; ++kj) {
        std::copy_n(from + static_cast<size_t>(kj) * ldb, cols, to + static_cast<size_t>(kj) * g.nr);
        std::fill(to + static_cast<size_t>(kj) * g.nr + cols, to + static_cast<size_t>(kj + 1) * g.nr, 0.f);
      }
    }
    const float* block = packed + static_cast<size_t>(panels) * g.mr * k0;
    // BLIS's order: blocks of MC rows, in each the B panels, in each the A panels.
    for (int p0 = 0; p0 < own; p0 += g.mc / g.mr) {
      const int p1 = std::min(own, p0 + g.mc / g.mr);
      for (int q = 0; q < b_count; ++q)
        for (int p = p0; p < p1; ++p) {
          float* a_panel = const_cast<float*>(block) + static_cast<size_t>(first + p) * kk * g.mr;
          float* b_panel = bp + static_cast<size_t>(q) * kk * g.nr;
          const bool last = p + 1 == p1;  // the prefetch hints: the panels of the next call
          bli_auxinfo_set_next_a(const_cast<float*>(block) + static_cast<size_t>(first + (last ? p0 : p + 1)) * kk * g.mr, &aux);
          bli_auxinfo_set_next_b(bp + static_cast<size_t>(last ? std::min(q + 1, b_count - 1) : q) * kk * g.nr, &aux);
          const int tile_rows = std::min(g.mr, m - p * g.mr), tile_cols = std::min(g.nr, n - q * g.nr);
          float* tile = c + static_cast<size_t>(p) * g.mr * ldc + static_cast<size_t>(q) * g.nr;
          if (tile_rows == g.mr && tile_cols == g.nr) {
            g.kernel(g.mr, g.nr, kk, &alpha, a_panel, b_panel, &one, tile, ldc, 1, &aux, g.cntx);
            continue;
          }
          // An edge tile through a whole one, as BLIS's own edge handling does: the same sums.
          alignas(64) float whole[Blocking::kMaxTile] = {};
          for (int i = 0; i < tile_rows; ++i) std::copy_n(tile + static_cast<size_t>(i) * ldc, tile_cols, whole + i * g.nr);
          g.kernel(g.mr, g.nr, kk, &alpha, a_panel, b_panel, &one, whole, g.nr, 1, &aux, g.cntx);
          for (int i = 0; i < tile_rows; ++i) std::copy_n(whole + i * g.nr, tile_cols, tile + static_cast<size_t>(i) * ldc);
        }
    }
  }
}

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

int packed_a_rows() { return 0; }
size_t packed_a_size(int, int) { return 0; }
void pack_a(int, int, const float*, int, float*) {}
void sgemm_accumulate_packed(int, int, int, float, const float*, int, int, const float*, int, float*, int) {
  throw std::logic_error("cpu: sgemm_accumulate_packed without BLIS (packed_a_rows() is 0)");
}

#endif

}  // namespace cpu
}  // namespace xfv
