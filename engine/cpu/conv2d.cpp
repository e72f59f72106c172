// conv2d on the cpu: Winograd for the 3x3 stride-1 convs big enough to profit and for the
// vocoders' dilated 1-D convs of kernel 3, 5 and 7, else im2col in chunks, then a GEMM into the
// output: chunks of output rows for 2-D maps, chunks of columns spread over the threads for
// 1-D signals.
#include <omp.h>

#include <algorithm>
#include <string>
#include <variant>

#include "engine/cpu/activation.h"
#include "engine/cpu/conv2d_winograd.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/gemm.h"
#include "engine/cpu/parallel_for.h"
#include "engine/cpu/prepared_convs.h"

namespace xfv {
namespace cpu {
namespace {

// The im2col matrix of output rows [r0, r0 + rows): (cin*kh*kw, rows*wo).
void im2col_rows(const Conv2dDesc& d, const float* x, int r0, int rows, float* col) {
  const int wo = d.out_w();
  const int64_t cols = static_cast<int64_t>(rows) * wo;
  const int64_t K = static_cast<int64_t>(d.cin) * d.kh * d.kw;
#pragma omp parallel for schedule(static)
  for (int64_t kk = 0; kk < K; ++kk) {
    const int ci = static_cast<int>(kk / (d.kh * d.kw));
    const int ky = static_cast<int>(kk / d.kw % d.kh);
    const int kx = static_cast<int>(kk % d.kw);
    const float* plane = x + static_cast<int64_t>(ci) * d.h * d.w;
    float* out = col + kk * cols;
    for (int r = 0; r < rows; ++r) {
      const int iy = (r0 + r) * d.stride_h - d.pad_h + ky * d.dil_h;
      float* orow = out + static_cast<int64_t>(r) * wo;
      if (iy < 0 || iy >= d.h) {
        std::fill(orow, orow + wo, 0.f);
        continue;
      }
      const float* irow = plane + static_cast<int64_t>(iy) * d.w;
      for (int ox = 0; ox < wo; ++ox) {
        const int ix = ox * d.stride_w - d.pad_w + kx * d.dil_w;
        orow[ox] = (ix >= 0 && ix < d.w) ? leaky_relu(irow[ix], d.input_slope) : 0.f;
      }
    }
  }
}

// A 1x1 conv without input activation: one GEMM on the input as it lies.
bool is_pointwise(const Conv2dDesc& d) {
  return d.kh == 1 && d.kw == 1 && d.stride_h == 1 && d.stride_w == 1 && d.pad_h == 0 && d.pad_w == 0 &&
         d.input_slope == 1.f;
}

// y = alpha * bias + beta * residual, so that sgemm can accumulate alpha * W.col on top.
void prefill_epilogue(const Conv2dArgs& a, int64_t plane) {
  const Conv2dDesc& d = a.d;
  const int64_t planes = static_cast<int64_t>(d.n) * d.cout;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const float b = a.bias ? d.alpha * a.bias[p % d.cout] : 0.f;
    float* y = a.y + p * plane;
    const float* r = a.residual ? a.residual + p * plane : nullptr;
    if (r)
      for (int64_t i = 0; i < plane; ++i) y[i] = b + d.beta * r[i];
    else
      std::fill(y, y + plane, b);
  }
}

// The same on columns [o0, o0 + cols) of signal n of a 1-D conv: run just before the chunk's
// GEMM, while the chunk stays in cache, instead of a pass over the whole output first.
void prefill_epilogue_columns(const Conv2dArgs& a, int n, int o0, int cols) {
  const Conv2dDesc& d = a.d;
  const int64_t wo = d.out_w();
  for (int co = 0; co < d.cout; ++co) {
    const int64_t at = (int64_t{n} * d.cout + co) * wo + o0;
    const float b = a.bias ? d.alpha * a.bias[co] : 0.f;
    float* __restrict y = a.y + at;
    if (a.residual == a.y) {  // in place (Runner::plan)
      for (int j = 0; j < cols; ++j) y[j] = b + d.beta * y[j];
    } else if (a.residual) {
      const float* __restrict r = a.residual + at;
      for (int j = 0; j < cols; ++j) y[j] = b + d.beta * r[j];
    } else {
      std::fill(y, y + cols, b);
    }
  }
}

}  // namespace

ThreadSlices::ThreadSlices(size_t floats, int threads, size_t shared)
    : stride_((floats + 15) / 16 * 16),
      shared_((shared + 15) / 16 * 16),
      threads_(threads),
      base_(thread_scratch(ScratchUse::conv, shared_ + stride_ * static_cast<size_t>(threads))) {}

float* ThreadSlices::mine() const { return base_ + shared_ + stride_ * static_cast<size_t>(omp_get_thread_num()); }

// C (cout x cols, ldc) += alpha * W . B for W packed whole (im2col_prepare): the output
// channels split among the threads at whole panels, each on the packed path. A row sums over
// K alike however the rows are split: BLIS's bits.
void packed_gemm_by_rows(const Conv2dDesc& d, int K, const float* packed, const float* b, int ldb, int cols,
                         float* c, int ldc) {
  const int mr = packed_a_rows(), panels = (d.cout + mr - 1) / mr;
  const int threads = std::min(omp_get_max_threads(), panels);
  parallel_for(threads, int64_t{d.cout} * K * cols >= kParallelMin, [&](int64_t part) {
    const auto split = [&](int64_t i) { return static_cast<int>(std::min<int64_t>(d.cout, panels * i / threads * mr)); };
    const int co0 = split(part), co1 = split(part + 1);
    if (co1 > co0)
      sgemm_accumulate_packed(co1 - co0, cols, K, d.alpha, packed, d.cout, co0, b, ldb,
                              c + static_cast<int64_t>(co0) * ldc, ldc);
  });
}

// A 1-D signal: im2col by columns (conv1d_im2col), not by rows of a plane.
static bool is_one_d(const Conv2dDesc& d) { return d.h == 1 && d.kh == 1 && d.pad_h == 0; }

bool im2col_packs(const Conv2dDesc& d) {
  return packed_a_rows() > 0 && !winograd_tile(d) && !is_one_d(d) &&
         int64_t{d.out_h()} * d.out_w() <= kPackedMaxWidth;
}

size_t im2col_prepared_size(const Conv2dDesc& d) {
  return packed_a_size(d.cout, d.cin * d.kh * d.kw);
}

void im2col_prepare(const Conv2dDesc& d, const float* w, float* prepared) {
  const int K = d.cin * d.kh * d.kw;
  pack_a(d.cout, K, w, K, prepared);
}

void conv2d_im2col(const Conv2dArgs& a, const float* packed) {
  const Conv2dDesc& d = a.d;
  const int ho = d.out_h(), wo = d.out_w();
  const int64_t plane = static_cast<int64_t>(ho) * wo;
  const int64_t K = static_cast<int64_t>(d.cin) * d.kh * d.kw;
  prefill_epilogue(a, plane);

  const bool pointwise = is_pointwise(d);
  // Chunks of output rows keep the im2col buffer near 8 MiB, in cache-friendly reach.
  const int64_t budget = int64_t{2} << 20;
  const int rows_per_chunk =
      static_cast<int>(std::clamp<int64_t>(budget / std::max<int64_t>(1, K * wo), 1, ho));
  float* col = pointwise ? nullptr : thread_scratch(ScratchUse::conv, static_cast<size_t>(K * rows_per_chunk * wo));

  for (int n = 0; n < d.n; ++n) {
    const float* x = a.x + static_cast<int64_t>(n) * d.cin * d.h * d.w;
    float* y = a.y + static_cast<int64_t>(n) * d.cout * plane;
    const auto gemm = [&](const float* b, int cols, float* c) {
      if (packed)
        packed_gemm_by_rows(d, static_cast<int>(K), packed, b, cols, cols, c, static_cast<int>(plane));
      else
        sgemm_accumulate(false, d.cout, cols, static_cast<int>(K), d.alpha, a.w, static_cast<int>(K), b, cols, c,
                         static_cast<int>(plane));
    };
    if (pointwise) {
      gemm(x, static_cast<int>(plane), y);
      continue;
    }
    for (int r0 = 0; r0 < ho; r0 += rows_per_chunk) {
      const int rows = std::min(rows_per_chunk, ho - r0);
      im2col_rows(d, x, r0, rows, col);
      gemm(col, rows * wo, y + static_cast<int64_t>(r0) * wo);
    }
  }
}

void conv1d_im2col(const Conv2dArgs& a) {
  const Conv2dDesc& d = a.d;
  const int wo = d.out_w();
  const int64_t K = int64_t{d.cin} * d.kw;
  // A 1x1 conv's columns are the signal itself: its GEMM reads x in place. Its chunk keeps
  // the chunk of x and of y near 4 MiB, in the shared cache from the epilogue's prefill to
  // the GEMM that accumulates on it (Parallel WaveGAN's 1x1s write 128 rows of 57,600
  // samples: a whole-signal prefill would stream them through memory twice). Chunks of
  // 256 KiB, in a core's own cache, took 25% longer: each GEMM call packs its B again and
  // its short rows defeat the prefetchers (docs/performance.md).
  const bool pointwise = d.kw == 1 && d.pad_w == 0 && d.stride_w == 1 && d.input_slope == 1.f;
  // Else a chunk's column matrix stays near 1 MiB, in its core's cache, while its GEMM reads
  // it: whole-signal im2col of a vocoder conv would stream hundreds of MiB through memory.
  const int64_t per_chunk = pointwise ? (int64_t{1} << 20) / (K + d.cout) : (int64_t{1} << 18) / K;
  const int chunk = static_cast<int>(std::clamp<int64_t>(per_chunk / 16 * 16, 64, wo));
  const int chunks = (wo + chunk - 1) / chunk;
  const ThreadSlices workspace(pointwise ? 1 : static_cast<size_t>(K * chunk), omp_get_max_threads());  // 1x1: unused
  const bool parallel = int64_t{d.cout} * K * wo >= kParallelMin;
  parallel_for_dynamic(int64_t{d.n} * chunks, workspace.threads(), parallel, [&](int64_t job) {
    const int n = static_cast<int>(job / chunks), o0 = static_cast<int>(job % chunks) * chunk;
    const int cols = std::min(chunk, wo - o0);
    const float* x = a.x + int64_t{n} * d.cin * d.w;
    prefill_epilogue_columns(a, n, o0, cols);
    const float* b = x + o0;
    int ldb = d.w;
    if (!pointwise) {
      float* col = workspace.mine();
      for (int64_t kk = 0; kk < K; ++kk) {
        const float* row = x + kk / d.kw * d.w;
        const int shift = static_cast<int>(kk % d.kw) * d.dil_w - d.pad_w;
        gather_activated(row, d.w, int64_t{o0} * d.stride_w + shift, d.stride_w, cols, d.input_slope,
                         col + kk * cols);
      }
      b = col, ldb = cols;
    }
    // Inside the parallel loop the GEMM runs on the calling thread: one GEMM per core.
    sgemm_accumulate(false, d.cout, cols, static_cast<int>(K), d.alpha, a.w, static_cast<int>(K), b, ldb,
                     a.y + int64_t{n} * d.cout * wo + o0, wo);
  });
}

// One image at a time: the Winograd GEMMs' tile chunks would otherwise span images and
// take sizes that depend on the batch, and so would their rounding. An image gives the same
// values whatever batch it runs in (im2col already runs per image).
void winograd_per_image(const Conv2dArgs& a, int m, const float* prepared) {
  const Conv2dDesc& d = a.d;
  const int64_t in = int64_t{d.cin} * d.h * d.w, out = int64_t{d.cout} * d.out_h() * d.out_w();
  Conv2dArgs one = a;
  one.d.n = 1;
  for (int n = 0; n < d.n; ++n, one.x += in, one.y += out) {
    if (a.residual) one.residual = a.residual + n * out;
    conv2d_winograd(one, m, prepared);
  }
}

// The conv's algorithm, by shape: what run() does and algorithm() names.
struct ConvPlan {
  int winograd_2d = 0;  // m of F(m x m, 3 x 3), or 0
  Winograd1dScheme winograd_1d;
  bool one_d = false;      // im2col by columns (conv1d_im2col)
  bool pointwise = false;  // 2-D: no im2col at all
};

ConvPlan plan(const Conv2dDesc& d) {
  ConvPlan p;
  p.winograd_2d = winograd_tile(d);
  if (!p.winograd_2d) p.winograd_1d = winograd1d_scheme(d);
  p.one_d = is_one_d(d);
  p.pointwise = !p.one_d && is_pointwise(d);
  return p;
}

void run(const Conv2dArgs& a) { run(a, nullptr); }

void run(const Conv2dArgs& a, const PreparedConvs* prepared) {
  const ConvPlan p = plan(a.d);
  if (p.winograd_2d)
    winograd_per_image(a, p.winograd_2d, prepared ? prepared->find(a) : nullptr);
  else if (p.winograd_1d)
    conv1d_winograd(a, p.winograd_1d, prepared ? prepared->find(a) : nullptr);
  else if (p.one_d)
    conv1d_im2col(a);
  else
    conv2d_im2col(a, prepared ? prepared->find(a) : nullptr);
}

std::string algorithm(const OpArgs& op) {
  const Conv2dArgs* conv = std::get_if<Conv2dArgs>(&op);
  if (!conv) return "";
  const ConvPlan p = plan(conv->d);
  const auto text = [](int v) { return std::to_string(v); };
  if (p.winograd_2d) return "winograd F(" + text(p.winograd_2d) + "x" + text(p.winograd_2d) + ",3x3)";
  if (p.winograd_1d) return "winograd " + winograd1d_name(p.winograd_1d);
  return p.pointwise ? "gemm" : "im2col+gemm";
}
}  // namespace cpu
}  // namespace xfv
