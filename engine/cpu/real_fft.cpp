#include "engine/cpu/real_fft.h"

#include <cmath>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#ifdef XFV_HAVE_FFTW
#include <fftw3.h>
#endif

namespace xfv {
namespace cpu {
namespace {

constexpr size_t kAlignFloats = RealFft::kAlignment / sizeof(float);

size_t round_up(size_t v) { return (v + kAlignFloats - 1) / kAlignFloats * kAlignFloats; }

}  // namespace

RealFftBuffers::RealFftBuffers(int n)
    : padded_n_(round_up(static_cast<size_t>(n))),
      storage_(padded_n_ + round_up(static_cast<size_t>(n) + 2) + kAlignFloats - 1, 0.f) {}

float* RealFftBuffers::aligned(size_t offset) {
  const auto address = reinterpret_cast<uintptr_t>(storage_.data());
  const size_t skip = (RealFft::kAlignment - address % RealFft::kAlignment) % RealFft::kAlignment / sizeof(float);
  return storage_.data() + skip + offset;
}

#ifdef XFV_HAVE_FFTW

namespace {

// FFTW's planner is not thread-safe (its execute is): one plan per size, made under a lock
// on arrays at RealFft::kAlignment, kept for the process's life. At exit the plans and the
// planner's own state are freed, or a leak checker would count the planner's as leaks.
struct Plans {
  std::mutex mutex;
  std::map<int, fftwf_plan> by_size;
  ~Plans() {
    for (auto& [n, plan] : by_size)
      if (plan) fftwf_destroy_plan(plan);
    fftwf_cleanup();
  }
};

fftwf_plan plan_for(int n) {
  static Plans plans;
  const std::lock_guard<std::mutex> lock(plans.mutex);
  fftwf_plan& plan = plans.by_size[n];
  if (!plan) {
    RealFftBuffers buffers(n);
    plan = fftwf_plan_dft_r2c_1d(n, buffers.frame(), reinterpret_cast<fftwf_complex*>(buffers.spectrum()),
                              FFTW_ESTIMATE | FFTW_PRESERVE_INPUT);
    if (!plan) throw std::runtime_error("FFTW made no plan for a real FFT of " + std::to_string(n));
  }
  return plan;
}

}  // namespace

RealFft::RealFft(int n) : n_(n), plan_(plan_for(n)) {}

void RealFft::operator()(const float* frame, float* spectrum) const {
  // The new-array execute: thread-safe, on arrays aligned as the plan's were.
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(plan_), const_cast<float*>(frame),
                        reinterpret_cast<fftwf_complex*>(spectrum));
}

const char* fft_implementation() { return "fftw"; }

#else

RealFft::RealFft(int n) : n_(n) {
  constexpr double kPi = 3.14159265358979323846;
  for (int q = 0; q < n / 2; ++q) {
    twiddles_.push_back(static_cast<float>(std::cos(2 * kPi * q / n)));
    twiddles_.push_back(static_cast<float>(-std::sin(2 * kPi * q / n)));
  }
}

// As kernels/mel_spectrogram.cu does it: the n / 2 complex points z = even + i odd samples
// in bit-reversed order, a radix-2 FFT of them in place in `spectrum`, then the real split.
void RealFft::operator()(const float* frame, float* spectrum) const {
  const int half = n_ / 2;
  const float* w = twiddles_.data();
  float* z = spectrum;
  for (int m = 0; m < half; ++m) {
    int r = 0;
    for (int bit = 1; bit < half; bit *= 2) r = r * 2 + ((m & bit) ? 1 : 0);
    z[2 * r] = frame[2 * m], z[2 * r + 1] = frame[2 * m + 1];
  }
  for (int len = 1; len < half; len *= 2)
    for (int i0 = 0; i0 < half; i0 += 2 * len)
      for (int k = 0; k < len; ++k) {
        const int q = k * (half / len);  // w^q = e^(-2 pi i k / (2 len))
        float* u = z + 2 * (i0 + k);
        float* v = z + 2 * (i0 + k + len);
        const float vr = v[0] * w[2 * q] - v[1] * w[2 * q + 1], vi = v[0] * w[2 * q + 1] + v[1] * w[2 * q];
        v[0] = u[0] - vr, v[1] = u[1] - vi;
        u[0] += vr, u[1] += vi;
      }
  // Z = FFT(even + i odd): E = (Z[k] + conj Z[half - k]) / 2 and O = (Z[k] - conj Z[half - k]) / 2i
  // are the halves' spectra, X[k] = E + w^k O. Bins k and half - k read the same two points,
  // so they are computed together; k = half / 2 pairs with itself (X = conj Z, as w^k = -i),
  // and Z[0] = E[0] + i O[0] gives X[0] and X[half].
  const auto split = [&](const float* zk, const float* zc, int k, float* x) {
    const float er = 0.5f * (zk[0] + zc[0]), ei = 0.5f * (zk[1] - zc[1]);
    const float o_re = 0.5f * (zk[1] + zc[1]), o_im = -0.5f * (zk[0] - zc[0]);
    x[0] = er + w[2 * k] * o_re - w[2 * k + 1] * o_im;
    x[1] = ei + w[2 * k] * o_im + w[2 * k + 1] * o_re;
  };
  for (int k = 1; k < half / 2; ++k) {
    const float zk[2] = {z[2 * k], z[2 * k + 1]}, zc[2] = {z[2 * (half - k)], z[2 * (half - k) + 1]};
    split(zk, zc, k, z + 2 * k);
    split(zc, zk, half - k, z + 2 * (half - k));
  }
  z[half + 1] = -z[half + 1];
  const float e0 = z[0], o0 = z[1];
  z[0] = e0 + o0, z[1] = 0.f;
  z[2 * half] = e0 - o0, z[2 * half + 1] = 0.f;
}

const char* fft_implementation() { return "plain"; }

#endif

}  // namespace cpu
}  // namespace xfv
