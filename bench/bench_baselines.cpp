// cuDNN and cuBLAS at the generator's shapes, cuFFT at the voice front end's: the baselines the hand-written kernels are
// judged by (bench_ops runs those). True fp32 (no TF32) rows, and TF32 rows apart.
// Needs a GPU; it says so and exits where there is none.
#include <benchmark/benchmark.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "bench/cufft_mel.h"
#include "bench/generator_shapes.h"

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}
void check(cudnnStatus_t e, const char* what) {
  if (e != CUDNN_STATUS_SUCCESS) throw std::runtime_error(std::string(what) + ": " + cudnnGetErrorString(e));
}
void check(cublasStatus_t e, const char* what) {
  if (e != CUBLAS_STATUS_SUCCESS) throw std::runtime_error(std::string(what) + ": cublas status " + std::to_string(e));
}
#define CHECK(call) check((call), #call)

struct DeviceMemory {
  explicit DeviceMemory(size_t bytes) { CHECK(cudaMalloc(&p, bytes ? bytes : 1)); CHECK(cudaMemset(p, 0, bytes)); }
  ~DeviceMemory() { cudaFree(p); }
  float* f() const { return static_cast<float*>(p); }
  void* p = nullptr;
};

// Times `body` with CUDA events, per iteration.
template <class Body>
void timed(benchmark::State& state, double flops, Body body) {
  cudaEvent_t start, stop;
  CHECK(cudaEventCreate(&start));
  CHECK(cudaEventCreate(&stop));
  body();
  CHECK(cudaDeviceSynchronize());
  for (auto _ : state) {
    CHECK(cudaEventRecord(start));
    body();
    CHECK(cudaEventRecord(stop));
    CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    CHECK(cudaEventElapsedTime(&ms, start, stop));
    state.SetIterationTime(ms / 1e3);
  }
  state.counters["FLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  CHECK(cudaEventDestroy(start));
  CHECK(cudaEventDestroy(stop));
}

void cudnn_conv(benchmark::State& state, xfv::bench::ConvShape s, cudnnMathType_t math) {
  cudnnHandle_t h;
  CHECK(cudnnCreate(&h));
  cudnnTensorDescriptor_t xd, yd, bd;
  cudnnFilterDescriptor_t wd;
  cudnnConvolutionDescriptor_t cd;
  CHECK(cudnnCreateTensorDescriptor(&xd));
  CHECK(cudnnCreateTensorDescriptor(&yd));
  CHECK(cudnnCreateTensorDescriptor(&bd));
  CHECK(cudnnCreateFilterDescriptor(&wd));
  CHECK(cudnnCreateConvolutionDescriptor(&cd));
  CHECK(cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, s.cin, s.h, s.w));
  CHECK(cudnnSetTensor4dDescriptor(yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, s.cout, s.h, s.w));
  CHECK(cudnnSetTensor4dDescriptor(bd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, s.cout, 1, 1));
  CHECK(cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, s.cout, s.cin, s.k, s.k));
  CHECK(cudnnSetConvolution2dDescriptor(cd, s.k / 2, s.k / 2, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  CHECK(cudnnSetConvolutionMathType(cd, math));
  cudnnConvolutionFwdAlgoPerf_t perf[8];
  int found = 0;
  CHECK(cudnnGetConvolutionForwardAlgorithm_v7(h, xd, wd, cd, yd, 8, &found, perf));
  // The best algorithm that honours the math type (FMA math must not use tensor cores).
  int pick = 0;
  while (pick < found && (perf[pick].status != CUDNN_STATUS_SUCCESS || perf[pick].mathType != math)) ++pick;
  if (pick == found) {
    state.SkipWithError("no cuDNN algorithm for this math type");
    return;
  }
  size_t ws = perf[pick].memory;
  DeviceMemory x(size_t(s.cin) * s.h * s.w * 4), w(size_t(s.cout) * s.cin * s.k * s.k * 4),
      b(size_t(s.cout) * 4), y(size_t(s.cout) * s.h * s.w * 4), work(ws);
  const float one = 1, zero = 0;
  const double flops = 2.0 * s.cout * s.h * s.w * s.cin * s.k * s.k;
  timed(state, flops, [&] {
    CHECK(cudnnConvolutionForward(h, &one, xd, x.p, wd, w.p, cd, perf[pick].algo, work.p, ws, &zero, yd, y.p));
    CHECK(cudnnAddTensor(h, &one, bd, b.p, &one, yd, y.p));
  });
  state.SetLabel("algo " + std::to_string(perf[pick].algo));
  cudnnDestroyConvolutionDescriptor(cd);
  cudnnDestroyFilterDescriptor(wd);
  cudnnDestroyTensorDescriptor(bd);
  cudnnDestroyTensorDescriptor(yd);
  cudnnDestroyTensorDescriptor(xd);
  cudnnDestroy(h);
}

// y (m, n) = x (m, k) . W (n, k)^T, as the linear layers are stored.
void cublas_linear(benchmark::State& state, int m, int k, int n, cublasMath_t math) {
  cublasHandle_t h;
  CHECK(cublasCreate(&h));
  CHECK(cublasSetMathMode(h, math));
  DeviceMemory x(size_t(m) * k * 4), w(size_t(n) * k * 4), y(size_t(m) * n * 4);
  const float one = 1, zero = 0;
  timed(state, 2.0 * m * n * k, [&] {
    // Column-major view: y^T (n, m) = W (n, k) . x^T (k, m).
    CHECK(cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &one, w.f(), k, x.f(), k, &zero, y.f(), n));
  });
  cublasDestroy(h);
}

// The mel front end at 2.4 s of 24 kHz audio (193 frames of 2048) on cuFFT + cuBLAS, beside
// bench_ops' mel_spectrogram/57600 (the hand-written kernel).
void cufft_mel(benchmark::State& state) {
  constexpr int kFrames = 193, kFft = 2048, kBins = kFft / 2 + 1, kMels = 80;
  DeviceMemory framed(sizeof(float) * kFrames * kFft), spectrum(2 * sizeof(float) * kFrames * kBins),
      power(sizeof(float) * kFrames * kBins), fb(sizeof(float) * kMels * kBins), mel(sizeof(float) * kMels * kFrames);
  xfv::bench::CufftMel m(kFrames, kFft, kMels);
  // FFT (5 N log2 N per frame), power, filterbank GEMM.
  const double flops = kFrames * (5.0 * kFft * 11 + 3.0 * kBins + 2.0 * kMels * kBins);
  timed(state, flops, [&] { m.run(framed.f(), spectrum.p, power.f(), fb.f(), mel.f()); });
}

}  // namespace

int main(int argc, char** argv) {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::fprintf(stderr, "bench_baselines: no CUDA device here; the cuDNN/cuBLAS baselines need a GPU\n");
    return 1;
  }
  for (const auto& s : xfv::bench::generator_convs()) {
    benchmark::RegisterBenchmark(("cudnn_fp32/conv2d/" + s.where).c_str(), cudnn_conv, s, CUDNN_FMA_MATH)
        ->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("cudnn_tf32/conv2d/" + s.where).c_str(), cudnn_conv, s, CUDNN_TENSOR_OP_MATH)
        ->UseManualTime()->Unit(benchmark::kMillisecond);
  }
  for (auto [m, k, n, what] : {std::tuple{1, 512, 512, "mapping_512x512"}, std::tuple{1, 64, 1024, "adain_fc_64x1024"}}) {
    benchmark::RegisterBenchmark((std::string("cublas_fp32/linear/") + what).c_str(), cublas_linear, m, k, n, CUBLAS_DEFAULT_MATH)
        ->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((std::string("cublas_tf32/linear/") + what).c_str(), cublas_linear, m, k, n, CUBLAS_TF32_TENSOR_OP_MATH)
        ->UseManualTime()->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("cufft/mel_spectrogram/57600", cufft_mel)->UseManualTime()->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
