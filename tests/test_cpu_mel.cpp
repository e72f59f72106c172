// The pieces of the cpu mel front end (engine/cpu/mel_spectrogram.cpp) that CpuVsFloat64 sees
// only through the whole op: the rFFT (FFTW, or the plain loops of a bare GPU build) against
// a float64 DFT, and the vectorizable log against the C library's.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "engine/cpu/activation.h"
#include "engine/cpu/real_fft.h"

namespace xfv {
namespace {

TEST(RealFft, MatchesFloat64Dft) {
  std::mt19937_64 rng(20261205);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (int n : {4, 8, 64, 1024, 2048}) {
    cpu::RealFftBuffers buffers(n);
    float* frame = buffers.frame();
    float* spectrum = buffers.spectrum();
    for (int j = 0; j < n; ++j) frame[j] = u(rng);
    const std::vector<float> input(frame, frame + n);
    for (int k = 0; k < n + 2; ++k) spectrum[k] = std::numeric_limits<float>::quiet_NaN();
    const cpu::RealFft fft(n);
    fft(frame, spectrum);
    EXPECT_EQ(std::vector<float>(frame, frame + n), input) << "the frame is left as it was";
    double err = 0, norm = 0;
    for (int k = 0; k <= n / 2; ++k) {
      double re = 0, im = 0;
      for (int j = 0; j < n; ++j) {
        const double phase = 2 * 3.14159265358979323846 * (int64_t{j} * k % n) / n;
        re += input[static_cast<size_t>(j)] * std::cos(phase);
        im -= input[static_cast<size_t>(j)] * std::sin(phase);
      }
      err += std::pow(spectrum[2 * k] - re, 2) + std::pow(spectrum[2 * k + 1] - im, 2);
      norm += re * re + im * im;
    }
    EXPECT_LE(std::sqrt(err / norm), 1e-6) << "n " << n << ", " << cpu::fft_implementation();
  }
}

TEST(LogVectorizable, WithinTwoUlpsOverItsDomain) {
  std::vector<float> xs = {std::numeric_limits<float>::min(), 1e-5f, 0.5f, 0.70710677f, 0.70710683f,
                           1.f, 1.0000001f, 0.99999994f, 2.f, std::numeric_limits<float>::max()};
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-125.9, 127.9);
  for (int i = 0; i < 100000; ++i) xs.push_back(static_cast<float>(std::exp2(exponent(rng))));
  for (float x : xs) {
    const double want = std::log(static_cast<double>(x));
    const float ulp = std::nextafter(static_cast<float>(std::fabs(want)), 1e30f) - static_cast<float>(std::fabs(want));
    EXPECT_LE(std::fabs(cpu::log_vectorizable(x) - want), 2.0 * ulp + 1e-45) << "x " << x;
  }
  EXPECT_TRUE(std::isnan(cpu::log_vectorizable(std::numeric_limits<float>::infinity())));
  EXPECT_TRUE(std::isnan(cpu::log_vectorizable(std::numeric_limits<float>::quiet_NaN())));
}

}  // namespace
}  // namespace xfv
