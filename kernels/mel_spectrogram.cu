// The mel front end (kernels/ops.h, MelSpectrogramArgs), a block per frame, for n_fft 2048
// (StarGANv2-VC) and 1024 (HiFi-GAN). The n_fft real samples of a windowed frame are packed
// as n_fft / 2 complex ones (even + i odd) in bit-reversed order, transformed by a radix-2
// FFT in shared memory (a butterfly per thread and stage), split into the real signal's
// n_fft / 2 + 1 bins, and squared (or made magnitudes); then each warp projects the
// spectrum onto its bands and takes the log. Twiddles come from the host's double-precision
// table (an input) through shared memory, so no sincos is evaluated on the device.
#include <stdexcept>
#include <string>

#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

template <int kFft>
struct FftSize {
  static constexpr int kHalf = kFft / 2;      // complex FFT size
  static constexpr int kThreads = kHalf / 2;  // one butterfly per thread and stage
  static constexpr int kWarps = kThreads / kWarp;
  static constexpr int kBits = kFft == 2048 ? 10 : 9;  // log2(kHalf)
  static_assert(kFft == 1024 || kFft == 2048, "the sizes the recipes use");
};

__device__ inline float2 cmul(float2 a, float2 b) { return make_float2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

template <int kFft>
__global__ void __launch_bounds__(FftSize<kFft>::kThreads) mel_kernel(MelSpectrogramArgs a, int frames) {
  constexpr int kHalf = FftSize<kFft>::kHalf, kThreads = FftSize<kFft>::kThreads, kWarps = FftSize<kFft>::kWarps;
  constexpr int kBits = FftSize<kFft>::kBits;
  XFV_SHARED_1D(float2, z, kHalf);
  XFV_SHARED_1D(float2, tw, kHalf);
  XFV_SHARED_1D(float, power, kHalf + 1);
  const MelSpectrogramDesc& d = a.d;
  const int t = static_cast<int>(blockIdx.x);
  for (int q = threadIdx.x; q < kHalf; q += kThreads) tw[q] = make_float2(a.twiddles[2 * q], a.twiddles[2 * q + 1]);
  for (int64_t n = blockIdx.y; n < d.n; n += gridDim.y) {
    const float* x = a.x + n * d.length;
    // Sample j is x[t * hop - padding + j], reflected at the ends.
    const auto sample = [&](int j) {
      int i = t * d.hop - d.padding + j;
      i = i < 0 ? -i : (i >= d.length ? 2 * (d.length - 1) - i : i);
      return a.window[j] * x[i];
    };
    __syncthreads();  // the previous signal's projection has read `power`
    for (int m = threadIdx.x; m < kHalf; m += kThreads)
      z[__brev(static_cast<unsigned>(m)) >> (32 - kBits)] = make_float2(sample(2 * m), sample(2 * m + 1));
    for (int len = 1; len < kHalf; len *= 2) {
      __syncthreads();
      const int b = threadIdx.x, k = b & (len - 1), i = 2 * b - k;  // i = (b / len) * 2 len + k
      const float2 u = z[i], v = cmul(z[i + len], tw[k * (kHalf / len)]);
      z[i] = make_float2(u.x + v.x, u.y + v.y);
      z[i + len] = make_float2(u.x - v.x, u.y - v.y);
    }
    __syncthreads();
    // Z = FFT(even + i odd): E = (Z[k] + conj Z[-k]) / 2 and O = (Z[k] - conj Z[-k]) / 2i are
    // the halves' spectra, X[k] = E + e^(-2 pi i k / kFft) O.
    for (int k = threadIdx.x; k <= kHalf; k += kThreads) {
      const float2 zk = z[k % kHalf], zn = z[(kHalf - k) % kHalf];
      const float2 e = make_float2(0.5f * (zk.x + zn.x), 0.5f * (zk.y - zn.y));
      const float2 o = make_float2(0.5f * (zk.y + zn.y), -0.5f * (zk.x - zn.x));
      const float2 w = k < kHalf ? tw[k] : make_float2(-1.f, 0.f);
      const float2 xk = make_float2(e.x + w.x * o.x - w.y * o.y, e.y + w.x * o.y + w.y * o.x);
      const float p = xk.x * xk.x + xk.y * xk.y;
      power[k] = d.spectrum == MelSpectrum::kMagnitude ? sqrtf(p + 1e-9f) : p;
    }
    __syncthreads();
    const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
    for (int m = warp; m < d.n_mels; m += kWarps) {
      const float* fb = a.fb + static_cast<int64_t>(m) * (kHalf + 1);
      float mel = 0.f;
      for (int k = lane; k <= kHalf; k += kWarp) mel += fb[k] * power[k];
      mel = warp_reduce(mel, SumOp());
      if (lane == 0)
        a.y[(n * d.n_mels + m) * frames + t] =
            d.log == MelLog::kClampedLn ? logf(fmaxf(mel, 1e-5f)) : (logf(1e-5f + mel) + 4.f) / 4.f;
    }
  }
}

template <int kFft>
void launch_mel(const MelSpectrogramArgs& a, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(a.d.frames()), static_cast<unsigned>(std::min(a.d.n, 65535)));
  XFV_LAUNCH(mel_kernel<kFft>, grid, FftSize<kFft>::kThreads, 0, stream, a, a.d.frames());
}

}  // namespace

void run(const MelSpectrogramArgs& a, cudaStream_t stream) {
  if (a.d.n_fft != 1024 && a.d.n_fft != 2048)
    throw std::invalid_argument(XFV_BACKEND_NAME ": mel_spectrogram is implemented for n_fft 1024 and 2048, not " +
                                std::to_string(a.d.n_fft));
  if (a.d.n == 0) return;
  if (a.d.n_fft == 1024)
    launch_mel<1024>(a, stream);
  else
    launch_mel<2048>(a, stream);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
