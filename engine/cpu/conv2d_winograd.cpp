// Winograd minimal filtering F(m x m, 3 x 3) for the cpu conv (Lavin & Gray, "Fast Algorithms
// for Convolutional Neural Networks", 2016). Each (m + 2)^2 input tile d and 3x3 filter g go
// to a transformed domain, V = B^T d B and U = G g G^T, where the conv of the tile is an
// elementwise product; summed over input channels that is one GEMM per transformed element,
// M[p] (cout x tiles) = U[p] (cout x cin) . V[p] (cin x tiles), and the m x m output tile is
// A^T M A. The GEMMs do 9 m^2 / (m + 2)^2 times fewer FLOPs than im2col's.
#include "engine/cpu/conv2d_winograd.h"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/cpu/gemm.h"

namespace xfv {
namespace cpu {
namespace {

// The 1-D transforms of F(2, 3), interpolation points 0, 1, -1 and infinity.
struct F2 {
  static constexpr int m = 2, a = 4;
  static void filter(const double g[3], double u[4]) {  // G g
    u[0] = g[0];
    u[1] = 0.5 * (g[0] + g[1] + g[2]);
    u[2] = 0.5 * (g[0] - g[1] + g[2]);
    u[3] = g[2];
  }
  static void input(const float d[4], float v[4]) {  // B^T d
    v[0] = d[0] - d[2];
    v[1] = d[1] + d[2];
    v[2] = d[2] - d[1];
    v[3] = d[1] - d[3];
  }
  static void output(const float s[4], float y[2]) {  // A^T s
    y[0] = s[0] + s[1] + s[2];
    y[1] = s[1] - s[2] - s[3];
  }
};

// The 1-D transforms of F(4, 3), interpolation points 0, 1, -1, 1/2, -2 and infinity: a third
// less rounding error than the usual 0, +-1, +-2 (Barabasz et al., "Error analysis and
// improving the accuracy of Winograd convolution for deep neural networks", 2020).
struct F4 {
  static constexpr int m = 4, a = 6;
  static void filter(const double g[3], double u[6]) {
    u[0] = g[0];
    u[1] = (g[0] + g[1] + g[2]) / 3;
    u[2] = (g[1] - g[0] - g[2]) / 3;
    u[3] = -(16 * g[0] + 8 * g[1] + 4 * g[2]) / 15;
    u[4] = (g[0] - 2 * g[1] + 4 * g[2]) / 15;
    u[5] = g[2];
  }
  static void input(const float d[6], float v[6]) {
    v[0] = d[0] - 1.5f * d[1] - 2 * d[2] + 1.5f * d[3] + d[4];
    v[1] = -d[1] + 0.5f * d[2] + 2.5f * d[3] + d[4];
    v[2] = d[1] - 2.5f * d[2] + 0.5f * d[3] + d[4];
    v[3] = -2 * d[1] - d[2] + 2 * d[3] + d[4];
    v[4] = 0.5f * d[1] - d[2] - 0.5f * d[3] + d[4];
    v[5] = d[1] - 1.5f * d[2] - 2 * d[3] + 1.5f * d[4] + d[5];
  }
  static void output(const float s[6], float y[4]) {
    const float a = s[1] + s[2], b = s[1] - s[2];
    y[0] = a + s[0] + s[3] + s[4];
    y[1] = b + 0.5f * s[3] - 2 * s[4];
    y[2] = a + 0.25f * s[3] + 4 * s[4];
    y[3] = b + 0.125f * s[3] - 8 * s[4] + s[5];
  }
};

constexpr int kFilterBlock = 16;

// g[t][c] = w[9 c + t]: a fixed permutation, with restrict pointers, so that the compiler
// does it in vector registers.
inline void taps_of(const float* __restrict w, float (*__restrict g)[kFilterBlock]) {
  for (int t = 0; t < 9; ++t)
    for (int c = 0; c < kFilterBlock; ++c) g[t][c] = w[c * 9 + t];
}

// u[p * ldu + c] = (G g_c G^T)[p] for the filters g_c at w + 9 c, c < n, in double until the
// one rounding to float, in blocks of 16 filters vectorized across the block.
template <class F>
void filter_transform(const float* w, int n, float* u, int64_t ldu) {
  constexpr int B = kFilterBlock, A = F::a;
  for (int c0 = 0; c0 < n; c0 += B) {
    const int nb = std::min(B, n - c0);
    float g[9][B];
    if (nb == B) {
      taps_of(w + c0 * 9, g);
    } else {
      for (int t = 0; t < 9; ++t)
        for (int c = 0; c < B; ++c) g[t][c] = c < nb ? w[(c0 + c) * 9 + t] : 0.f;
    }
    double gg[A][3][B];  // G g
    for (int col = 0; col < 3; ++col)
      for (int c = 0; c < B; ++c) {
        const double in[3] = {g[col][c], g[3 + col][c], g[6 + col][c]};
        double out[A];
        F::filter(in, out);
        for (int i = 0; i < A; ++i) gg[i][col][c] = out[i];
      }
    float ub[A * A][B];
    for (int i = 0; i < A; ++i)
      for (int c = 0; c < B; ++c) {
        const double in[3] = {gg[i][0][c], gg[i][1][c], gg[i][2][c]};
        double out[A];
        F::filter(in, out);
        for (int k = 0; k < A; ++k) ub[i * A + k][c] = static_cast<float>(out[k]);
      }
    for (int p = 0; p < A * A; ++p) std::copy(ub[p], ub[p] + nb, u + p * ldu + c0);
  }
}

// The tile transforms, each one loop over independent tiles that the compiler vectorizes:
// the pointers are restrict, and ivdep vouches that the rows written at a run-time stride do
// not overlap (there are more of them than gcc checks at run time).

// out[k * ldo + j] = B^T of (rows[i][x + j], i < a), for columns j < n.
template <class F>
void input_down(const float* const rows[], int x, int n, float* __restrict out, int64_t ldo) {
#pragma GCC ivdep
  for (int j = 0; j < n; ++j) {
    float d[F::a], v[F::a];
    for (int i = 0; i < F::a; ++i) d[i] = rows[i][x + j];
    F::input(d, v);
    for (int k = 0; k < F::a; ++k) out[k * ldo + j] = v[k];
  }
}

// v[k * ldv + j] = B^T of the a values from in[j * m], for tiles j < n.
template <class F>
void input_along_row(const float* __restrict in, int n, float* __restrict v, int64_t ldv) {
#pragma GCC ivdep
  for (int j = 0; j < n; ++j) {
    float d[F::a], out[F::a];
    for (int k = 0; k < F::a; ++k) d[k] = in[j * F::m + k];
    F::input(d, out);
    for (int k = 0; k < F::a; ++k) v[k * ldv + j] = out[k];
  }
}

// out[i * ldo + j] = A^T of (in[k * ldi + j], k < a), for tiles j < n.
template <class F>
void output_down(const float* __restrict in, int64_t ldi, int n, float* __restrict out,
                 int64_t ldo) {
#pragma GCC ivdep
  for (int j = 0; j < n; ++j) {
    float s[F::a], o[F::m];
    for (int k = 0; k < F::a; ++k) s[k] = in[k * ldi + j];
    F::output(s, o);
    for (int i = 0; i < F::m; ++i) out[i * ldo + j] = o[i];
  }
}

// out[j * m + i] = A^T of (in[k * ldi + j], k < a), for tiles j < n: m output columns each.
template <class F>
void output_along_row(const float* __restrict in, int64_t ldi, int n, float* __restrict out) {
#pragma GCC ivdep
  for (int j = 0; j < n; ++j) {
    float s[F::a], o[F::m];
    for (int k = 0; k < F::a; ++k) s[k] = in[k * ldi + j];
    F::output(s, o);
    for (int i = 0; i < F::m; ++i) out[j * F::m + i] = o[i];
  }
}

// U, the weights' transform, one cout x cin matrix per transformed element p: where
// packed_a_rows() > 0 in pack_a's layout for sgemm_accumulate_packed, which every chunk's
// GEMMs then read as it is (packing it in each GEMM call was a sixth of the voice generator's
// time); else row-major for sgemm_accumulate.
size_t u_point_size(const Conv2dDesc& d) {
  return packed_a_rows() > 0 ? packed_a_size(d.cout, d.cin) : static_cast<size_t>(d.cout) * d.cin;
}
// U is made in units: a panel of packed_a_rows() output channels, transformed into `panel`
// (P x rows x cin floats) and packed while it is in cache, or one output channel unpacked.
int u_units(const Conv2dDesc& d) {
  const int mr = packed_a_rows();
  return mr > 0 ? (d.cout + mr - 1) / mr : d.cout;
}
template <class F>
void transform_u_unit(const Conv2dDesc& d, const float* w, int unit, float* panel, float* u) {
  const int mr = packed_a_rows(), P = F::a * F::a;
  const int64_t filter = int64_t{d.cin} * 9;
  if (mr == 0) {
    filter_transform<F>(w + unit * filter, d.cin, u + int64_t{unit} * d.cin, int64_t{d.cout} * d.cin);
    return;
  }
  const int co0 = unit * mr, rows = std::min(mr, d.cout - co0);
  for (int i = 0; i < rows; ++i)
    filter_transform<F>(w + (co0 + i) * filter, d.cin, panel + int64_t{i} * d.cin, int64_t{mr} * d.cin);
  const size_t point = u_point_size(d);
  for (int p = 0; p < P; ++p) pack_a_panel(d.cout, d.cin, unit, panel + int64_t{p} * mr * d.cin, d.cin, u + p * point);
}

template <class F>
class Winograd {
  static constexpr int m = F::m, A = F::a, P = A * A;

 public:
  // `prepared`: U made by winograd2d_prepare, or null (made in the call).
  Winograd(const Conv2dArgs& args, const float* prepared)
      : a_(args), d_(args.d), ho_(d_.out_h()), wo_(d_.out_w()), th_((ho_ + m - 1) / m),
        tw_((wo_ + m - 1) / m), tiles_(int64_t{d_.n} * th_ * tw_), prepared_(prepared) {}

  void run() {
    const int threads = omp_get_max_threads();
    const int mr = packed_a_rows();
    // Chunks of 128 tiles keep the GEMMs near peak; wider ones gain nothing and spill the
    // last-level cache (V and M take P (cin + cout) floats a tile). Fewer where a chunk's V and
    // M would pass 8 MiB, or where a thread would get no chunk. Where that leaves chunks
    // narrower than 64 tiles (small planes), the threads rather split the output channels
    // between them, each transforming the chunk's inputs itself: each one then reads only its
    // part of U, not all of it.
    const int64_t cap = (int64_t{2} << 20) / (P * int64_t{d_.cin + d_.cout});
    int64_t chunk = std::min({int64_t{128}, cap, (tiles_ + threads - 1) / threads});
    blocks_ = 1;
    if (chunk < 64 && threads > 1) {
      chunk = std::min({int64_t{128}, cap, tiles_});
      blocks_ = std::max(1, std::min(threads, d_.cout / 16));
    }
    chunk_ = static_cast<int>(std::max<int64_t>(1, chunk));
    // A block of packed U starts on a panel of its rows.
    const int align = std::max(1, mr);
    block_ = ((d_.cout + blocks_ - 1) / blocks_ + align - 1) / align * align;
    blocks_ = (d_.cout + block_ - 1) / block_;
    ld_ = (chunk_ + 15) / 16 * 16;  // rows of V and M on 64-byte boundaries
    run_max_ = std::min(chunk_, tw_);
    rows_ld_ = run_max_ * m + A - m;
    const int64_t items = (tiles_ + chunk_ - 1) / chunk_ * blocks_;

    // The workspace: U (P points of u_point_size) unless prepared, then each thread's V
    // [P][cin][ld], M [P][block][ld], transform rows, a row of zeros for the padding and the
    // filters of one panel of U.
    const auto lines = [](int64_t floats) { return (floats + 15) / 16 * 16; };
    const int64_t u_size = prepared_ ? 0 : lines(P * static_cast<int64_t>(u_point_size(d_)));
    const int64_t v_size = lines(P * int64_t{d_.cin} * ld_);
    const int64_t m_size = lines(P * int64_t{block_} * ld_);
    const int64_t rows_size = lines(std::max(A * rows_ld_, (A + m) * m * run_max_));
    const int64_t panel_size = prepared_ ? 0 : lines(int64_t{P} * mr * d_.cin);
    const int64_t thread_size = v_size + m_size + rows_size + lines(d_.w) + panel_size;
    float* const work = thread_scratch(ScratchUse::conv, static_cast<size_t>(u_size + threads * thread_size));
    const float* const u = prepared_ ? prepared_ : work;
    // Each thread transforms and multiplies its own chunks, so that they stay in its core's
    // cache. The GEMM runs single-threaded inside a parallel region: 2 x 1 thread measured
    // 200-245 GFLOP/s on these GEMMs against 60-220 for one 2-thread GEMM after another
    // (with OpenBLAS, before BLIS replaced it).
#pragma omp parallel num_threads(threads)
    {
      Scratch s;
      s.v = work + u_size + omp_get_thread_num() * thread_size;
      s.m = s.v + v_size;
      s.rows = s.m + m_size;
      s.zeros = s.rows + rows_size;
      std::fill(s.zeros, s.zeros + d_.w, 0.f);
      if (!prepared_) {
        float* const panel = s.zeros + lines(d_.w);
#pragma omp for schedule(static)
        for (int unit = 0; unit < u_units(d_); ++unit) transform_u_unit<F>(d_, a_.w, unit, panel, work);
      }
#pragma omp for schedule(dynamic, 1)
      for (int64_t item = 0; item < items; ++item) {
        const int64_t t0 = item / blocks_ * chunk_;
        const int count = static_cast<int>(std::min<int64_t>(chunk_, tiles_ - t0));
        const int co0 = static_cast<int>(item % blocks_) * block_;
        const int co1 = std::min(d_.cout, co0 + block_);
        for (int ci = 0; ci < d_.cin; ++ci) input_channel(t0, count, ci, s);
        for (int p = 0; p < P; ++p) gemm(p, count, co0, co1, u, s);
        for (int co = co0; co < co1; ++co) output_channel(t0, count, co, co0, s);
      }
    }
  }

 private:
  struct Scratch {
    float *v, *m, *rows, *zeros;
  };

  // A row of tiles: image n, tile row ty, tiles [tx, tx + len), at column `at` of the chunk.
  struct Run {
    int n, ty, tx, len, at;
  };
  template <class Fn>
  void for_each_run(int64_t t0, int count, Fn&& fn) const {
    const int64_t per_image = int64_t{th_} * tw_;
    for (int at = 0; at < count;) {
      const int64_t t = t0 + at;
      const int rest = static_cast<int>(t % per_image);
      const Run r{static_cast<int>(t / per_image), rest / tw_, rest % tw_,
                  std::min(tw_ - rest % tw_, count - at), at};
      fn(r);
      at += r.len;
    }
  }

  // M[p] = U[p] . V[p] for the chunk's n tiles and the output channels [co0, co1).
  void gemm(int p, int n, int co0, int co1, const float* u, Scratch& s) const {
    float* mp = s.m + int64_t{p} * block_ * ld_;
    const float* vp = s.v + int64_t{p} * d_.cin * ld_;
    const float* up = u + p * u_point_size(d_);
    if (packed_a_rows() > 0) {
      sgemm_packed(co1 - co0, n, d_.cin, 1.f, up, d_.cout, co0, GemmRows{vp, ld_, d_.cin, 0}, 0.f, mp, ld_);
      return;
    }
    std::fill(mp, mp + int64_t{co1 - co0} * ld_, 0.f);
    sgemm_accumulate(false, co1 - co0, n, d_.cin, 1.f, up + int64_t{co0} * d_.cin, d_.cin, vp, ld_, mp, ld_);
  }

  // Channel ci of V for the chunk's tiles: B^T d down the columns of a run's A input rows
  // (contiguous, zero outside the image), then d B along each transformed row.
  void input_channel(int64_t t0, int count, int ci, Scratch& s) const {
    const int64_t vp = int64_t{d_.cin} * ld_;
    float* cols = s.rows;
    for_each_run(t0, count, [&](const Run& r) {
      const float* x = a_.x + (int64_t{r.n} * d_.cin + ci) * d_.h * d_.w;
      const float* in_rows[A];
      for (int i = 0; i < A; ++i) {
        const int iy = r.ty * m - d_.pad_h + i;
        in_rows[i] = iy >= 0 && iy < d_.h ? x + int64_t{iy} * d_.w : s.zeros;
      }
      const int x0 = r.tx * m - d_.pad_w;
      const int width = r.len * m + A - m;
      const int lo = std::clamp(-x0, 0, width), hi = std::clamp(d_.w - x0, lo, width);
      for (int i = 0; i < A; ++i) {
        std::fill(cols + i * rows_ld_, cols + i * rows_ld_ + lo, 0.f);
        std::fill(cols + i * rows_ld_ + hi, cols + i * rows_ld_ + width, 0.f);
      }
      input_down<F>(in_rows, x0 + lo, hi - lo, cols + lo, rows_ld_);
      float* v = s.v + int64_t{ci} * ld_ + r.at;
      for (int i = 0; i < A; ++i)
        input_along_row<F>(cols + i * rows_ld_, r.len, v + i * A * vp, vp);
    });
  }

  // Channel co of y = alpha * (A^T M A + bias) + beta * residual for the chunk's tiles, from
  // M's channels co0 on, clipped to the output where the last tiles of a row or column hang
  // over.
  void output_channel(int64_t t0, int count, int co, int co0, Scratch& s) const {
    const int run = run_max_;
    float* half = s.rows;                      // [m][A][run]: A^T M
    float* out = half + int64_t{m} * A * run;  // [m][m * run]: A^T M A
    const int64_t mp = int64_t{block_} * ld_;
    const float bias = a_.bias ? a_.bias[co] : 0.f;
    const float* mc = s.m + int64_t{co - co0} * ld_;
    for_each_run(t0, count, [&](const Run& r) {
      for (int c = 0; c < A; ++c)
        output_down<F>(mc + c * mp + r.at, A * mp, r.len, half + c * run, A * run);
      for (int i = 0; i < m; ++i)
        output_along_row<F>(half + i * A * run, run, r.len, out + i * m * run);
      const int x0 = r.tx * m, cols = std::min(r.len * m, wo_ - x0);
      for (int i = 0; i < m && r.ty * m + i < ho_; ++i) {
        const int64_t at = ((int64_t{r.n} * d_.cout + co) * ho_ + r.ty * m + i) * wo_ + x0;
        const float* o = out + i * m * run;
        float* y = a_.y + at;
        if (a_.residual) {
          const float* res = a_.residual + at;
          for (int k = 0; k < cols; ++k) y[k] = d_.alpha * (o[k] + bias) + d_.beta * res[k];
        } else {
          for (int k = 0; k < cols; ++k) y[k] = d_.alpha * (o[k] + bias);
        }
      }
    });
  }

  const Conv2dArgs& a_;
  const Conv2dDesc& d_;
  const int ho_, wo_, th_, tw_;
  const int64_t tiles_;
  int chunk_ = 0, ld_ = 0;        // tiles per chunk; the row stride of V and M
  int blocks_ = 1, block_ = 0;     // output channels: blocks of them, and channels per block
  int run_max_ = 0, rows_ld_ = 0;  // the longest run of tiles; the row stride of its rows
  const float* const prepared_;
};

}  // namespace

// The m x m output tiles of one image.
static int64_t tiles_per_image(const Conv2dDesc& d, int m) {
  return int64_t{(d.out_h() + m - 1) / m} * ((d.out_w() + m - 1) / m);
}

bool winograd_applies(const Conv2dDesc& d) {
  return d.kh == 3 && d.kw == 3 && d.stride_h == 1 && d.stride_w == 1 && d.dil_h == 1 &&
         d.dil_w == 1 && d.out_h() > 0 && d.out_w() > 0 && d.input_slope == 1.f;
}

int winograd_tile(const Conv2dDesc& d) {
  if (!winograd_applies(d) || d.cin < 16 || d.cout < 16) return 0;
  // Per image, not per batch: an image takes the same path, and so gives the same values,
  // whatever batch it runs in.
  // Measured on square planes, cin = cout from 16 to 512: F(2x2) beats im2col from about
  // 20 x 20 outputs on, and from 16 x 16 with 256 channels or more (below, the filter
  // transform and the short GEMMs eat the gain; so do the tile transforms with fewer than 16
  // channels, as in a conv from RGB); F(4x4) beats F(2x2) from about 48 x 48. F(4x4)'s
  // rounding error grows with cin: 1.1e-6 (relative L2 against float64) at cin 64, 1.4e-6
  // at 128, 2.0e-6 at 256, 2.2e-6 at 512, against 2.5-5e-7 for F(2x2) and 3e-7 for im2col,
  // so it is kept to cin <= 128.
  if (d.cin <= 128 && tiles_per_image(d, 4) >= 256) return 4;
  if (tiles_per_image(d, 2) >= 128 || (tiles_per_image(d, 2) >= 64 && d.cin >= 256 && d.cout >= 256)) return 2;
  return 0;
}

// U kept by a runner where a call has at most 1024 tiles (the voice generator's deep planes up
// to about 20 s of speech, a face's 16 x 16 and 32 x 32 ones): there, making U in the call costs
// as much as the GEMMs of a few dozen tiles, and keeping it took 8% off the voice generator
// (2.4 s) and 7% off the face generator. On larger planes it would be a few percent for memory
// (U is 16/9 or 4 times the weights). By shape alone; the same bits either way.
bool winograd2d_prepares(const Conv2dDesc& d, int m) {
  return tiles_per_image(d, m) <= 1024;
}

size_t winograd2d_prepared_size(const Conv2dDesc& d, int m) {
  return (m == 4 ? F4::a * F4::a : F2::a * F2::a) * u_point_size(d);
}

void winograd2d_prepare(const Conv2dDesc& d, int m, const float* w, float* prepared) {
  std::vector<float> panel(winograd2d_prepared_size(d, m) / u_point_size(d) * packed_a_rows() * d.cin);
  for (int unit = 0; unit < u_units(d); ++unit) {
    if (m == 4)
      transform_u_unit<F4>(d, w, unit, panel.data(), prepared);
    else
      transform_u_unit<F2>(d, w, unit, panel.data(), prepared);
  }
}

void conv2d_winograd(const Conv2dArgs& args, int m, const float* prepared) {
  if (m == 4)
    Winograd<F4>(args, prepared).run();
  else
    Winograd<F2>(args, prepared).run();
}

}  // namespace cpu
}  // namespace xfv
