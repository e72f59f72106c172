// Bilinear resize (PyTorch interpolate, no antialias).
//
// Loops run over the rows of all planes together (so that one big plane still spreads over
// the cores) with a contiguous inner loop along the row that the compiler vectorizes, in
// the order of the plain per-pixel definition: these ops are the reference the kernels
// are tested against, bit for bit that of the per-pixel loops.
#include <algorithm>
#include <utility>
#include <vector>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"
#include "engine/cpu/per_thread.h"

namespace xfv {
namespace cpu {
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
  PerThread<LerpedRows> per_thread(LerpedRows(a.x, d.w, cols));
  parallel_region(per_thread.threads(), 3 * out_rows * d.out_w >= kParallelMin, [&] {
    LerpedRows& lerped = per_thread.mine();
#pragma omp for schedule(static)
    for (int64_t r = 0; r < out_rows; ++r) {
      const int64_t p = r / d.out_h, oy = r % d.out_h;
      const auto [top, bottom] = lerped.get(p * d.h + rows.i0[oy], p * d.h + rows.i1[oy]);
      const float t = rows.t[oy];
      float* y = a.y + r * d.out_w;
      for (int ox = 0; ox < d.out_w; ++ox) y[ox] = (1.f - t) * top[ox] + t * bottom[ox];
    }
  });
}

}  // namespace cpu
}  // namespace xfv
