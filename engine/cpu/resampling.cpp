// Average pooling, nearest upsampling, bilinear resize, and the fixed depthwise 3x3 filter.
//
// Each op loops over the rows of all planes together (so that one big plane still spreads
// over the cores) with a contiguous inner loop along the row that the compiler vectorizes.
// The arithmetic and its order are those of the plain per-pixel definition, so the results
// are bit for bit those of the per-pixel loops: these ops are the reference the kernels are
// tested against.
#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/pool_rows.h"

namespace xfv {
namespace cpu {
namespace {

// One output row of the pooling. The sum of each window runs in the order of a per-pixel
// loop (window rows, then columns), accumulated in the output row itself. kKw fixes the
// kernel width at compile time, which lets the inner loop vectorize; 0 takes d.kw.
template <int kKw>
void pool_row(const AvgPoolDesc& d, const float* __restrict x, float* __restrict y) {
  const int kw = kKw > 0 ? kKw : d.kw, wo = d.w / kw;
  const float inv = 1.f / static_cast<float>(d.kh * kw);
  std::fill_n(y, wo, 0.f);
  for (int i = 0; i < d.kh; ++i) {
    const float* r = x + static_cast<int64_t>(i) * d.w;
    for (int ox = 0; ox < wo; ++ox)
      for (int j = 0; j < kw; ++j) y[ox] += r[ox * kw + j];
  }
  for (int ox = 0; ox < wo; ++ox) y[ox] *= inv;
}

// One source row widened by the factor: kSw as in pool_row.
template <int kSw>
void widen_row(const UpsampleNearestDesc& d, const float* __restrict x, float* __restrict y) {
  const int sw = kSw > 0 ? kSw : d.sw;
  for (int ix = 0; ix < d.w; ++ix)
    for (int j = 0; j < sw; ++j) y[ix * sw + j] = x[ix];
}

}  // namespace

void run(const AvgPoolArgs& a) { pool_rows(a.d, a.x, a.y, pool_row<2>, pool_row<0>); }

void run(const UpsampleNearestArgs& a) {
  const UpsampleNearestDesc& d = a.d;
  const int64_t wo = static_cast<int64_t>(d.w) * d.sw;
  const int64_t rows = static_cast<int64_t>(d.planes) * d.h;  // source rows
  const auto widen = d.sw == 2 ? widen_row<2> : widen_row<0>;
#pragma omp parallel for schedule(static) if (rows * wo * d.sh >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    float* y = a.y + r * d.sh * wo;
    widen(d, a.x + r * d.w, y);
    for (int i = 1; i < d.sh; ++i) std::memcpy(y + i * wo, y, wo * sizeof(float));
  }
}

namespace {

// PyTorch's source coordinates for bilinear interpolation without antialias along one axis,
// for every output index: the two taps and the weight of the second.
struct Taps {
  std::vector<int> i0, i1;
  std::vector<float> t;
};
Taps source_taps(int in, int out, bool align_corners) {
  Taps taps{std::vector<int>(out), std::vector<int>(out), std::vector<float>(out)};
  for (int dst = 0; dst < out; ++dst) {
    float src;
    if (align_corners) {
      const float scale = out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.f;
      src = scale * static_cast<float>(dst);
    } else {
      const float scale = static_cast<float>(in) / static_cast<float>(out);
      src = std::max(scale * (static_cast<float>(dst) + 0.5f) - 0.5f, 0.f);
    }
    const int i0 = std::min(static_cast<int>(src), in - 1);
    taps.i0[dst] = i0;
    taps.i1[dst] = std::min(i0 + 1, in - 1);
    taps.t[dst] = src - static_cast<float>(i0);
  }
  return taps;
}

// A thread's two source rows interpolated along x (the top and bottom of an output row),
// kept while the next output rows read the same ones: an upscale makes each of them once
// instead of once per output pixel.
class LerpedRows {
 public:
  // x: the source planes, rows of w; cols: the taps along x.
  LerpedRows(const float* x, int w, const Taps& cols) : x_(x), w_(w), cols_(cols) {
    for (std::vector<float>& r : rows_) r.resize(cols.t.size());
  }

  // Source rows `top` and `bottom` (counted over all planes), interpolated along x.
  std::pair<const float*, const float*> get(int64_t top, int64_t bottom) {
    if (held_[1] == top) {  // moving down: the old bottom is the new top
      std::swap(rows_[0], rows_[1]);
      std::swap(held_[0], held_[1]);
    }
    make(0, top);
    make(1, bottom);
    return {rows_[0].data(), rows_[1].data()};
  }

 private:
  void make(int slot, int64_t row) {
    if (held_[slot] == row) return;
    held_[slot] = row;
    const float* src = x_ + row * w_;
    float* out = rows_[slot].data();
    const int* i0 = cols_.i0.data();
    const int* i1 = cols_.i1.data();
    const float* t = cols_.t.data();
    for (size_t ox = 0; ox < cols_.t.size(); ++ox)
      out[ox] = (1.f - t[ox]) * src[i0[ox]] + t[ox] * src[i1[ox]];
  }

  const float* x_;
  int w_;
  const Taps& cols_;
  std::vector<float> rows_[2];
  int64_t held_[2] = {-1, -1};
};

}  // namespace

void run(const ResizeBilinearArgs& a) {
  const ResizeBilinearDesc& d = a.d;
  const Taps cols = source_taps(d.w, d.out_w, d.align_corners);
  const Taps rows = source_taps(d.h, d.out_h, d.align_corners);
  const int64_t out_rows = static_cast<int64_t>(d.planes) * d.out_h;
  // Up to three lerps an output pixel: its own along y, and where the source rows change
  // with every output row (a downscale), two along x.
#pragma omp parallel if (3 * out_rows * d.out_w >= kParallelMin)
  {
    LerpedRows lerped(a.x, d.w, cols);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < out_rows; ++r) {
      const int64_t p = r / d.out_h, oy = r % d.out_h;
      const auto [top, bottom] = lerped.get(p * d.h + rows.i0[oy], p * d.h + rows.i1[oy]);
      const float t = rows.t[oy];
      float* y = a.y + r * d.out_w;
      for (int ox = 0; ox < d.out_w; ++ox) y[ox] = (1.f - t) * top[ox] + t * bottom[ox];
    }
  }
}

namespace {

// A thread's zero-padded copies of the three source rows around an output row, so that the
// border pixels run the same loop as the others. (A separate border path had its
// multiply-adds contracted into FMAs differently, a last-bit difference.) Slot src % 3 holds
// source row src, counted over all planes: walking down, each row is copied once. Slot 3 is
// the padding row.
class PaddedRows {
 public:
  // x: the source planes, rows of w.
  PaddedRows(const float* x, int w) : x_(x), w_(w), buf_(4 * static_cast<size_t>(w + 2), 0.f) {}

  // Source row `src` with a zero either side; the padding row where src < 0.
  const float* get(int64_t src) {
    const int slot = src < 0 ? 3 : static_cast<int>(src % 3);
    float* row = buf_.data() + slot * static_cast<size_t>(w_ + 2);
    if (src >= 0 && held_[slot] != src) {
      held_[slot] = src;
      std::copy_n(x_ + src * w_, w_, row + 1);
    }
    return row;
  }

 private:
  const float* x_;
  int w_;
  std::vector<float> buf_;
  int64_t held_[3] = {-1, -1, -1};
};

}  // namespace

void run(const Depthwise3x3Args& a) {
  const Depthwise3x3Desc& d = a.d;
  const int w = d.w;
  float k[9];
  std::copy_n(d.k, 9, k);
  const int64_t rows = static_cast<int64_t>(d.planes) * d.h;
#pragma omp parallel if (rows * w >= kParallelMin)
  {
    PaddedRows padded(a.x, w);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const int oy = static_cast<int>(r % d.h);
      // Padding taps add k * 0 = +-0 to a sum that starts at +0 and so is never -0: the sum
      // is bit for bit that of the taps inside the plane.
      const float* in[3] = {padded.get(oy > 0 ? r - 1 : -1), padded.get(r),
                            padded.get(oy + 1 < d.h ? r + 1 : -1)};
      float* __restrict y = a.y + r * w;
      for (int ox = 0; ox < w; ++ox) {
        float s = 0.f;
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 3; ++j) s += k[i * 3 + j] * in[i][ox + j];
        y[ox] = s;
      }
    }
  }
}

}  // namespace cpu
}  // namespace xfv
