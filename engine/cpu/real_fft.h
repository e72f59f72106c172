// The one real-to-complex FFT of the cpu backend: FFTW's (single precision, a plan made by
// FFTW_ESTIMATE, so chosen from the size and the processor alone, never from a timing) where
// it is built in, and plain radix-2 loops where it is not (the bare GPU profile, whose cpu
// ops are only the reference for the cuda tests).
#pragma once

#include <cstddef>
#include <vector>

namespace xfv {
namespace cpu {

class RealFft {
 public:
  // Both arrays of operator() start at a multiple of this many bytes (FFTW's plan assumes
  // the alignment of the arrays it was made on).
  static constexpr size_t kAlignment = 64;

  // n: a power of two, at least 4.
  explicit RealFft(int n);

  // spectrum (n / 2 + 1 complex values, re and im interleaved) = the DFT of frame (n values):
  // X[k] = sum_j frame[j] e^(-2 pi i j k / n). frame is left as it was.
  void operator()(const float* frame, float* spectrum) const;

 private:
  int n_;
  void* plan_ = nullptr;         // FFTW's plan for n, shared and kept for the process's life
  std::vector<float> twiddles_;  // the plain loops': cos, -sin of 2 pi q / n for q < n / 2
};

// Working memory for one thread's transforms: a frame of n floats and its spectrum of n + 2,
// each at RealFft::kAlignment. A copy has its own memory (engine/cpu/per_thread.h copies it).
class RealFftBuffers {
 public:
  explicit RealFftBuffers(int n);
  float* frame() { return aligned(0); }
  float* spectrum() { return aligned(padded_n_); }

 private:
  float* aligned(size_t offset);
  size_t padded_n_;
  std::vector<float> storage_;
};

// Whether RealFft runs FFTW ("fftw") or the plain loops ("plain").
const char* fft_implementation();

}  // namespace cpu
}  // namespace xfv
