// The mel front end in double: each frame's rFFT as the kernel computes it (kernels/mel_spectrogram.cu:
// a half-size complex radix-2 FFT of the even and odd samples, then the real split), so
// that the two differ only in rounding, and the band sums and log in double as well.
#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/per_thread.h"

namespace xfv {
namespace cpu {
namespace {

using Complex = std::complex<double>;

int bit_reverse(int m, int size) {
  int r = 0;
  for (int bit = 1; bit < size; bit *= 2) r = r * 2 + ((m & bit) ? 1 : 0);
  return r;
}

}  // namespace

void run(const MelSpectrogramArgs& a) {
  const MelSpectrogramDesc& d = a.d;
  const int half = d.n_fft / 2, bins = d.bins(), frames = d.frames();
  const int64_t total = int64_t{d.n} * frames;
  const auto twiddle = [&](int q) { return Complex(a.twiddles[2 * q], a.twiddles[2 * q + 1]); };
  PerThread<std::vector<Complex>> zs(std::vector<Complex>(static_cast<size_t>(half)));
  PerThread<std::vector<double>> powers(std::vector<double>(static_cast<size_t>(bins)), zs.threads());
#pragma omp parallel num_threads(zs.threads()) if (total * d.n_fft >= kParallelMin)
  {
    std::vector<Complex>& z = zs.mine();
    std::vector<double>& power = powers.mine();  // or magnitude
#pragma omp for schedule(static)
    for (int64_t f = 0; f < total; ++f) {
      const int64_t n = f / frames;
      const int t = static_cast<int>(f % frames);
      const float* x = a.x + n * d.length;
      // Sample j of frame t is x[t * hop - padding + j], reflected at the ends.
      const auto sample = [&](int j) {
        int i = t * d.hop - d.padding + j;
        i = i < 0 ? -i : (i >= d.length ? 2 * (d.length - 1) - i : i);
        return static_cast<double>(a.window[j]) * x[i];
      };
      for (int m = 0; m < half; ++m) z[static_cast<size_t>(bit_reverse(m, half))] = {sample(2 * m), sample(2 * m + 1)};
      for (int len = 1; len < half; len *= 2)
        for (int i0 = 0; i0 < half; i0 += 2 * len)
          for (int k = 0; k < len; ++k) {
            const Complex u = z[static_cast<size_t>(i0 + k)];
            const Complex v = z[static_cast<size_t>(i0 + k + len)] * twiddle(k * (half / len));
            z[static_cast<size_t>(i0 + k)] = u + v;
            z[static_cast<size_t>(i0 + k + len)] = u - v;
          }
      // Z = FFT(even + i odd): E = (Z[k] + conj Z[-k]) / 2 and O = (Z[k] - conj Z[-k]) / 2i are
      // the halves' spectra, X[k] = E + e^(-2 pi i k / n_fft) O.
      for (int k = 0; k < bins; ++k) {
        const Complex zk = z[static_cast<size_t>(k % half)], zc = std::conj(z[static_cast<size_t>((half - k) % half)]);
        const Complex e = (zk + zc) * 0.5, o = (zk - zc) * Complex(0, -0.5);
        const double p = std::norm(e + (k < half ? twiddle(k) : Complex(-1, 0)) * o);
        power[static_cast<size_t>(k)] = d.spectrum == MelSpectrum::kMagnitude ? std::sqrt(p + 1e-9) : p;
      }
      for (int m = 0; m < d.n_mels; ++m) {
        const float* fb = a.fb + static_cast<int64_t>(m) * bins;
        double mel = 0;
        for (int k = 0; k < bins; ++k) mel += fb[k] * power[static_cast<size_t>(k)];
        a.y[(n * d.n_mels + m) * frames + t] = static_cast<float>(
            d.log == MelLog::kClampedLn ? std::log(std::max(mel, 1e-5)) : (std::log(1e-5 + mel) + 4) / 4);
      }
    }
  }
}

}  // namespace cpu
}  // namespace xfv
