#include "engine/cpu/gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#ifdef XFV_HAVE_BLIS
#include <blis.h>
#include <omp.h>

#include "engine/cpu/thread_scratch.h"
#endif

namespace xfv {
namespace cpu {

#ifdef XFV_HAVE_BLIS

namespace {

// BLIS picks its kernels from CPUID once, at its first call. Where it cannot tell how many
// AVX-512 FMA units a core has (a virtual machine may hide the model it reads them from) it
// takes its AVX2 kernels (haswell): on a 2-core AVX-512 Xeon VM, 206 GFLOP/s against 307 for
// its skx kernels (cpu/peak/sgemm_2048), and the voice conversion 1412 against 1106 ms
// (docs/performance.md). So where an Intel processor has what the skx kernels use (AVX-512 F,
// DQ, BW, VL), xfv asks BLIS for them through BLIS's own override, the BLIS_ARCH_TYPE variable
// (an index into its list of configurations), unless the caller has set it. AMD processors
// keep BLIS's choice (its zen kernels, which it picks by model, not by FMA units). Set when
// the library loads, before any thread of its own exists or BLIS has been called. A function
// of the processor's features, as every choice of kernel here is.
const bool kBlisArchChosen = [] {
  if (std::getenv("BLIS_ARCH_TYPE")) return false;
#if defined(__x86_64__)
  if (!(__builtin_cpu_is("intel") && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")))
    return false;
  for (int id = 0; id < BLIS_NUM_ARCHS; ++id)
    if (std::string(bli_arch_string(static_cast<arch_t>(id))) == "skx")
      return setenv("BLIS_ARCH_TYPE", std::to_string(id).c_str(), 0) == 0;
#endif
  return false;
}();

}  // namespace

// BLIS's packed path with one micro-kernel for every tile, edge tiles included, and the depth
// split independently of n: a column of C gets the same bits whatever the call's width and
// wherever the column sits in it, and whatever the threads. Its small-matrix path ("sup")
// sums in other orders by shape, so it is off. Inside a parallel region (the convs' column
// chunks) the call runs on the calling thread; outside, on the OpenMP team when it is large
// enough to repay the team's start and barriers: a stream's small steps spent three
// quarters of their time spinning in them.
namespace {

constexpr double kThreadedGemmMacs = 1 << 22;

bool runs_threaded(int m, int n, int k) {
  return !omp_in_parallel() && static_cast<double>(m) * n * k >= kThreadedGemmMacs;
}

}  // namespace

void sgemm_accumulate_unpacked(bool b_transposed, int m, int n, int k, float alpha, const float* a, int lda,
                               const float* b, int ldb, float* c, int ldc) {
  rntm_t rntm;
  bli_rntm_init(&rntm);
  bli_rntm_set_num_threads(runs_threaded(m, n, k) ? omp_get_max_threads() : 1, &rntm);
  bli_rntm_disable_l3_sup(&rntm);
  float beta = 1.f;
  // Row-major: row stride ld, column stride 1; a transposed B's strides are those of its
  // stored (n x k) form.
  bli_sgemm_ex(BLIS_NO_TRANSPOSE, b_transposed ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, m, n, k, &alpha,
               const_cast<float*>(a), lda, 1, const_cast<float*>(b), ldb, 1, &beta, c, ldc, 1, nullptr, &rntm);
}
// A call on one thread (inside a conv's parallel loop, or too small for a team) runs the packed
// path on A packed into the thread's scratch, B's columns in blocks of 512: BLIS's bits,
// without the control tree and the one-thread OpenMP team BLIS allocates in every call (3.6
// mallocs a call, counted under gdb), which kept a stream's push from being free of
// allocations. Parallel WaveGAN, whose 1x1s are such calls 5,000 columns wide, took no longer
// than with BLIS's own calls (docs/performance.md, 2026-12-06 morning).
constexpr int kPackedCallMaxWidth = 512;

void sgemm_accumulate(bool b_transposed, int m, int n, int k, float alpha, const float* a, int lda,
                      const float* b, int ldb, float* c, int ldc) {
  if (!runs_threaded(m, n, k) && !b_transposed && packed_a_rows() > 0) {
    float* packed = thread_scratch(ScratchUse::gemm_a, packed_a_size(m, k));
    pack_a(m, k, a, lda, packed);
    for (int j0 = 0; j0 < n; j0 += kPackedCallMaxWidth)
      sgemm_accumulate_packed(m, std::min(kPackedCallMaxWidth, n - j0), k, alpha, packed, m, 0, b + j0, ldb, c + j0, ldc);
    return;
  }
  sgemm_accumulate_unpacked(b_transposed, m, n, k, alpha, a, lda, b, ldb, c, ldc);
}
const char* gemm_implementation() { return "blis"; }

namespace {

using MicroKernel = void (*)(dim_t m, dim_t n, dim_t k, float* alpha, float* a, float* b, float* beta, float* c,
                             inc_t rs_c, inc_t cs_c, auxinfo_t* data, cntx_t* cntx);

// BLIS's float micro-kernel and blocking on this processor, queried once. A micro-kernel that
// prefers rows of C gets A's panels first and B's second; for one that prefers columns BLIS
// computes C^T = B^T A^T instead, so that A's rows go in its NR-wide panels, B's columns in
// its MR-wide ones, and the tiles of C are stored transposed (row stride 1). The packed path
// below does the same: `panel` is the rows of A per panel, `cols` the columns of B per panel.
struct Blocking {
  cntx_t* cntx = nullptr;
  MicroKernel kernel = nullptr;
  bool rows = true;  // the micro-kernel prefers rows of C
  int panel = 0, cols = 0, kc = 0, kc_max = 0, panels_per_block = 0;
  Blocking() {
    cntx = bli_gks_query_cntx();
    kc_max = static_cast<int>(bli_cntx_get_blksz_max_dt(BLIS_FLOAT, BLIS_KC, cntx));
    kc = static_cast<int>(bli_cntx_get_blksz_def_dt(BLIS_FLOAT, BLIS_KC, cntx));
    const int mr = static_cast<int>(bli_cntx_get_blksz_def_dt(BLIS_FLOAT, BLIS_MR, cntx));
    const int nr = static_cast<int>(bli_cntx_get_blksz_def_dt(BLIS_FLOAT, BLIS_NR, cntx));
    const int mc = static_cast<int>(bli_cntx_get_blksz_def_dt(BLIS_FLOAT, BLIS_MC, cntx));
    rows = bli_cntx_l3_nat_ukr_prefers_rows_dt(BLIS_FLOAT, BLIS_GEMM_UKR, cntx);
    panel = rows ? mr : nr;
    cols = rows ? nr : mr;
    panels_per_block = std::max(1, mc / panel);
    if (mr * nr <= kMaxTile)
      kernel = reinterpret_cast<MicroKernel>(bli_cntx_get_l3_nat_ukr_dt(BLIS_FLOAT, BLIS_GEMM_UKR, cntx));
    else
      panel = 0;
  }
  // The micro-kernel on a panel of A and one of B, for a tile of C (row stride ldc) or its
  // transpose, as the kernel prefers.
  void run(int k, float* alpha, float* a_panel, float* b_panel, float* beta, float* tile, int ldc,
           auxinfo_t* aux) const {
    if (rows)
      kernel(panel, cols, k, alpha, a_panel, b_panel, beta, tile, ldc, 1, aux, cntx);
    else
      kernel(cols, panel, k, alpha, b_panel, a_panel, beta, tile, 1, ldc, aux, cntx);
  }
  // The depth of the block of k from k0 on, as BLIS splits k: blocks of KC, but a rest of at
  // most its maximum KC in one block (bli_determine_blocksize_f_sub).
  int k_block(int k0, int k) const { return k - k0 <= kc_max ? k - k0 : kc; }
  static constexpr int kMaxTile = 1024;
};

const Blocking& blocking() {
  static const Blocking b;
  return b;
}

}  // namespace

int packed_a_rows() { return blocking().panel; }

// BLIS's micro-kernels load a few steps of k past a panel's end (software pipelining), which
// BLIS's own pack buffers, sized for its largest blocks, absorb: a packed A, and B's panels,
// end with this much slack, or a load past a buffer that ends at a page's end faults
// (xfv vocode segfaulted so in CI, under OMP_NUM_THREADS=1, in the skx kernel).
static size_t pack_slack() {
  const Blocking& g = blocking();
  return static_cast<size_t>(64) * std::max(g.panel, g.cols);
}

size_t packed_a_size(int m, int k) {
  const int mr = blocking().panel;
  return mr ? static_cast<size_t>((m + mr - 1) / mr) * mr * k + pack_slack() : 0;
}

// Block kb of k (k0 on, kk deep) holds every panel, panel p at p kk MR within it, element
// (i, kk_i) of a panel at kk_i MR + i: a block starts at panels MR k0. A's rows are read
// along their length, the panel written at a stride of MR within a block small enough for L1.
void pack_a_panel(int m, int k, int panel, const float* rows, int lda, float* packed) {
  const Blocking& g = blocking();
  const int mr = g.panel, panels = (m + mr - 1) / mr, count = std::min(mr, m - panel * mr);
  for (int k0 = 0, kk = 0; k0 < k; k0 += kk) {
    kk = g.k_block(k0, k);
    float* to = packed + static_cast<size_t>(panels) * mr * k0 + static_cast<size_t>(panel) * kk * mr;
    for (int i = 0; i < count; ++i) {
      const float* from = rows + static_cast<size_t>(i) * lda + k0;
      for (int kj = 0; kj < kk; ++kj) to[kj * mr + i] = from[kj];
    }
    for (int i = count; i < mr; ++i)
      for (int kj = 0; kj < kk; ++kj) to[kj * mr + i] = 0.f;
  }
}

void pack_a(int m, int k, const float* a, int lda, float* packed) {
  const int mr = blocking().panel;
  for (int p = 0; p * mr < m; ++p) pack_a_panel(m, k, p, a + static_cast<size_t>(p) * mr * lda, lda, packed);
}

namespace {

// A row of a B panel: W columns by a copy of known length (the compiler's vector moves; as
// std::copy_n these were calls to memmove of 64 or 128 bytes, 16% of HiFi-GAN's 32-channel
// kernel-11 conv under perf), or fewer, zero-padded, at the edge.
template <int W>
void copy_panel_row(const float* __restrict from, int cols, float* __restrict to) {
  if (cols == W) {
    std::memcpy(to, from, W * sizeof(float));  // of a constant size: inlined
    return;
  }
  for (int c = 0; c < W; ++c) to[c] = c < cols ? from[c] : 0.f;
}

void copy_panel_row(const float* from, int cols, int width, float* to) {
  if (width == 16) return copy_panel_row<16>(from, cols, to);
  if (width == 32) return copy_panel_row<32>(from, cols, to);
  std::copy_n(from, cols, to);
  std::fill(to + cols, to + width, 0.f);
}

}  // namespace

void sgemm_packed(int m, int n, int k, float alpha, const float* packed, int rows, int row0, const GemmRows& b,
                  float beta, float* c, int ldc) {
  const Blocking& g = blocking();
  const int mr = g.panel, nr = g.cols;
  const int panels = (rows + mr - 1) / mr, first = row0 / mr, own = (m + mr - 1) / mr;
  const int b_count = (n + nr - 1) / nr;
  // B's panels for one block of k: nr columns each, zero-padded.
  float* bp = thread_scratch(ScratchUse::gemm_panels, static_cast<size_t>(b_count) * nr * std::min(k, g.kc_max) + pack_slack());
  auxinfo_t aux;
  std::memset(&aux, 0, sizeof aux);
  float one = 1.f;
  for (int k0 = 0, kk = 0; k0 < k; k0 += kk) {
    kk = g.k_block(k0, k);
    float* block_beta = k0 == 0 ? &beta : &one;  // BLIS's micro-kernels never read C at beta 0
    for (int q = 0; q < b_count; ++q) {
      const int cols = std::min(nr, n - q * nr);
      float* to = bp + static_cast<size_t>(q) * kk * nr;
      // Row k0 + kj of B is row i of group g: stepped, not divided, per row.
      for (int kj = 0, group = k0 / b.k_group, i = k0 % b.k_group; kj < kk; ++kj) {
        copy_panel_row(b.data + group * b.group_stride + i * b.ld + q * nr, cols, nr, to + static_cast<size_t>(kj) * nr);
        if (++i == b.k_group) i = 0, ++group;
      }
    }
    float* block = const_cast<float*>(packed) + static_cast<size_t>(panels) * mr * k0;
    const auto a_panel = [&](int p) { return block + static_cast<size_t>(first + p) * kk * mr; };
    const auto b_panel = [&](int q) { return bp + static_cast<size_t>(q) * kk * nr; };
    // BLIS's order: blocks of MC rows, in each the B panels, in each the A panels (for a
    // micro-kernel that prefers columns the roles swap; only the speed depends on it).
    for (int p0 = 0; p0 < own; p0 += g.panels_per_block) {
      const int p1 = std::min(own, p0 + g.panels_per_block);
      for (int q = 0; q < b_count; ++q)
        for (int p = p0; p < p1; ++p) {
          const bool last = p + 1 == p1;  // the prefetch hints: the panels of the next call
          float* next_a = a_panel(last ? p0 : p + 1);
          float* next_b = b_panel(last ? std::min(q + 1, b_count - 1) : q);
          bli_auxinfo_set_next_a(g.rows ? next_a : next_b, &aux);
          bli_auxinfo_set_next_b(g.rows ? next_b : next_a, &aux);
          const int tile_rows = std::min(mr, m - p * mr), tile_cols = std::min(nr, n - q * nr);
          float* tile = c + static_cast<size_t>(p) * mr * ldc + static_cast<size_t>(q) * nr;
          if (tile_rows == mr && tile_cols == nr) {
            g.run(kk, &alpha, a_panel(p), b_panel(q), block_beta, tile, ldc, &aux);
            continue;
          }
          // An edge tile through a whole one, as BLIS's own edge handling does: the same sums.
          alignas(64) float whole[Blocking::kMaxTile] = {};
          if (*block_beta != 0.f)
            for (int i = 0; i < tile_rows; ++i) std::copy_n(tile + static_cast<size_t>(i) * ldc, tile_cols, whole + i * nr);
          g.run(kk, &alpha, a_panel(p), b_panel(q), block_beta, whole, nr, &aux);
          for (int i = 0; i < tile_rows; ++i) std::copy_n(whole + i * nr, tile_cols, tile + static_cast<size_t>(i) * ldc);
        }
    }
  }
}

#else

void sgemm_accumulate_unpacked(bool b_transposed, int m, int n, int k, float alpha, const float* a, int lda,
                               const float* b, int ldb, float* c, int ldc) {
  if (b_transposed) {
    // Dot products; parallel over every output so that m = 1 (a style vector) still spreads.
#pragma omp parallel for collapse(2) schedule(static)
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        const float* ai = a + static_cast<int64_t>(i) * lda;
        const float* bj = b + static_cast<int64_t>(j) * ldb;
        float s = 0.f;
        for (int kk = 0; kk < k; ++kk) s = std::fma(ai[kk], bj[kk], s);
        float& cij = c[static_cast<int64_t>(i) * ldc + j];
        cij = std::fma(alpha, s, cij);
      }
    return;
  }
  // Rows of B streamed into a block of sums, then alpha times each added to its C: the inner
  // loop is contiguous and vectorizes, and each element is summed as the dot products above
  // sum it, fused multiply-adds spelled out so that no compiler's choice of contraction tells
  // them apart (a linear layer's rows as one column give the transposed call's bits, as with
  // BLIS).
  constexpr int kBlock = 256;
#pragma omp parallel for schedule(static)
  for (int i = 0; i < m; ++i) {
    float* ci = c + static_cast<int64_t>(i) * ldc;
    for (int j0 = 0; j0 < n; j0 += kBlock) {
      const int width = std::min(kBlock, n - j0);
      float s[kBlock] = {};
      for (int kk = 0; kk < k; ++kk) {
        const float av = a[static_cast<int64_t>(i) * lda + kk];
        const float* bk = b + static_cast<int64_t>(kk) * ldb + j0;
        for (int j = 0; j < width; ++j) s[j] = std::fma(av, bk[j], s[j]);
      }
      for (int j = 0; j < width; ++j) ci[j0 + j] = std::fma(alpha, s[j], ci[j0 + j]);
    }
  }
}
void sgemm_accumulate(bool b_transposed, int m, int n, int k, float alpha, const float* a, int lda,
                      const float* b, int ldb, float* c, int ldc) {
  sgemm_accumulate_unpacked(b_transposed, m, n, k, alpha, a, lda, b, ldb, c, ldc);
}
const char* gemm_implementation() { return "plain"; }

int packed_a_rows() { return 0; }
size_t packed_a_size(int, int) { return 0; }
void pack_a(int, int, const float*, int, float*) {}
void pack_a_panel(int, int, int, const float*, int, float*) {}
void sgemm_packed(int, int, int, float, const float*, int, int, const GemmRows&, float, float*, int) {
  throw std::logic_error("cpu: sgemm_accumulate_packed without BLIS (packed_a_rows() is 0)");
}

#endif

}  // namespace cpu
}  // namespace xfv
