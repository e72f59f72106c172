// Convs and linear layers on tensor cores (mma.cuh): a conv2d (ops.h: any kernel, stride,
// padding and dilation, the input's LeakyReLU, bias, residual) or a linear layer at a reduced
// precision, TF32 (mma m16n8k8), bf16 or fp16 (m16n8k16), products accumulated in fp32.
//
// The implicit GEMM of conv2d.cu: M = cout, N = n * ho * wo (output pixels), K = cin * kh * kw;
// A (M x K) is w as stored, B (K x N) the im2col matrix of act(x), gathered from x as each
// K slice is staged, never materialized; padding and everything past an edge of the GEMM are
// zeros, so that every warp runs every mma on whole fragments. A linear layer is the 1x1 conv
// of its m rows taken as m images of one pixel (cin = k, cout = n), its batch entries along
// grid.z.
//
// Operands stay fp32 in global and shared memory and are rounded as each lane builds its
// fragments from the staged slice, by the PTX ISA's per-lane layouts (mma.cuh): the cpu's
// reference (engine/cpu/conv_mma.cpp) rounds the same values the same way. A block of four
// warps computes a BM x BN tile of y, K in slices of 16 (one m16n8k16 step, two m16n8k8),
// the next slice's loads in registers while this one is multiplied; each warp owns an
// (16 MI) x (8 NI) part of the tile. The tile is a function of cout alone.
#include "common.cuh"
#include "launchers.h"
#include "mma.cuh"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

constexpr int kWarps = 4, kThreads = 32 * kWarps;
constexpr int kSliceK = 16;
constexpr unsigned kMaxGridZ = 65535;

struct MmaGeom {
  int cin, h, w, cout, ho, wo;
  int stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, kh, kw;
  int K, N;  // GEMM sizes; M = cout
  float alpha, beta, input_slope;
  bool relu;
  long long x_batch, w_batch, bias_batch, y_batch;  // element strides between grid.z entries
};

// WM x WN warps, each MI x NI fragments of 16 x 8 outputs.
template <int MI_, int NI_, int WM_, int WN_>
struct MmaTile {
  static constexpr int MI = MI_, NI = NI_, WM = WM_, WN = WN_;
  static constexpr int BM = 16 * MI * WM, BN = 8 * NI * WN;
  static_assert(WM * WN == kWarps, "the warps make up the block");
  static_assert(kThreads % BN == 0, "a whole number of B rows per pass of the block");
};
using Tile16x128 = MmaTile<1, 4, 1, 4>;  // cout <= 16: the vocoders' output convs, rgb
using Tile32x128 = MmaTile<2, 4, 1, 4>;  // cout <= 32
using Tile64x64 = MmaTile<2, 4, 2, 2>;   // the rest

// The fragment register holding two adjacent operands, rounded as precision P's mma takes
// them (the low half first).
template <Precision P>
__device__ __forceinline__ std::uint32_t pack_pair(float lo, float hi) {
  if constexpr (P == Precision::Bf16)
    return pack_bf16x2(lo, hi);
  else
    return pack_f16x2(lo, hi);
}

template <Precision P>
__device__ __forceinline__ void mma_k16(float (&d)[4], const std::uint32_t (&a)[4],
                                        const std::uint32_t (&b)[2]) {
  if constexpr (P == Precision::Bf16)
    mma_m16n8k16_bf16(d, a, b, d);
  else
    mma_m16n8k16_f16(d, a, b, d);
}

// acc[mi][ni] += the warp's part of As (rows m0 + 16 mi ...) times Bs (columns n0 + 8 ni ...)
// over the staged slice, fragments built by mma.cuh's layouts (g = lane >> 2, t = lane % 4).
template <Precision P, class T, class SharedA, class SharedB>
__device__ __forceinline__ void multiply_slice(const SharedA& As, const SharedB& Bs, int m0, int n0,
                                               int lane, float (&acc)[T::MI][T::NI][4]) {
  const int g = lane >> 2, t = lane % 4;
  if constexpr (P == Precision::Tf32) {
    XFV_UNROLL
    for (int k0 = 0; k0 < kSliceK; k0 += 8) {
      std::uint32_t a[T::MI][4], b[T::NI][2];
      XFV_UNROLL
      for (int mi = 0; mi < T::MI; ++mi)
        XFV_UNROLL
        for (int i = 0; i < 4; ++i)
          a[mi][i] = to_tf32(As[m0 + 16 * mi + g + 8 * (i & 1)][k0 + t + 4 * (i >> 1)]);
      XFV_UNROLL
      for (int ni = 0; ni < T::NI; ++ni)
        XFV_UNROLL
        for (int i = 0; i < 2; ++i) b[ni][i] = to_tf32(Bs[k0 + t + 4 * i][n0 + 8 * ni + g]);
      XFV_UNROLL
      for (int mi = 0; mi < T::MI; ++mi)
        XFV_UNROLL
        for (int ni = 0; ni < T::NI; ++ni) mma_m16n8k8_tf32(acc[mi][ni], a[mi], b[ni], acc[mi][ni]);
    }
  } else {
    std::uint32_t a[T::MI][4], b[T::NI][2];
    XFV_UNROLL
    for (int mi = 0; mi < T::MI; ++mi)
      XFV_UNROLL
      for (int r = 0; r < 4; ++r) {  // elements 2r, 2r + 1: one row, adjacent k
        const int row = m0 + 16 * mi + g + 8 * (r & 1), k = 2 * t + 8 * (r >> 1);
        a[mi][r] = pack_pair<P>(As[row][k], As[row][k + 1]);
      }
    XFV_UNROLL
    for (int ni = 0; ni < T::NI; ++ni)
      XFV_UNROLL
      for (int r = 0; r < 2; ++r) {  // elements 2r, 2r + 1: adjacent k, one column
        const int k = 2 * t + 8 * r, col = n0 + 8 * ni + g;
        b[ni][r] = pack_pair<P>(Bs[k][col], Bs[k + 1][col]);
      }
    XFV_UNROLL
    for (int mi = 0; mi < T::MI; ++mi)
      XFV_UNROLL
      for (int ni = 0; ni < T::NI; ++ni) mma_k16<P>(acc[mi][ni], a[mi], b[ni]);
  }
}

template <Precision P, class T>
__global__ void __launch_bounds__(kThreads)
conv_mma_kernel(MmaGeom g, const float* __restrict__ x, const float* __restrict__ w,
                const float* __restrict__ bias, const float* residual, float* y) {
  constexpr int BM = T::BM, BN = T::BN;
  constexpr int A_LOADS = BM * kSliceK / kThreads, B_LOADS = kSliceK * BN / kThreads;
  constexpr int B_ROW_STEP = kThreads / BN;
  static_assert(A_LOADS * kThreads == BM * kSliceK, "every thread loads as many A elements");
  // Padding: the TF32 fragments' 32 loads each fall in 32 distinct banks.
  XFV_SHARED_2D(float, As, BM, kSliceK + 4);
  XFV_SHARED_2D(float, Bs, kSliceK, BN + 8);

  x += blockIdx.z * g.x_batch;
  w += blockIdx.z * g.w_batch;
  if (bias) bias += blockIdx.z * g.bias_batch;
  y += blockIdx.z * g.y_batch;
  const int M = g.cout, N = g.N, K = g.K, hwo = g.ho * g.wo, khkw = g.kh * g.kw;
  const int tid = static_cast<int>(threadIdx.x), lane = tid % 32, warp = tid / 32;
  const int m_block = static_cast<int>(blockIdx.y) * BM, p_block = static_cast<int>(blockIdx.x) * BN;

  // This thread gathers column bp of each B slice: where its pixel's receptive field starts
  // in x. A pixel past N starts so far off the map that every tap is padding.
  const int bp = tid % BN, bk = tid / BN;
  long long xoff = 0;
  int ih0 = -(1 << 30), iw0 = -(1 << 30);
  if (p_block + bp < N) {
    const int p = p_block + bp, img = p / hwo, q = p - img * hwo, oh = q / g.wo, ow = q - oh * g.wo;
    xoff = static_cast<long long>(img) * g.cin * g.h * g.w;
    ih0 = oh * g.stride_h - g.pad_h;
    iw0 = ow * g.stride_w - g.pad_w;
  }

  float a_reg[A_LOADS], b_reg[B_LOADS];
  auto load_slice = [&](int k0) {
    XFV_UNROLL
    for (int j = 0; j < A_LOADS; ++j) {
      const int idx = tid + j * kThreads, m = m_block + idx / kSliceK, k = k0 + idx % kSliceK;
      a_reg[j] = (m < M && k < K) ? w[static_cast<long long>(m) * K + k] : 0.f;
    }
    XFV_UNROLL
    for (int j = 0; j < B_LOADS; ++j) {
      const int k = k0 + bk + j * B_ROW_STEP;
      const int ci = k / khkw, rs = k - ci * khkw, r = rs / g.kw, s = rs - r * g.kw;
      const int ih = ih0 + r * g.dil_h, iw = iw0 + s * g.dil_w;
      const bool inside = k < K && static_cast<unsigned>(ih) < static_cast<unsigned>(g.h) &&
                          static_cast<unsigned>(iw) < static_cast<unsigned>(g.w);
      const float v = inside ? x[xoff + (static_cast<long long>(ci) * g.h + ih) * g.w + iw] : 0.f;
      b_reg[j] = v > 0.f ? v : v * g.input_slope;  // the input's activation, as it is gathered
    }
  };

  float acc[T::MI][T::NI][4] = {};
  const int m0 = (warp / T::WN) * 16 * T::MI, n0 = (warp % T::WN) * 8 * T::NI;
  load_slice(0);
  for (int k0 = 0; k0 < K; k0 += kSliceK) {
    XFV_UNROLL
    for (int j = 0; j < A_LOADS; ++j) {
      const int idx = tid + j * kThreads;
      As[idx / kSliceK][idx % kSliceK] = a_reg[j];
    }
    XFV_UNROLL
    for (int j = 0; j < B_LOADS; ++j) Bs[bk + j * B_ROW_STEP][bp] = b_reg[j];
    __syncthreads();
    if (k0 + kSliceK < K) load_slice(k0 + kSliceK);  // in flight while this slice is multiplied
    multiply_slice<P, T>(As, Bs, m0, n0, lane, acc);
    __syncthreads();  // every warp done reading the slice before the next one is stored
  }

  // Accumulator i of a fragment: row g + 8 (i >> 1), column 2 t + (i & 1) (mma.cuh).
  XFV_UNROLL
  for (int mi = 0; mi < T::MI; ++mi)
    XFV_UNROLL
    for (int ni = 0; ni < T::NI; ++ni)
      XFV_UNROLL
      for (int i = 0; i < 4; ++i) {
        const int m = m_block + m0 + 16 * mi + (lane >> 2) + 8 * (i >> 1);
        const int p = p_block + n0 + 8 * ni + 2 * (lane % 4) + (i & 1);
        if (m >= M || p >= N) continue;
        const int img = p / hwo;
        const long long o = (static_cast<long long>(img) * M + m) * hwo + (p - img * hwo);
        float v = g.alpha * (acc[mi][ni][i] + (bias ? bias[m] : 0.f));
        if (residual) v += g.beta * residual[o];  // read before the write: may alias y
        y[o] = g.relu ? fmaxf(v, 0.f) : v;
      }
}

template <Precision P, class T>
void launch_tile(const MmaGeom& g, unsigned batch, const float* x, const float* w, const float* bias,
                 const float* residual, float* y, cudaStream_t stream) {
  const dim3 grid(ceil_div(g.N, T::BN), ceil_div(g.cout, T::BM), batch);
  auto* const conv_mma = conv_mma_kernel<P, T>;  // one name for XFV_LAUNCH
  XFV_LAUNCH(conv_mma, grid, kThreads, 0, stream, g, x, w, bias, residual, y);
}

// The tile by cout (deterministic: a function of the shape), then the precision.
template <class T>
void launch_precision(Precision p, const MmaGeom& g, unsigned batch, const float* x, const float* w,
                      const float* bias, const float* residual, float* y, cudaStream_t stream) {
  switch (p) {
    case Precision::Tf32: return launch_tile<Precision::Tf32, T>(g, batch, x, w, bias, residual, y, stream);
    case Precision::Bf16: return launch_tile<Precision::Bf16, T>(g, batch, x, w, bias, residual, y, stream);
    case Precision::Fp16: return launch_tile<Precision::Fp16, T>(g, batch, x, w, bias, residual, y, stream);
    case Precision::Fp32: break;
  }
  throw DeviceError("conv_mma: fp32 runs on CUDA cores (conv2d, linear), not tensor cores");
}

void launch(Precision p, const MmaGeom& g, unsigned batch, const float* x, const float* w,
            const float* bias, const float* residual, float* y, cudaStream_t stream) {
  if (batch > kMaxGridZ) throw DeviceError("conv_mma: batch " + std::to_string(batch) + " exceeds gridDim.z");
  if (g.cout <= Tile16x128::BM)
    launch_precision<Tile16x128>(p, g, batch, x, w, bias, residual, y, stream);
  else if (g.cout <= Tile32x128::BM)
    launch_precision<Tile32x128>(p, g, batch, x, w, bias, residual, y, stream);
  else
    launch_precision<Tile64x64>(p, g, batch, x, w, bias, residual, y, stream);
}

}  // namespace

void run_mma(const Conv2dArgs& a, cudaStream_t stream) {
  const Conv2dDesc& d = a.d;
  MmaGeom g{};
  g.cin = d.cin, g.h = d.h, g.w = d.w, g.cout = d.cout, g.ho = d.out_h(), g.wo = d.out_w();
  g.stride_h = d.stride_h, g.stride_w = d.stride_w, g.pad_h = d.pad_h, g.pad_w = d.pad_w;
  g.dil_h = d.dil_h, g.dil_w = d.dil_w, g.kh = d.kh, g.kw = d.kw;
  g.K = d.cin * d.kh * d.kw;
  g.N = d.n * g.ho * g.wo;
  g.alpha = d.alpha, g.beta = d.beta, g.input_slope = d.input_slope;
  if (g.N > 0 && d.cout > 0) launch(d.precision, g, 1, a.x, a.w, a.bias, a.residual, a.y, stream);
}

void run_mma(const LinearArgs& a, cudaStream_t stream) {
  const LinearDesc& d = a.d;
  MmaGeom g{};
  g.cin = d.k, g.h = g.w = g.ho = g.wo = 1, g.cout = d.n;
  g.stride_h = g.stride_w = g.dil_h = g.dil_w = g.kh = g.kw = 1;
  g.K = d.k, g.N = d.m;
  g.alpha = 1.f, g.input_slope = 1.f, g.relu = d.relu;
  g.x_batch = d.x_stride, g.w_batch = d.w_stride, g.bias_batch = d.bias_stride, g.y_batch = d.y_stride;
  if (g.N > 0 && d.n > 0 && d.batch > 0)
    launch(d.precision, g, static_cast<unsigned>(d.batch), a.x, a.w, a.bias, nullptr, a.y, stream);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
