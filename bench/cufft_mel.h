// The cuFFT + cuBLAS baseline of the mel front end (bench/cufft_mel.cu).
#pragma once

#include <cublas_v2.h>
#include <cufft.h>

namespace xfv {
namespace bench {

class CufftMel {
 public:
  CufftMel(int frames, int n_fft, int n_mels);
  ~CufftMel();
  CufftMel(const CufftMel&) = delete;
  CufftMel& operator=(const CufftMel&) = delete;
  // framed (frames, n_fft) windowed frames; spectrum (frames, bins) complex; power (frames,
  // bins); fb (mels, bins); mel (mels, frames): the normalized log-mel. Device pointers.
  void run(float* framed, void* spectrum, float* power, const float* fb, float* mel);

 private:
  int frames_, bins_, mels_;
  cufftHandle plan_ = 0;
  cublasHandle_t blas_ = nullptr;
};

}  // namespace bench
}  // namespace xfv
