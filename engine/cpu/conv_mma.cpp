// The tensor-core family's reference on the cpu: a conv, linear layer or transposed conv at a reduced
// precision (kernels/conv_mma.cu), each operand rounded exactly as the GPU rounds it as its
// fragments are built (kernels/precision.h) and the products summed in double. A kernel then
// differs from it by its fp32 accumulation alone (about 1e-7 relative), so that op tests on
// sim stay tight enough to catch an operand in the wrong place. Plain loops: a reference,
// not a fast path.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"

namespace xfv {
namespace cpu {
namespace {

// round(act(v)) for each of `count` values, as doubles: act is the op's input activation,
// applied in fp32 as the kernels apply it, before the rounding.
std::vector<double> rounded(Precision p, const float* v, int64_t count, float slope = 1.f) {
  std::vector<double> r(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) r[static_cast<size_t>(i)] = round_operand(p, leaky_relu(v[i], slope));
  return r;
}

}  // namespace

void run_rounded(const Conv2dArgs& a) {
  const Conv2dDesc& d = a.d;
  const int ho = d.out_h(), wo = d.out_w();
  const int64_t plane = int64_t{d.h} * d.w, taps = int64_t{d.kh} * d.kw, out_plane = int64_t{ho} * wo;
  const std::vector<double> x = rounded(d.precision, a.x, int64_t{d.n} * d.cin * plane, d.input_slope);
  const std::vector<double> w = rounded(d.precision, a.w, int64_t{d.cout} * d.cin * taps);
#pragma omp parallel for schedule(static)
  for (int64_t job = 0; job < int64_t{d.n} * d.cout; ++job) {
    const int64_t n = job / d.cout, co = job % d.cout;
    for (int oy = 0; oy < ho; ++oy)
      for (int ox = 0; ox < wo; ++ox) {
        double s = 0;
        for (int ci = 0; ci < d.cin; ++ci)
          for (int ky = 0; ky < d.kh; ++ky) {
            const int iy = oy * d.stride_h - d.pad_h + ky * d.dil_h;
            if (iy < 0 || iy >= d.h) continue;
            const double* xrow = &x[static_cast<size_t>((n * d.cin + ci) * plane + int64_t{iy} * d.w)];
            const double* wrow = &w[static_cast<size_t>(((co * d.cin + ci) * d.kh + ky) * d.kw)];
            for (int kx = 0; kx < d.kw; ++kx) {
              const int ix = ox * d.stride_w - d.pad_w + kx * d.dil_w;
              if (ix >= 0 && ix < d.w) s += xrow[ix] * wrow[kx];
            }
          }
        const int64_t o = job * out_plane + int64_t{oy} * wo + ox;
        double v = d.alpha * (s + (a.bias ? a.bias[co] : 0.0));
        if (a.residual) v += static_cast<double>(d.beta) * a.residual[o];
        a.y[o] = static_cast<float>(v);
      }
  }
}

void run_rounded(const LinearArgs& a) {
  const LinearDesc& d = a.d;
  for (int b = 0; b < d.batch; ++b) {
    const std::vector<double> x = rounded(d.precision, a.x + b * d.x_stride, int64_t{d.m} * d.k);
    const std::vector<double> w = rounded(d.precision, a.w + b * d.w_stride, int64_t{d.n} * d.k);
    for (int i = 0; i < d.m; ++i)
      for (int j = 0; j < d.n; ++j) {
        double s = a.bias ? a.bias[b * d.bias_stride + j] : 0.0;
        for (int k = 0; k < d.k; ++k)
          s += x[static_cast<size_t>(int64_t{i} * d.k + k)] * w[static_cast<size_t>(int64_t{j} * d.k + k)];
        a.y[b * d.y_stride + int64_t{i} * d.n + j] = static_cast<float>(d.relu ? std::max(s, 0.0) : s);
      }
  }
}

// By the definition, each input scattered through every tap (the reference's way, not the
// kernel's polyphase gather).
void run_rounded(const ConvTranspose1dArgs& a) {
  const ConvTranspose1dDesc& d = a.d;
  const int wo = d.out_w();
  const std::vector<double> x = rounded(d.precision, a.x, int64_t{d.n} * d.cin * d.w, d.input_slope);
  const std::vector<double> w = rounded(d.precision, a.w, int64_t{d.cin} * d.cout * d.k);
  std::vector<double> sum(static_cast<size_t>(wo));
  for (int64_t job = 0; job < int64_t{d.n} * d.cout; ++job) {
    const int64_t n = job / d.cout, co = job % d.cout;
    std::fill(sum.begin(), sum.end(), a.bias ? a.bias[co] : 0.0);
    for (int ci = 0; ci < d.cin; ++ci)
      for (int i = 0; i < d.w; ++i)
        for (int j = 0; j < d.k; ++j) {
          const int o = i * d.stride + j - d.pad;
          if (o >= 0 && o < wo)
            sum[static_cast<size_t>(o)] += x[static_cast<size_t>((n * d.cin + ci) * d.w + i)] *
                                           w[static_cast<size_t>((int64_t{ci} * d.cout + co) * d.k + j)];
        }
    for (int o = 0; o < wo; ++o) a.y[job * wo + o] = static_cast<float>(sum[static_cast<size_t>(o)]);
  }
}

}  // namespace cpu
}  // namespace xfv
