#include "tests/reference64.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "engine/op_traits.h"
#include "kernels/precision.h"
#include "tests/reference64_voice.h"
#include <Random123/philox.h>

namespace xfv {
namespace {

using In = std::vector<std::vector<float>>;
using Out = std::vector<double>;
using reference64_voice::ref;

double lrelu(double v, double slope) { return v > 0 ? v : v * slope; }

// A GEMM operand at precision p: fp32's in double; a reduced precision's as the tensor cores
// take it, the activation applied in fp32 and the result rounded (kernels/precision.h).
double operand(Precision p, float v, float slope = 1.f) {
  if (p == Precision::Fp32) return lrelu(v, slope);
  return round_operand(p, v > 0 ? v : v * slope);
}

Out ref(const Conv2dArgs& a, const In& in) {
  const Conv2dDesc& d = a.d;
  const int ho = d.out_h(), wo = d.out_w();
  Out y(static_cast<size_t>(d.n) * d.cout * ho * wo);
  size_t o = 0;
  for (int n = 0; n < d.n; ++n)
    for (int co = 0; co < d.cout; ++co)
      for (int oy = 0; oy < ho; ++oy)
        for (int ox = 0; ox < wo; ++ox, ++o) {
          double s = in[2].empty() ? 0 : in[2][static_cast<size_t>(co)];
          for (int ci = 0; ci < d.cin; ++ci)
            for (int ky = 0; ky < d.kh; ++ky)
              for (int kx = 0; kx < d.kw; ++kx) {
                const int iy = oy * d.stride_h - d.pad_h + ky * d.dil_h;
                const int ix = ox * d.stride_w - d.pad_w + kx * d.dil_w;
                if (iy < 0 || iy >= d.h || ix < 0 || ix >= d.w) continue;
                s += operand(d.precision, in[0][((static_cast<size_t>(n) * d.cin + ci) * d.h + iy) * d.w + ix],
                             d.input_slope) *
                     operand(d.precision, in[1][((static_cast<size_t>(co) * d.cin + ci) * d.kh + ky) * d.kw + kx]);
              }
          y[o] = d.alpha * s + (in[3].empty() ? 0 : d.beta * static_cast<double>(in[3][o]));
        }
  return y;
}

// The transposed conv by its definition: each input scattered through every tap.
Out ref(const ConvTranspose1dArgs& a, const In& in) {
  const ConvTranspose1dDesc& d = a.d;
  const int wo = d.out_w();
  Out y(static_cast<size_t>(d.n) * d.cout * wo);
  for (int n = 0; n < d.n; ++n)
    for (int co = 0; co < d.cout; ++co) {
      double* out = &y[(static_cast<size_t>(n) * d.cout + co) * wo];
      for (int o = 0; o < wo; ++o) out[o] = in[2].empty() ? 0 : in[2][static_cast<size_t>(co)];
      for (int ci = 0; ci < d.cin; ++ci)
        for (int i = 0; i < d.w; ++i)
          for (int j = 0; j < d.k; ++j) {
            const int o = i * d.stride + j - d.pad;
            if (o >= 0 && o < wo)
              out[o] += operand(d.precision, in[0][(static_cast<size_t>(n) * d.cin + ci) * d.w + i], d.input_slope) *
                        operand(d.precision, in[1][(static_cast<size_t>(ci) * d.cout + co) * d.k + j]);
          }
    }
  return y;
}

Out ref(const InstanceNormArgs& a, const In& in) {
  const InstanceNormDesc& d = a.d;
  Out y(static_cast<size_t>(d.n) * d.c * d.hw);
  for (int n = 0; n < d.n; ++n)
    for (int c = 0; c < d.c; ++c) {
      const size_t base = (static_cast<size_t>(n) * d.c + c) * d.hw;
      // The prior's data stands in as `count` values of its mean plus its M2 about it: the
      // sum of squares about any m is then M2 + count (mean - m)^2 (no merge formula).
      const int w = d.w > 0 ? d.w : d.hw;
      double count = 0, prior_mean = 0, prior_m2 = 0;
      int from = 0;
      if (!in[3].empty()) {
        const float* p = &in[3][(static_cast<size_t>(n) * d.c + c) * kPriorFields];
        count = p[kPriorCount], prior_mean = p[kPriorMean], prior_m2 = p[kPriorM2];
        from = std::clamp(static_cast<int>(p[kPriorFrom]), 0, w);
      }
      const auto counted = [&](int i) { return i % w >= from; };
      double sum = count * prior_mean, total = count;
      for (int i = 0; i < d.hw; ++i)
        if (counted(i)) sum += in[0][base + i], total += 1;
      const double mean = sum / total;
      double var = prior_m2 + count * (prior_mean - mean) * (prior_mean - mean);
      for (int i = 0; i < d.hw; ++i)
        if (counted(i)) var += (in[0][base + i] - mean) * (in[0][base + i] - mean);
      var /= total;
      const size_t at = static_cast<size_t>(n) * d.param_stride + c;
      const double g = d.gamma_bias + (in[1].empty() ? 1.0 - d.gamma_bias : in[1][at]);
      const double b = in[2].empty() ? 0 : in[2][at + static_cast<size_t>(d.beta_offset)];
      for (int i = 0; i < d.hw; ++i) {
        const double v = g * (in[0][base + i] - mean) / std::sqrt(var + d.eps) + b;
        y[base + i] = d.leaky ? lrelu(v, d.slope) : v;
      }
    }
  return y;
}

Out ref(const ChannelAffineArgs& a, const In& in) {
  const ChannelAffineDesc& d = a.d;
  Out y(in[0].size());
  for (size_t i = 0; i < y.size(); ++i) {
    const size_t c = i / static_cast<size_t>(d.hw) % static_cast<size_t>(d.c);
    const double v = static_cast<double>(in[0][i]) * in[1][c] + in[2][c];
    y[i] = d.leaky ? lrelu(v, d.slope) : v;
  }
  return y;
}

Out ref(const UnaryArgs& a, const In& in) {
  Out y(in[0].size());
  for (size_t i = 0; i < y.size(); ++i) {
    const double x = in[0][i];
    switch (a.d.op) {
      case UnaryOp::kLeakyRelu: y[i] = lrelu(x, a.d.a); break;
      case UnaryOp::kScale: y[i] = a.d.a * x; break;
      case UnaryOp::kClamp: y[i] = std::min(std::max(x, static_cast<double>(a.d.a)), static_cast<double>(a.d.b)); break;
      case UnaryOp::kTanh: y[i] = std::tanh(x); break;
      case UnaryOp::kSigmoid: y[i] = 1 / (1 + std::exp(-x)); break;
    }
  }
  return y;
}

Out ref(const BinaryArgs& a, const In& in) {
  const BinaryDesc& d = a.d;
  Out y(in[0].size());
  for (size_t i = 0; i < y.size(); ++i) {
    const size_t plane = i / static_cast<size_t>(d.hw), j = i % static_cast<size_t>(d.hw);
    const double x = in[0][i];
    const double b = in[1][(d.broadcast_b ? plane / static_cast<size_t>(d.c) : plane) * d.hw + j];
    const double v = d.op == BinaryOp::kAdd ? x + b : d.op == BinaryOp::kSub ? x - b : x * b;
    y[i] = d.alpha * v;
  }
  return y;
}

Out ref(const ConcatArgs& a, const In& in) {
  const ConcatDesc& d = a.d;
  Out y;
  for (int n = 0; n < d.n; ++n) {
    const size_t na = static_cast<size_t>(d.ca) * d.hw, nb = static_cast<size_t>(d.cb) * d.hw;
    y.insert(y.end(), in[0].begin() + n * na, in[0].begin() + (n + 1) * na);
    y.insert(y.end(), in[1].begin() + n * nb, in[1].begin() + (n + 1) * nb);
  }
  return y;
}

Out ref(const ReduceArgs& a, const In& in) {
  const ReduceDesc& d = a.d;
  Out y(static_cast<size_t>(d.outer) * d.inner);
  for (int o = 0; o < d.outer; ++o)
    for (int j = 0; j < d.inner; ++j) {
      double s = 0, mx = -std::numeric_limits<double>::infinity(), mn = -mx;
      for (int i = 0; i < d.axis; ++i) {
        const double v = in[0][(static_cast<size_t>(o) * d.axis + i) * d.inner + j];
        s += v, mx = std::max(mx, v), mn = std::min(mn, v);
      }
      const double r[] = {s, s / d.axis, mx, mn};
      y[static_cast<size_t>(o) * d.inner + j] = r[static_cast<int>(d.op)];
    }
  return y;
}

Out ref(const AvgPoolArgs& a, const In& in) {
  const AvgPoolDesc& d = a.d;
  const int ho = d.h / d.kh, wo = d.w / d.kw;
  Out y;
  for (int p = 0; p < d.planes; ++p)
    for (int oy = 0; oy < ho; ++oy)
      for (int ox = 0; ox < wo; ++ox) {
        double s = 0;
        for (int i = 0; i < d.kh; ++i)
          for (int j = 0; j < d.kw; ++j)
            s += in[0][(static_cast<size_t>(p) * d.h + oy * d.kh + i) * d.w + ox * d.kw + j];
        y.push_back(s / (d.kh * d.kw));
      }
  return y;
}

Out ref(const UpsampleNearestArgs& a, const In& in) {
  const UpsampleNearestDesc& d = a.d;
  Out y;
  for (int p = 0; p < d.planes; ++p)
    for (int oy = 0; oy < d.h * d.sh; ++oy)
      for (int ox = 0; ox < d.w * d.sw; ++ox)
        y.push_back(in[0][(static_cast<size_t>(p) * d.h + oy / d.sh) * d.w + ox / d.sw]);
  return y;
}

// PyTorch's bilinear source index, in double.
void taps(int dst, int in, int out, bool ac, int& i0, int& i1, double& t) {
  double src = ac ? (out > 1 ? static_cast<double>(in - 1) / (out - 1) * dst : 0.0)
                  : std::max((dst + 0.5) * in / out - 0.5, 0.0);
  i0 = std::min(static_cast<int>(src), in - 1);
  i1 = std::min(i0 + 1, in - 1);
  t = src - i0;
}

Out ref(const ResizeBilinearArgs& a, const In& in) {
  const ResizeBilinearDesc& d = a.d;
  Out y;
  for (int p = 0; p < d.planes; ++p)
    for (int oy = 0; oy < d.out_h; ++oy)
      for (int ox = 0; ox < d.out_w; ++ox) {
        int y0, y1, x0, x1;
        double ty, tx;
        taps(oy, d.h, d.out_h, d.align_corners, y0, y1, ty);
        taps(ox, d.w, d.out_w, d.align_corners, x0, x1, tx);
        const auto at = [&](int yy, int xx) {
          return static_cast<double>(in[0][(static_cast<size_t>(p) * d.h + yy) * d.w + xx]);
        };
        y.push_back((1 - ty) * ((1 - tx) * at(y0, x0) + tx * at(y0, x1)) +
                    ty * ((1 - tx) * at(y1, x0) + tx * at(y1, x1)));
      }
  return y;
}

Out ref(const Depthwise3x3Args& a, const In& in) {
  const Depthwise3x3Desc& d = a.d;
  Out y;
  for (int p = 0; p < d.planes; ++p)
    for (int oy = 0; oy < d.h; ++oy)
      for (int ox = 0; ox < d.w; ++ox) {
        double s = 0;
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 3; ++j) {
            const int iy = oy + i - 1, ix = ox + j - 1;
            if (iy >= 0 && iy < d.h && ix >= 0 && ix < d.w)
              s += static_cast<double>(d.k[i * 3 + j]) * in[0][(static_cast<size_t>(p) * d.h + iy) * d.w + ix];
          }
        y.push_back(s);
      }
  return y;
}

Out ref(const LinearArgs& a, const In& in) {
  const LinearDesc& d = a.d;
  Out y(static_cast<size_t>(d.batch) * d.m * d.n);
  for (int b = 0; b < d.batch; ++b)
    for (int i = 0; i < d.m; ++i)
      for (int j = 0; j < d.n; ++j) {
        double s = in[2].empty() ? 0 : in[2][static_cast<size_t>(b * d.bias_stride + j)];
        for (int k = 0; k < d.k; ++k)
          s += operand(d.precision, in[0][static_cast<size_t>(b * d.x_stride + i * d.k + k)]) *
               operand(d.precision, in[1][static_cast<size_t>(b * d.w_stride + static_cast<int64_t>(j) * d.k + k)]);
        y[static_cast<size_t>(b * d.y_stride + static_cast<int64_t>(i) * d.n + j)] = d.relu ? std::max(s, 0.0) : s;
      }
  return y;
}

// Box-Muller in double over Random123's Philox4x32-10 (Debian's librandom123-dev): an
// implementation of the generator independent of kernels/philox.cuh.
Out ref(const GaussianArgs& a, const In&) {
  Out y;
  r123::Philox4x32 philox;
  const r123::Philox4x32::key_type key = {
      {static_cast<uint32_t>(a.d.seed), static_cast<uint32_t>(a.d.seed >> 32)}};
  for (int64_t i = 0; i < a.d.count; ++i) {
    const uint64_t e = a.d.offset + static_cast<uint64_t>(i);
    const r123::Philox4x32::ctr_type ctr = {
        {static_cast<uint32_t>(e / 4), static_cast<uint32_t>((e / 4) >> 32), 0, 0}};
    const r123::Philox4x32::ctr_type r = philox(ctr, key);
    const int pair = static_cast<int>(e % 4) / 2;
    const double u1 = (r[2 * pair] + 0.5) / 4294967296.0, u2 = (r[2 * pair + 1] + 0.5) / 4294967296.0;
    const double radius = std::sqrt(-2 * std::log(u1)), angle = 2 * M_PI * u2;
    y.push_back(static_cast<float>(e % 2 ? radius * std::sin(angle) : radius * std::cos(angle)));
  }
  return y;
}

// FAN's `preprocess` statement by statement as tools/reference/stargan_v2.py writes it (in
// place, in double), then the requested mask; the plane statistics are recomputed here.
Out ref(const LandmarkMaskArgs& a, const In& in) {
  const LandmarkMaskDesc& d = a.d;
  const int C = LandmarkMaskDesc::kLandmarks, h = d.h, w = d.w, sw = h / 256;
  const size_t hw = static_cast<size_t>(h) * w;
  Out y(static_cast<size_t>(d.n) * hw);
  for (int n = 0; n < d.n; ++n) {
    std::vector<std::vector<double>> x(C);
    for (int c = 0; c < C; ++c) {
      const float* src = in[0].data() + (static_cast<size_t>(n) * C + c) * hw;
      x[c].assign(src, src + hw);
      for (double& v : x[c]) v = v < 0.1 ? 0 : v;
      const auto [lo, hi] = std::minmax_element(x[c].begin(), x[c].end());
      const double min = *lo, range = *hi - *lo + 1e-6;
      for (double& v : x[c]) v = (v - min) / range;
    }
    const auto shifted = [&](const std::vector<double>& p, int rows) {  // out[i] = p[(i + rows) mod h]
      std::vector<double> o(hw);
      for (int i = 0; i < h; ++i) {
        const size_t from = static_cast<size_t>(((i + rows) % h + h) % h) * w;
        std::copy(p.begin() + from, p.begin() + from + w, o.begin() + static_cast<size_t>(i) * w);
      }
      return o;
    };
    const int groups[][4] = {{8, 25, 0, 3},        {33, 51, -7 * sw, 2}, {55, 60, 8 * sw, 4},
                             {77, 82, -8 * sw, 4}, {83, 88, 8 * sw, 4},  {88, 96, -2 * sw, 3}};
    for (const auto& g : groups)
      for (int c = g[0]; c < g[1]; ++c) {
        x[c] = shifted(x[c], g[2]);
        for (double& v : x[c]) v = std::pow(v, g[3]);
      }
    for (int c : {0, 1, 2, 3, 4, 5, 6, 7, 25, 26, 27, 28, 29, 30, 31, 32, 33, 46, 76, 82})
      std::fill(x[c].begin(), x[c].end(), 0.0);
    for (int c = 52; c < 55; ++c) x[c] = shifted(x[c], 4 * sw);
    for (int c = 60; c < 76; ++c) {
      const std::vector<double> near = shifted(x[c], -8), far = shifted(x[c], -24);
      for (size_t i = 0; i < hw; ++i) x[c][i] = near[i] * near[i] * near[i] + far[i];
    }
    const auto left_out = [&](int c) {  // mask 1: chin, lips, eyebrows
      return d.mask == 1 && ((c >= 8 && c < 25) || (c >= 76 && c < 96) || (c >= 33 && c < 51));
    };
    for (size_t i = 0; i < hw; ++i) {
      double s = 0;
      for (int c = 0; c < C; ++c)
        if (!left_out(c)) s += x[c][i];
      if (d.mask == 0 && std::isnan(s)) s = 0;
      y[static_cast<size_t>(n) * hw + i] = std::isnan(s) ? s : std::min(std::max(s, 0.0), 1.0);
    }
  }
  return y;
}

// The two recipes of kernels/ops.h from their definitions, ignoring the op's table inputs: a
// periodic Hann window, reflect padding, a direct DFT of each frame, and the recipe's own
// filterbank: StarGANv2-VC's HTK one for 16 kHz (../shared/reference-models.md §2.6), or
// HiFi-GAN's Slaney one, librosa's defaults for 22.05 kHz, 0 to 8 kHz. The log picks the
// recipe.
Out ref(const MelSpectrogramArgs& a, const In& in) {
  const MelSpectrogramDesc& d = a.d;
  const double pi = 3.14159265358979323846;
  const bool hifigan = d.log == MelLog::kClampedLn;
  const int nfft = d.n_fft, bins = d.bins(), frames = d.frames();
  std::vector<double> window(static_cast<size_t>(nfft), 0.0), cosine(static_cast<size_t>(nfft));
  for (int i = 0; i < d.win_length; ++i)
    window[static_cast<size_t>((nfft - d.win_length) / 2 + i)] = 0.5 - 0.5 * std::cos(2 * pi * i / d.win_length);
  for (int i = 0; i < nfft; ++i) cosine[static_cast<size_t>(i)] = std::cos(2 * pi * i / nfft);
  // HTK: 2595 log10(1 + f / 700). Slaney: f / (200 / 3) below 1 kHz, then 15 + 27 log_6.4(f / 1000).
  const double rate = hifigan ? 22050 : 16000, slaney_step = std::log(6.4) / 27;
  const auto mel = [&](double f) {
    if (!hifigan) return 2595 * std::log10(1 + f / 700);
    return f < 1000 ? f / (200.0 / 3) : 15 + std::log(f / 1000) / slaney_step;
  };
  const auto hz = [&](double m) {
    if (!hifigan) return 700 * (std::pow(10.0, m / 2595) - 1);
    return m < 15 ? m * (200.0 / 3) : 1000 * std::exp(slaney_step * (m - 15));
  };
  std::vector<double> pts;
  for (int i = 0; i < d.n_mels + 2; ++i) pts.push_back(hz(mel(8000.0) * i / (d.n_mels + 1)));
  Out y(static_cast<size_t>(d.n) * d.n_mels * frames);
  std::vector<double> frame(static_cast<size_t>(nfft)), spectrum(static_cast<size_t>(bins));
  for (int n = 0; n < d.n; ++n)
    for (int t = 0; t < frames; ++t) {
      for (int j = 0; j < nfft; ++j) {
        int i = t * d.hop - d.padding + j;
        i = i < 0 ? -i : (i >= d.length ? 2 * (d.length - 1) - i : i);
        frame[static_cast<size_t>(j)] = window[static_cast<size_t>(j)] * in[0][static_cast<size_t>(n) * d.length + i];
      }
      for (int k = 0; k < bins; ++k) {
        double re = 0, im = 0;
        for (int j = 0; j < nfft; ++j) {
          const size_t phase = static_cast<size_t>(int64_t{k} * j % nfft);
          re += frame[static_cast<size_t>(j)] * cosine[phase];
          im -= frame[static_cast<size_t>(j)] * cosine[(phase + static_cast<size_t>(3 * nfft / 4)) % nfft];
        }
        const double power = re * re + im * im;
        spectrum[static_cast<size_t>(k)] = d.spectrum == MelSpectrum::kMagnitude ? std::sqrt(power + 1e-9) : power;
      }
      for (int m = 0; m < d.n_mels; ++m) {
        double s = 0;
        for (int k = 0; k < bins; ++k) {
          const double f = rate / 2 * k / (bins - 1);
          const double up = (f - pts[m]) / (pts[m + 1] - pts[m]), down = (pts[m + 2] - f) / (pts[m + 2] - pts[m + 1]);
          const double area = hifigan ? 2 / (pts[m + 2] - pts[m]) : 1;
          s += area * std::max(0.0, std::min(up, down)) * spectrum[static_cast<size_t>(k)];
        }
        y[(static_cast<size_t>(n) * d.n_mels + m) * frames + t] =
            hifigan ? std::log(std::max(s, 1e-5)) : (std::log(1e-5 + s) + 4) / 4;
      }
    }
  return y;
}

}  // namespace

std::vector<double> reference64(const OpArgs& op, const std::vector<std::vector<float>>& inputs) {
  return std::visit(
      [&](const auto& a) -> Out {
        if constexpr (std::is_same_v<std::decay_t<decltype(a)>, std::monostate>)
          throw std::invalid_argument("empty op");
        else
          return ref(a, inputs);
      },
      op);
}

}  // namespace xfv
