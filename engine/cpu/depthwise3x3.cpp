// The fixed depthwise 3x3 filter (StarGAN v2's high-pass), zero padding 1.
//
// Loops run over the rows of all planes together (so that one big plane still spreads over
// the cores) with a contiguous inner loop along the row that the compiler vectorizes, in
// the order of the plain per-pixel definition: these ops are the reference the kernels
// are tested against, bit for bit that of the per-pixel loops.
#include <algorithm>
#include <vector>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"
#include "engine/cpu/per_thread.h"

namespace xfv {
namespace cpu {
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
  PerThread<PaddedRows> per_thread(PaddedRows(a.x, w));
  parallel_region(per_thread.threads(), rows * w >= kParallelMin, [&] {
    PaddedRows& padded = per_thread.mine();
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
  });
}

}  // namespace cpu
}  // namespace xfv
