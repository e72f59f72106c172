#include "tests/reference64_voice.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace xfv {
namespace reference64_voice {

Out ref(const GatedActivationArgs& a, const In& in) {
  const GatedActivationDesc& d = a.d;
  Out b(in[1].begin(), in[1].end());
  if (d.s > 1) {  // the upsampling stage by its definition
    UpsampleFirArgs up;
    up.d = {d.n * 2 * d.c, d.t / d.s, d.s};
    b = ref(up, {in[1], in[2]});
  }
  Out y;
  for (int n = 0; n < d.n; ++n)
    for (int c = 0; c < d.c; ++c)
      for (int t = 0; t < d.t; ++t) {
        const size_t lo = (static_cast<size_t>(n) * 2 * d.c + c) * d.t + t;
        const size_t hi = lo + static_cast<size_t>(d.c) * d.t;  // the gate half
        const double u = in[0][lo] + b[lo];
        const double g = in[0][hi] + b[hi];
        y.push_back(std::tanh(u) / (1 + std::exp(-g)));
      }
  return y;
}

Out ref(const MaxPoolArgs& a, const In& in) {
  const MaxPoolDesc& d = a.d;
  Out y;
  for (int p = 0; p < d.planes; ++p)
    for (int oy = 0; oy < d.h / d.kh; ++oy)
      for (int ox = 0; ox < d.w / d.kw; ++ox) {
        double m = -std::numeric_limits<double>::infinity();
        for (int i = 0; i < d.kh; ++i)
          for (int j = 0; j < d.kw; ++j)
            m = std::max(m, static_cast<double>(
                                in[0][(static_cast<size_t>(p) * d.h + oy * d.kh + i) * d.w + ox * d.kw + j]));
        y.push_back(m);
      }
  return y;
}

// PyTorch's adaptive windows, from the definition in real numbers.
Out ref(const AdaptiveAvgPoolArgs& a, const In& in) {
  const AdaptiveAvgPoolDesc& d = a.d;
  const auto window = [](int i, int size, int out) {
    return std::pair{static_cast<int>(std::floor(static_cast<double>(i) * size / out)),
                     static_cast<int>(std::ceil(static_cast<double>(i + 1) * size / out))};
  };
  Out y;
  for (int p = 0; p < d.planes; ++p)
    for (int oy = 0; oy < d.out_h; ++oy)
      for (int ox = 0; ox < d.out_w; ++ox) {
        const auto [y0, y1] = window(oy, d.h, d.out_h);
        const auto [x0, x1] = window(ox, d.w, d.out_w);
        double s = 0;
        for (int iy = y0; iy < y1; ++iy)
          for (int ix = x0; ix < x1; ++ix) s += in[0][(static_cast<size_t>(p) * d.h + iy) * d.w + ix];
        y.push_back(s / ((y1 - y0) * (x1 - x0)));
      }
  return y;
}

Out ref(const ReplicationPadArgs& a, const In& in) {
  const ReplicationPadDesc& d = a.d;
  Out y;
  for (int p = 0; p < d.planes; ++p)
    for (int i = -d.left; i < d.w + d.right; ++i)
      y.push_back(in[0][static_cast<size_t>(p) * d.w + static_cast<size_t>(std::clamp(i, 0, d.w - 1))]);
  return y;
}

// The definition: the nearest stretch, then the zero-padded (2s+1)-tap FIR over it.
Out ref(const UpsampleFirArgs& a, const In& in) {
  const UpsampleFirDesc& d = a.d;
  const int64_t wo = int64_t{d.w} * d.s;
  Out y;
  for (int p = 0; p < d.planes; ++p)
    for (int64_t t = 0; t < wo; ++t) {
      double acc = 0;
      for (int k = 0; k <= 2 * d.s; ++k) {
        const int64_t j = t + k - d.s;
        if (j >= 0 && j < wo) acc += double{in[1][static_cast<size_t>(k)]} * in[0][static_cast<size_t>(p * d.w + j / d.s)];
      }
      y.push_back(acc);
    }
  return y;
}

Out ref(const TransposeArgs& a, const In& in) {
  const TransposeDesc& d = a.d;
  Out y;
  for (int p = 0; p < d.planes; ++p)
    for (int j = 0; j < d.w; ++j)
      for (int i = 0; i < d.h; ++i) y.push_back(in[0][(static_cast<size_t>(p) * d.h + i) * d.w + j]);
  return y;
}

// Column j of the window is a's column a0 + j or b's column b0 + j - wa, or 0 where the
// absolute time time0 + j lies outside [0, end).
Out ref(const TimeWindowArgs& a, const In& in) {
  const TimeWindowDesc& d = a.d;
  Out y;
  for (int p = 0; p < d.planes; ++p)
    for (int j = 0; j < d.wa + d.wb; ++j) {
      const int64_t t = d.time0 + j;
      if (t < 0 || t >= d.end)
        y.push_back(0);
      else if (j < d.wa)
        y.push_back(in[0][static_cast<size_t>(p) * d.a_w + d.a0 + j]);
      else
        y.push_back(in[1][static_cast<size_t>(p) * d.b_w + d.b0 + j - d.wa]);
    }
  return y;
}

}  // namespace reference64_voice
}  // namespace xfv
