// The tensor-core family's reference on the cpu: a conv, linear layer or transposed conv at a reduced
// precision (kernels/conv_mma.cu), each operand rounded exactly as the GPU rounds it as its
// fragments are built (kernels/precision.h) and the products summed in double. A kernel then
// differs from it by its fp32 accumulation alone (about 1e-7 relative), so that op tests on
// sim stay tight enough to catch an operand in the wrong place. Plain loops: a reference,
// not a fast path.
#include <algorithm>
#include <cstdint>
#include <utility>
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

// The first and one past the last output index o of a row whose input o * stride + offset
// lies in [0, size).
std::pair<int, int> valid_outputs(int out, int stride, int offset, int size) {
  const int first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int last = size - offset <= 0 ? 0 : (size - offset - 1) / stride + 1;
  return {std::min(first, out), std::max(std::min(last, out), std::min(first, out))};
}

}  // namespace

void run_rounded(const Conv2dArgs& a) {
  const Conv2dDesc& d = a.d;
  const int ho = d.out_h(), wo = d.out_w();
  const int64_t plane = int64_t{d.h} * d.w, taps = int64_t{d.kh} * d.kw, out_plane = int64_t{ho} * wo;
  const std::vector<double> x = rounded(d.precision, a.x, int64_t{d.n} * d.cin * plane, d.input_slope);
  const std::vector<double> w = rounded(d.precision, a.w, int64_t{d.cout} * d.cin * taps);
  // Each tap's product added across an output plane, rows innermost: the same double sums
  // in another order (a sum of exact products rounded in double either way), but loops the
  // compiler vectorizes, so that whole networks run at a reduced precision in tests.
#pragma omp parallel
  {
    std::vector<double> sum(static_cast<size_t>(out_plane));
#pragma omp for schedule(static)
    for (int64_t job = 0; job < int64_t{d.n} * d.cout; ++job) {
      const int64_t n = job / d.cout, co = job % d.cout;
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int ci = 0; ci < d.cin; ++ci)
        for (int ky = 0; ky < d.kh; ++ky) {
          const auto [y0, y1] = valid_outputs(ho, d.stride_h, ky * d.dil_h - d.pad_h, d.h);
          for (int kx = 0; kx < d.kw; ++kx) {
            const int offset = kx * d.dil_w - d.pad_w;
            const auto [x0, x1] = valid_outputs(wo, d.stride_w, offset, d.w);
            const double wv = w[static_cast<size_t>(((co * d.cin + ci) * d.kh + ky) * d.kw + kx)];
            for (int oy = y0; oy < y1; ++oy) {
              const double* xrow = x.data() + (n * d.cin + ci) * plane +
                                   int64_t{oy * d.stride_h + ky * d.dil_h - d.pad_h} * d.w;
              double* srow = sum.data() + int64_t{oy} * wo;
              for (int ox = x0; ox < x1; ++ox) srow[ox] += wv * xrow[ox * d.stride_w + offset];
            }
          }
        }
      for (int64_t i = 0; i < out_plane; ++i) {
        const int64_t o = job * out_plane + i;
        double v = d.alpha * (sum[static_cast<size_t>(i)] + (a.bias ? a.bias[co] : 0.0));
        if (a.residual) v += static_cast<double>(d.beta) * a.residual[o];
        a.y[o] = static_cast<float>(v);
      }
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
