// The cuFFT baseline of the mel front end (kernels/mel_spectrogram.cu is the hand-written one): batched
// R2C FFTs of the windowed frames, |X|^2 and the log in two small kernels, the filterbank
// as a cuBLAS GEMM. The framing (reflect padding, window) is done once, outside the timing:
// this baseline times what a library does of the work. Used by bench_baselines.cpp only.
#include <cublas_v2.h>
#include <cufft.h>

#include <stdexcept>
#include <string>

#include "bench/cufft_mel.h"
#include "kernels/common.cuh"

namespace xfv {
namespace bench {
namespace {

__global__ void __launch_bounds__(256) power_kernel(const cufftComplex* x, float* y, int64_t count) {
  const int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i < count) y[i] = x[i].x * x[i].x + x[i].y * x[i].y;
}

// StarGANv2-VC's (ln(1e-5 + mel) + 4) / 4.
__global__ void __launch_bounds__(256) log_kernel(float* y, int64_t count) {
  const int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i < count) y[i] = (logf(1e-5f + y[i]) + 4.f) / 4.f;
}

void check(cufftResult r, const char* what) {
  if (r != CUFFT_SUCCESS) throw std::runtime_error(std::string(what) + ": cufft status " + std::to_string(r));
}
void check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) throw std::runtime_error(std::string(what) + ": cublas status " + std::to_string(s));
}

}  // namespace

CufftMel::CufftMel(int frames, int n_fft, int n_mels) : frames_(frames), bins_(n_fft / 2 + 1), mels_(n_mels) {
  int n = n_fft;
  check(cufftPlanMany(&plan_, 1, &n, nullptr, 1, n_fft, nullptr, 1, bins_, CUFFT_R2C, frames), "cufftPlanMany");
  check(cublasCreate(&blas_), "cublasCreate");
}

CufftMel::~CufftMel() {
  cufftDestroy(plan_);
  cublasDestroy(blas_);
}

void CufftMel::run(float* framed, void* spectrum, float* power, const float* fb, float* mel) {
  auto* spec = static_cast<cufftComplex*>(spectrum);
  check(cufftExecR2C(plan_, framed, spec), "cufftExecR2C");
  const int64_t count = int64_t{frames_} * bins_;
  power_kernel<<<static_cast<unsigned>((count + 255) / 256), 256>>>(spec, power, count);
  XFV_CHECK(cudaGetLastError());
  // mel (mels x frames, row-major) = fb (mels x bins) . power^T. cuBLAS is column-major and
  // sees each row-major buffer as its transpose: C (frames x mels) = op_T(power) . fb.
  const float one = 1.f, zero = 0.f;
  check(cublasSgemm(blas_, CUBLAS_OP_T, CUBLAS_OP_N, frames_, mels_, bins_, &one, power, bins_, fb, bins_, &zero, mel,
                    frames_),
        "cublasSgemm");
  const int64_t out = int64_t{frames_} * mels_;
  log_kernel<<<static_cast<unsigned>((out + 255) / 256), 256>>>(mel, out);
  XFV_CHECK(cudaGetLastError());
}

}  // namespace bench
}  // namespace xfv
