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
#include <cstdlib>
#include <memory>

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

// The 1-D transforms of F(4, 3), interpolation points 0, 1, -1, 2, -2 and infinity.
struct F4 {
  static constexpr int m = 4, a = 6;
  static void filter(const double g[3], double u[6]) {
    u[0] = g[0] / 4;
    u[1] = -(g[0] + g[1] + g[2]) / 6;
    u[2] = -(g[0] - g[1] + g[2]) / 6;
    u[3] = (g[0] + 2 * g[1] + 4 * g[2]) / 24;
    u[4] = (g[0] - 2 * g[1] + 4 * g[2]) / 24;
    u[5] = g[2];
  }
  static void input(const float d[6], float v[6]) {
    v[0] = 4 * d[0] - 5 * d[2] + d[4];
    v[1] = (d[3] + d[4]) - 4 * (d[1] + d[2]);
    v[2] = (d[4] - d[3]) + 4 * (d[1] - d[2]);
    v[3] = (d[4] - d[2]) + 2 * (d[3] - d[1]);
    v[4] = (d[4] - d[2]) - 2 * (d[3] - d[1]);
    v[5] = 4 * d[1] - 5 * d[3] + d[5];
  }
  static void output(const float s[6], float y[4]) {
    const float a = s[1] + s[2], b = s[1] - s[2], c = s[3] + s[4], e = s[3] - s[4];
    y[0] = s[0] + a + c;
    y[1] = b + 2 * e;
    y[2] = a + 4 * c;
    y[3] = b + 8 * e + s[5];
  }
};

// The transforms as single loops over independent filters or tiles, which the compiler
// vectorizes across those: the pointers are restrict and ivdep vouches that the a rows
// written at a run-time stride do not overlap (more rows than gcc checks at run time).

// out[k * ldo + j] = G of (in[l * ldi + j], l < 3), for filters j < n.
template <class F, class In, class Out>
void filter_down(const In* __restrict in, int64_t ldi, int n, Out* __restrict out, int64_t ldo) {
#pragma GCC ivdep
  for (int j = 0; j < n; ++j) {
    const double g[3] = {static_cast<double>(in[j]), static_cast<double>(in[ldi + j]),
                         static_cast<double>(in[2 * ldi + j])};
    double u[F::a];
    F::filter(g, u);
    for (int k = 0; k < F::a; ++k) out[k * ldo + j] = static_cast<Out>(u[k]);
  }
}

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
void output_down(const float* __restrict in, int64_t ldi, int n, float* __restrict out, int64_t ldo) {
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

template <class F>
class Winograd {
  static constexpr int m = F::m, A = F::a, P = A * A;

 public:
  explicit Winograd(const Conv2dArgs& args)
      : a_(args), d_(args.d), ho_(d_.out_h()), wo_(d_.out_w()), th_((ho_ + m - 1) / m),
        tw_((wo_ + m - 1) / m), tiles_(int64_t{d_.n} * th_ * tw_) {}

  void run() {
    const int threads = omp_get_max_threads();
    // A chunk's V and M (P x (cin + cout) x chunk floats) stay within about 1 MiB, a core's
    // L2, while the GEMMs keep at least 16 columns, and every thread gets a chunk.
    const char* env = std::getenv("XFV_WINO_BUDGET");
    const int64_t budget = (env ? std::atoll(env) : 1024) * 1024 / sizeof(float);
    int64_t chunk = budget / (P * int64_t{d_.cin + d_.cout});
    if (const char* e = std::getenv("XFV_WINO_CHUNK")) chunk = std::atoll(e);
    chunk = std::min(chunk, (tiles_ + threads - 1) / threads);
    chunk_ = static_cast<int>(std::max<int64_t>(16, (chunk + 15) / 16 * 16));
    const int64_t chunks = (tiles_ + chunk_ - 1) / chunk_;

    std::unique_ptr<float[]> u(new float[size_t{P} * d_.cout * d_.cin]);
    // Each thread transforms and multiplies its own chunks, so that they stay in its core's
    // cache. OpenBLAS's OpenMP build runs single-threaded inside a parallel region: 2 x 1
    // thread measured 200-245 GFLOP/s on these GEMMs against 60-220 for one 2-thread GEMM
    // after another.
#pragma omp parallel num_threads(threads)
    {
      transform_filters(u.get());
      Scratch s(*this);
#pragma omp for schedule(dynamic, 1)
      for (int64_t c = 0; c < chunks; ++c) {
        const int64_t t0 = c * chunk_;
        const int count = static_cast<int>(std::min<int64_t>(chunk_, tiles_ - t0));
        transform_inputs(t0, count, s);
        for (int p = 0; p < P; ++p) {
          float* mp = s.mt.get() + int64_t{p} * d_.cout * chunk_;
          std::fill(mp, mp + int64_t{d_.cout} * chunk_, 0.f);
          sgemm_accumulate(false, d_.cout, count, d_.cin, 1.f, u.get() + int64_t{p} * d_.cout * d_.cin,
                           d_.cin, s.v.get() + int64_t{p} * d_.cin * chunk_, chunk_, mp, chunk_);
        }
        transform_outputs(t0, count, s);
      }
    }
  }

 private:
  // A thread's buffers: V [P][cin][chunk] and M (mt) [P][cout][chunk], then the transforms'
  // rows, each as wide as the longest run of tiles in one tile row.
  struct Scratch {
    explicit Scratch(const Winograd& w)
        : run_max(std::min(w.chunk_, w.tw_)),
          ld(run_max * m + A - m),
          v(new float[size_t{P} * w.d_.cin * w.chunk_]),
          mt(new float[size_t{P} * w.d_.cout * w.chunk_]),
          rows(new float[std::max(A * ld, (A + m) * m * run_max)]),
          zeros(new float[static_cast<size_t>(w.d_.w)]()) {}
    int run_max, ld;
    std::unique_ptr<float[]> v, mt, rows, zeros;
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

  // U [P][cout][cin], in double until the one rounding to float.
  void transform_filters(float* u) const {
    const int n = d_.cin;
    const int64_t plane = int64_t{d_.cout} * n;
    std::unique_ptr<float[]> taps(new float[size_t{9} * n]);     // [tap][ci]
    std::unique_ptr<double[]> gg(new double[size_t{A} * 3 * n]);  // G g: [row][column][ci]
#pragma omp for schedule(static)
    for (int co = 0; co < d_.cout; ++co) {
      const float* w = a_.w + int64_t{co} * n * 9;
      for (int ci = 0; ci < n; ++ci)
        for (int t = 0; t < 9; ++t) taps[t * n + ci] = w[ci * 9 + t];
      for (int c = 0; c < 3; ++c) filter_down<F>(taps.get() + c * n, 3 * n, n, gg.get() + c * n, 3 * n);
      for (int i = 0; i < A; ++i) filter_down<F>(gg.get() + i * 3 * n, n, n, u + i * A * plane + int64_t{co} * n, plane);
    }
  }

  // V of the chunk's tiles: B^T d down the columns of a run's A input rows (contiguous,
  // zero outside the image), then d B along each transformed row.
  void transform_inputs(int64_t t0, int count, Scratch& s) const {
    const int64_t plane = int64_t{d_.h} * d_.w;
    const int64_t vp = int64_t{d_.cin} * chunk_;
    float* cols = s.rows.get();
    for (int ci = 0; ci < d_.cin; ++ci)
      for_each_run(t0, count, [&](const Run& r) {
        const float* x = a_.x + (int64_t{r.n} * d_.cin + ci) * plane;
        const float* in_rows[A];
        for (int i = 0; i < A; ++i) {
          const int iy = r.ty * m - d_.pad_h + i;
          in_rows[i] = iy >= 0 && iy < d_.h ? x + int64_t{iy} * d_.w : s.zeros.get();
        }
        const int x0 = r.tx * m - d_.pad_w;
        const int width = r.len * m + A - m;
        const int lo = std::clamp(-x0, 0, width), hi = std::clamp(d_.w - x0, lo, width);
        for (int i = 0; i < A; ++i) {
          std::fill(cols + i * s.ld, cols + i * s.ld + lo, 0.f);
          std::fill(cols + i * s.ld + hi, cols + i * s.ld + width, 0.f);
        }
        input_down<F>(in_rows, x0 + lo, hi - lo, cols + lo, s.ld);
        float* v = s.v.get() + int64_t{ci} * chunk_ + r.at;
        for (int i = 0; i < A; ++i) input_along_row<F>(cols + i * s.ld, r.len, v + i * A * vp, vp);
      });
  }

  // y = alpha * (A^T M A + bias) + beta * residual for the chunk's tiles, clipped to the
  // output where the last tiles of a row or column hang over.
  void transform_outputs(int64_t t0, int count, Scratch& s) const {
    const int run = s.run_max;
    float* half = s.rows.get();                    // [m][A][run]: A^T M
    float* out = half + int64_t{m} * A * run;      // [m][m * run]: A^T M A
    const int64_t mp = int64_t{d_.cout} * chunk_;
    for (int co = 0; co < d_.cout; ++co) {
      const float bias = a_.bias ? a_.bias[co] : 0.f;
      const float* mc = s.mt.get() + int64_t{co} * chunk_;
      for_each_run(t0, count, [&](const Run& r) {
        for (int c = 0; c < A; ++c) output_down<F>(mc + c * mp + r.at, A * mp, r.len, half + c * run, A * run);
        for (int i = 0; i < m; ++i) output_along_row<F>(half + i * A * run, run, r.len, out + i * m * run);
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
  }

  const Conv2dArgs& a_;
  const Conv2dDesc& d_;
  const int ho_, wo_, th_, tw_;
  const int64_t tiles_;
  int chunk_ = 0;
};

}  // namespace

bool winograd_applies(const Conv2dDesc& d) {
  return d.kh == 3 && d.kw == 3 && d.stride_h == 1 && d.stride_w == 1 && d.dil_h == 1 &&
         d.dil_w == 1 && d.out_h() > 0 && d.out_w() > 0;
}

bool winograd_pays(const Conv2dDesc& d) {
  return winograd_applies(d) && d.cin >= 16 && d.cout >= 16;
}

void conv2d_winograd(const Conv2dArgs& args) {
  const char* env = std::getenv("XFV_WINO_M");
  if (env && std::atoi(env) == 4)
    Winograd<F4>(args).run();
  else
    Winograd<F2>(args).run();
}

}  // namespace cpu
}  // namespace xfv
