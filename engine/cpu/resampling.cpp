// Average pooling, nearest upsampling, bilinear resize, and the fixed depthwise 3x3 filter.
#include <algorithm>
#include <cmath>

#include "engine/cpu/cpu_ops.h"

namespace xfv {
namespace cpu {

void run(const AvgPoolArgs& a) {
  const AvgPoolDesc& d = a.d;
  const int ho = d.h / d.kh, wo = d.w / d.kw;
  const float inv = 1.f / static_cast<float>(d.kh * d.kw);
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < d.planes; ++p) {
    const float* x = a.x + p * d.h * d.w;
    float* y = a.y + p * ho * wo;
    for (int oy = 0; oy < ho; ++oy)
      for (int ox = 0; ox < wo; ++ox) {
        float s = 0.f;
        for (int i = 0; i < d.kh; ++i)
          for (int j = 0; j < d.kw; ++j) s += x[(oy * d.kh + i) * d.w + ox * d.kw + j];
        y[oy * wo + ox] = s * inv;
      }
  }
}

void run(const UpsampleNearestArgs& a) {
  const UpsampleNearestDesc& d = a.d;
  const int ho = d.h * d.sh, wo = d.w * d.sw;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < d.planes; ++p) {
    const float* x = a.x + p * d.h * d.w;
    float* y = a.y + p * ho * wo;
    for (int oy = 0; oy < ho; ++oy)
      for (int ox = 0; ox < wo; ++ox) y[oy * wo + ox] = x[(oy / d.sh) * d.w + ox / d.sw];
  }
}

namespace {

// PyTorch's source coordinate for bilinear interpolation without antialias: the two taps
// and the weight of the second.
struct Taps {
  int i0, i1;
  float t;
};
Taps source_taps(int dst, int in, int out, bool align_corners) {
  float src;
  if (align_corners) {
    const float scale = out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.f;
    src = scale * static_cast<float>(dst);
  } else {
    const float scale = static_cast<float>(in) / static_cast<float>(out);
    src = std::max(scale * (static_cast<float>(dst) + 0.5f) - 0.5f, 0.f);
  }
  const int i0 = std::min(static_cast<int>(src), in - 1);
  return {i0, std::min(i0 + 1, in - 1), src - static_cast<float>(i0)};
}

}  // namespace

void run(const ResizeBilinearArgs& a) {
  const ResizeBilinearDesc& d = a.d;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < d.planes; ++p) {
    const float* x = a.x + p * d.h * d.w;
    float* y = a.y + p * d.out_h * d.out_w;
    for (int oy = 0; oy < d.out_h; ++oy) {
      const Taps ty = source_taps(oy, d.h, d.out_h, d.align_corners);
      for (int ox = 0; ox < d.out_w; ++ox) {
        const Taps tx = source_taps(ox, d.w, d.out_w, d.align_corners);
        const float* r0 = x + static_cast<int64_t>(ty.i0) * d.w;
        const float* r1 = x + static_cast<int64_t>(ty.i1) * d.w;
        const float top = (1.f - tx.t) * r0[tx.i0] + tx.t * r0[tx.i1];
        const float bottom = (1.f - tx.t) * r1[tx.i0] + tx.t * r1[tx.i1];
        y[oy * d.out_w + ox] = (1.f - ty.t) * top + ty.t * bottom;
      }
    }
  }
}

void run(const Depthwise3x3Args& a) {
  const Depthwise3x3Desc& d = a.d;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < d.planes; ++p) {
    const float* x = a.x + p * d.h * d.w;
    float* y = a.y + p * d.h * d.w;
    for (int oy = 0; oy < d.h; ++oy)
      for (int ox = 0; ox < d.w; ++ox) {
        float s = 0.f;
        for (int i = 0; i < 3; ++i) {
          const int iy = oy + i - 1;
          if (iy < 0 || iy >= d.h) continue;
          for (int j = 0; j < 3; ++j) {
            const int ix = ox + j - 1;
            if (ix >= 0 && ix < d.w) s += d.k[i * 3 + j] * x[iy * d.w + ix];
          }
        }
        y[oy * d.w + ox] = s;
      }
  }
}

}  // namespace cpu
}  // namespace xfv
