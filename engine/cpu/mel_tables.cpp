#include "engine/cpu/mel_tables.h"

#include <algorithm>
#include <cmath>

namespace xfv {
namespace {

constexpr double kPi = 3.14159265358979323846;

double hz_to_mel(double f, MelScale scale) {
  if (scale == MelScale::kHtk) return 2595.0 * std::log10(1.0 + f / 700.0);
  // Slaney: 3 mels per 200 Hz up to 1 kHz (mel 15), then 27 mels per factor 6.4.
  return f < 1000.0 ? f * 3.0 / 200.0 : 15.0 + std::log(f / 1000.0) * 27.0 / std::log(6.4);
}
double mel_to_hz(double m, MelScale scale) {
  if (scale == MelScale::kHtk) return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0);
  return m < 15.0 ? m * 200.0 / 3.0 : 1000.0 * std::exp((m - 15.0) * std::log(6.4) / 27.0);
}

}  // namespace

MelTables mel_tables(const MelSpectrogramDesc& d, double sample_rate, double f_min, double f_max, MelScale scale) {
  MelTables t;
  t.window.assign(static_cast<size_t>(d.n_fft), 0.f);
  const int offset = (d.n_fft - d.win_length) / 2;
  for (int i = 0; i < d.win_length; ++i)
    t.window[static_cast<size_t>(offset + i)] = static_cast<float>(0.5 - 0.5 * std::cos(2 * kPi * i / d.win_length));

  for (int q = 0; q < d.n_fft / 2; ++q) {
    t.twiddles.push_back(static_cast<float>(std::cos(2 * kPi * q / d.n_fft)));
    t.twiddles.push_back(static_cast<float>(-std::sin(2 * kPi * q / d.n_fft)));
  }

  // n_mels + 2 points evenly spaced in mel; band m rises from point m to m + 1 and falls to
  // m + 2, evaluated at the bin frequencies linspace(0, sample_rate / 2, bins); Slaney's
  // bands then have unit area (2 / width).
  const int bins = d.bins();
  std::vector<double> f(static_cast<size_t>(d.n_mels) + 2);
  const double m_lo = hz_to_mel(f_min, scale), m_hi = hz_to_mel(f_max, scale);
  for (size_t i = 0; i < f.size(); ++i)
    f[i] = mel_to_hz(m_lo + (m_hi - m_lo) * static_cast<double>(i) / static_cast<double>(d.n_mels + 1), scale);
  t.fb.resize(static_cast<size_t>(d.n_mels) * bins);
  for (int m = 0; m < d.n_mels; ++m)
    for (int k = 0; k < bins; ++k) {
      const double freq = sample_rate / 2 * k / (bins - 1);
      const double up = (freq - f[m]) / (f[m + 1] - f[m]), down = (f[m + 2] - freq) / (f[m + 2] - f[m + 1]);
      const double norm = scale == MelScale::kSlaney ? 2.0 / (f[m + 2] - f[m]) : 1.0;
      t.fb[static_cast<size_t>(m) * bins + k] = static_cast<float>(norm * std::max(0.0, std::min(up, down)));
    }
  return t;
}

}  // namespace xfv
