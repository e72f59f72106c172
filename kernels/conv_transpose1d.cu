// ConvTranspose1d (kernels/ops.h) as a polyphase conv: output o = m * stride + r - pad
// gathers the taps j = r + s * stride (s < ceil(k / stride)) of the inputs m - s, so every
// output is one thread's sum and nothing is scattered or added atomically.
//
// A block owns kOut consecutive outputs of kCo channels of one signal; a thread, one output
// of kCo / kGroups channels (strided by kGroups, so that neighbouring threads share weights).
// The inputs the block's outputs reach, kOut / stride + taps of them per channel, are staged
// per kCi input channels in shared memory with the input's LeakyReLU applied once; the
// weights are read through the cache, where the threads of one channel read the same
// kernel row. HiFi-GAN spends about 2% of its multiplies here: the kernel is kept plain.
#include <stdexcept>
#include <string>

#include "common.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

constexpr int kThreads = 256;
constexpr int kOut = 64;                    // outputs per block
constexpr int kGroups = kThreads / kOut;    // channel groups per block
constexpr int kCo = 16;                     // channels per block
constexpr int kPerThread = kCo / kGroups;   // channels per thread
constexpr int kCi = 16;                     // input channels staged at a time
constexpr int kMaxTaps = 16;                // taps per phase, ceil(k / stride)
constexpr int kSpan = kOut + kMaxTaps;      // staged inputs per channel

__global__ void __launch_bounds__(kThreads) conv_transpose1d_kernel(ConvTranspose1dArgs a, int taps, int wo) {
  XFV_SHARED_2D(float, xs, kCi, kSpan);
  const ConvTranspose1dDesc& d = a.d;
  const int u = d.stride;
  const int o0 = static_cast<int>(blockIdx.x) * kOut, co0 = static_cast<int>(blockIdx.y) * kCo;
  const int n = static_cast<int>(blockIdx.z);
  const int o = o0 + static_cast<int>(threadIdx.x) % kOut, group = static_cast<int>(threadIdx.x) / kOut;
  // The block's inputs run from m_lo, the first output's m less its last tap, to the last
  // output's m: at most (kOut - 1) / u + taps <= kSpan of them.
  const int m_lo = (o0 + d.pad) / u - (taps - 1), m_hi = (o0 + kOut - 1 + d.pad) / u;
  const int count = m_hi - m_lo + 1;
  const int m = (o + d.pad) / u, r = (o + d.pad) % u;
  const float* x = a.x + static_cast<long long>(n) * d.cin * d.w;

  float acc[kPerThread] = {};
  for (int ci0 = 0; ci0 < d.cin; ci0 += kCi) {
    __syncthreads();  // the previous slice is no longer read
    for (int idx = threadIdx.x; idx < kCi * count; idx += kThreads) {
      const int c = idx / count, j = idx % count, ci = ci0 + c, i = m_lo + j;
      float v = ci < d.cin && i >= 0 && i < d.w ? x[static_cast<long long>(ci) * d.w + i] : 0.f;
      xs[c][j] = v > 0.f ? v : v * d.input_slope;
    }
    __syncthreads();
    for (int c = 0; c < kCi && ci0 + c < d.cin; ++c) {
      const float* w = a.w + static_cast<long long>(ci0 + c) * d.cout * d.k;
      for (int s = 0; s < taps; ++s) {
        const int j = r + s * u;
        if (j >= d.k) break;
        const float xv = xs[c][m - s - m_lo];
        XFV_UNROLL
        for (int q = 0; q < kPerThread; ++q) {
          const int co = co0 + group + q * kGroups;
          if (co < d.cout) acc[q] = fmaf(xv, w[static_cast<long long>(co) * d.k + j], acc[q]);
        }
      }
    }
  }
  if (o >= wo) return;
  XFV_UNROLL
  for (int q = 0; q < kPerThread; ++q) {
    const int co = co0 + group + q * kGroups;
    if (co < d.cout)
      a.y[(static_cast<long long>(n) * d.cout + co) * wo + o] = acc[q] + (a.bias ? a.bias[co] : 0.f);
  }
}

}  // namespace

void run(const ConvTranspose1dArgs& a, cudaStream_t stream) {
  const ConvTranspose1dDesc& d = a.d;
  const int taps = (d.k + d.stride - 1) / d.stride;
  if (taps > kMaxTaps)
    throw std::invalid_argument(XFV_BACKEND_NAME ": conv_transpose1d is implemented for up to " +
                                std::to_string(kMaxTaps) + " taps per phase (kernel / stride), not " +
                                std::to_string(taps));
  if (d.n == 0 || d.cout == 0 || d.out_w() <= 0) return;
  if (d.n > 65535) throw std::invalid_argument(XFV_BACKEND_NAME ": conv_transpose1d takes at most 65535 signals");
  const dim3 grid(ceil_div(d.out_w(), kOut), ceil_div(d.cout, kCo), static_cast<unsigned>(d.n));
  XFV_LAUNCH(conv_transpose1d_kernel, grid, kThreads, 0, stream, a, taps, d.out_w());
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
