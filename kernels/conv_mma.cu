// Convs and linear layers on tensor cores (mma.cuh): a conv2d (ops.h: any kernel, stride,
// padding and dilation, the input's LeakyReLU, bias, residual), a linear layer or a transposed
// conv1d at a reduced precision, TF32 (mma m16n8k8), bf16 or fp16 (m16n8k16), products
// accumulated in fp32.
//
// One kernel over a GEMM view (ConvGemm, PolyphaseGemm) that says what A(m, k) is, what column
// p of B gathers and where D(m, p) lands. A conv2d is the implicit GEMM of conv2d.cu: M = cout,
// N = n * ho * wo (output pixels), K = cin * kh * kw; A (M x K) is w as stored, B (K x N) the
// im2col matrix of act(x), gathered from x as each K slice is staged, never materialized. A
// linear layer is the 1x1 conv of its m rows taken as m images of one pixel (cin = k, cout =
// n), its batch entries along grid.z; a transposed conv1d, one polyphase GEMM per phase along
// grid.z. Padding and everything past an edge of the GEMM are zeros, so that every warp runs
// every mma on whole fragments.
//
// Activations are fp32 in memory. Weights are too where the backend has no stored form of
// them; where it has (engine/stored_weights.h: constant weights, stored once), the kernel
// reads that instead: bf16 or fp16 in 16 bits, or fp32 words already rounded to TF32. Both are
// staged as fp32 in shared memory (a 16-bit value is exact in fp32) and rounded as each lane
// builds its fragments from the staged slice, by the PTX ISA's per-lane layouts (mma.cuh); a
// stored weight rounds to itself, so both forms give the same bits, and the cpu's reference
// (engine/cpu/conv_mma.cpp) rounds the same values the same way. A block of four
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
// Blocks an SM must fit: at most 170 registers a thread, which the 64 x 64 tile's 32
// accumulators, fragments and the next slice's loads fit without a spill.
constexpr int kMinBlocksPerSm = 3;
constexpr int kSliceK = 16;
constexpr unsigned kMaxGridZ = 65535;

// The pointers a GEMM reads and writes; a view may move them to its grid.z entry. W: the
// weights' element, fp32 or a 16-bit value stored at the precision.
template <class W>
struct Operands {
  const float* x;
  const W* w;
  const float* bias;
  const float* residual;
  float* y;

  template <class V>
  Operands<V> reading(const V* weights) const { return {x, weights, bias, residual, y}; }
};

// A weight as it is staged for the fragments: fp32 as read, or the exact value of one stored
// in 16 bits at P.
template <Precision P>
__device__ __forceinline__ float staged(float w) { return w; }
template <Precision P>
__device__ __forceinline__ float staged(std::uint16_t w) { return unpack_k16<P>(w); }

// The GEMM of a conv2d, or of a linear layer (the 1x1 conv of its m rows as one-pixel
// images), grid.z a linear layer's batch entry. A(m, k) = w[m][k]; B column p, the pixel p
// of the output, gathers its receptive field of x; D(m, p) lands at y[img][m][pixel].
struct ConvGemm {
  int M, N, K;  // cout, n * ho * wo, cin * kh * kw
  float alpha, beta, input_slope;
  bool relu;
  int cin, h, w, ho, wo, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, kh, kw;
  long long x_batch, w_batch, bias_batch, y_batch;  // element strides between grid.z entries

  struct Column {
    long long xoff;  // the pixel's image in x
    int ih0, iw0;    // where its receptive field starts
  };
  template <class W>
  __device__ void select(unsigned z, Operands<W>& o) const {
    o.x += z * x_batch, o.w += z * w_batch, o.y += z * y_batch;
    if (o.bias) o.bias += z * bias_batch;
  }
  // A pixel past N starts so far off the map that every tap is padding.
  __device__ Column column(int p) const {
    if (p >= N) return {0, -(1 << 30), -(1 << 30)};
    const int img = p / (ho * wo), q = p - img * (ho * wo), oh = q / wo, ow = q - oh * wo;
    return {static_cast<long long>(img) * cin * h * w, oh * stride_h - pad_h, ow * stride_w - pad_w};
  }
  // Where A(m, k) lies in w (a view returns -1 where A is 0: PolyphaseGemm's taps past k).
  __device__ long long a_at(int m, int k) const { return static_cast<long long>(m) * K + k; }
  __device__ float b(const float* x, const Column& c, int k) const {
    const int taps = kh * kw, ci = k / taps, rs = k - ci * taps, r = rs / kw, s = rs - r * kw;
    const int ih = c.ih0 + r * dil_h, iw = c.iw0 + s * dil_w;
    const bool inside = static_cast<unsigned>(ih) < static_cast<unsigned>(h) &&
                        static_cast<unsigned>(iw) < static_cast<unsigned>(w);
    return inside ? x[c.xoff + (static_cast<long long>(ci) * h + ih) * w + iw] : 0.f;
  }
  __device__ long long out(int m, int p) const {
    const int hwo = ho * wo, img = p / hwo;
    return (static_cast<long long>(img) * M + m) * hwo + (p - img * hwo);
  }
};

// The GEMM of one phase r = grid.z of a transposed conv1d (ops.h), as conv_transpose1d.cu
// splits it: output o = i * stride + r - pad takes the taps j = r + s * stride (s < taps =
// ceil(k / stride)) of the inputs i - s. A(co, ci * taps + s) = w[ci][co][r + s * stride]
// (0 past k); B column p is the input index i of signal p / cols; D(co, p) lands at output
// o, and nowhere when o falls outside [0, wo).
struct PolyphaseGemm {
  int M, N, K;  // cout, n * cols, cin * taps
  float alpha, beta, input_slope;
  bool relu;
  int cin, w, wo, k, stride, pad, taps, cols;  // cols: the indices i of a phase, (wo - 1 + pad) / stride + 1
  int phase;

  struct Column {
    long long xoff;  // the signal in x
    int i;           // the input index of its first tap
  };
  template <class W>
  __device__ void select(unsigned z, Operands<W>&) { phase = static_cast<int>(z); }
  __device__ Column column(int p) const {
    if (p >= N) return {0, -(1 << 30)};
    const int n = p / cols;
    return {static_cast<long long>(n) * cin * w, p - n * cols};
  }
  __device__ long long a_at(int m, int kk) const {
    const int ci = kk / taps, j = phase + (kk - ci * taps) * stride;
    return j < k ? (static_cast<long long>(ci) * M + m) * k + j : -1;
  }
  __device__ float b(const float* x, const Column& c, int kk) const {
    const int ci = kk / taps, i = c.i - (kk - ci * taps);
    return static_cast<unsigned>(i) < static_cast<unsigned>(w) ? x[c.xoff + static_cast<long long>(ci) * w + i]
                                                                 : 0.f;
  }
  __device__ long long out(int m, int p) const {
    const int n = p / cols, o = (p - n * cols) * stride + phase - pad;
    return static_cast<unsigned>(o) < static_cast<unsigned>(wo) ? (static_cast<long long>(n) * M + m) * wo + o
                                                                 : -1;
  }
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
        a[mi][r] = pack_k16_pair<P>(As[row][k], As[row][k + 1]);
      }
    XFV_UNROLL
    for (int ni = 0; ni < T::NI; ++ni)
      XFV_UNROLL
      for (int r = 0; r < 2; ++r) {  // elements 2r, 2r + 1: adjacent k, one column
        const int k = 2 * t + 8 * r, col = n0 + 8 * ni + g;
        b[ni][r] = pack_k16_pair<P>(Bs[k][col], Bs[k + 1][col]);
      }
    XFV_UNROLL
    for (int mi = 0; mi < T::MI; ++mi)
      XFV_UNROLL
      for (int ni = 0; ni < T::NI; ++ni) mma_m16n8k16<P>(acc[mi][ni], a[mi], b[ni], acc[mi][ni]);
  }
}

template <Precision P, class T, class Gemm, class W>
__global__ void __launch_bounds__(kThreads, kMinBlocksPerSm) conv_mma_kernel(Gemm view, Operands<W> operands) {
  constexpr int BM = T::BM, BN = T::BN;
  constexpr int A_LOADS = BM * kSliceK / kThreads, B_LOADS = kSliceK * BN / kThreads;
  constexpr int B_ROW_STEP = kThreads / BN;
  static_assert(A_LOADS * kThreads == BM * kSliceK, "every thread loads as many A elements");
  // Padding: the TF32 fragments' 32 loads each fall in 32 distinct banks.
  XFV_SHARED_2D(float, As, BM, kSliceK + 4);
  XFV_SHARED_2D(float, Bs, kSliceK, BN + 8);

  Gemm v = view;
  Operands<W> o = operands;
  v.select(blockIdx.z, o);
  const int M = v.M, N = v.N, K = v.K;
  const int tid = static_cast<int>(threadIdx.x), lane = tid % 32, warp = tid / 32;
  const int m_block = static_cast<int>(blockIdx.y) * BM, p_block = static_cast<int>(blockIdx.x) * BN;

  // This thread gathers column bp of each B slice.
  const int bp = tid % BN, bk = tid / BN;
  const typename Gemm::Column column = v.column(p_block + bp);

  float a_reg[A_LOADS], b_reg[B_LOADS];
  auto load_slice = [&](int k0) {
    XFV_UNROLL
    for (int j = 0; j < A_LOADS; ++j) {
      const int idx = tid + j * kThreads, m = m_block + idx / kSliceK, k = k0 + idx % kSliceK;
      const long long at = (m < M && k < K) ? v.a_at(m, k) : -1;
      a_reg[j] = at >= 0 ? staged<P>(o.w[at]) : 0.f;
    }
    XFV_UNROLL
    for (int j = 0; j < B_LOADS; ++j) {
      const int k = k0 + bk + j * B_ROW_STEP;
      const float x = k < K ? v.b(o.x, column, k) : 0.f;
      b_reg[j] = x > 0.f ? x : x * v.input_slope;  // the input's activation, as it is gathered
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
        const long long at = v.out(m, p);
        if (at < 0) continue;
        float y = v.alpha * (acc[mi][ni][i] + (o.bias ? o.bias[m] : 0.f));
        if (o.residual) y += v.beta * o.residual[at];  // read before the write: may alias y
        o.y[at] = v.relu ? fmaxf(y, 0.f) : y;
      }
}

template <Precision P, class T, class Gemm, class W>
void launch_tile(const Gemm& v, unsigned grid_z, const Operands<W>& o, cudaStream_t stream) {
  const dim3 grid(ceil_div(v.N, T::BN), ceil_div(v.M, T::BM), grid_z);
  auto* const conv_mma = conv_mma_kernel<P, T, Gemm, W>;  // one name for XFV_LAUNCH
  XFV_LAUNCH(conv_mma, grid, kThreads, 0, stream, v, o);
}

// The weights the backend stored at P, if any (`stored`): TF32 as fp32 words already rounded
// (one kernel reads either), bf16 and fp16 as 16-bit values (a kernel of their own).
template <Precision P, class T, class Gemm>
void launch_weights(const Gemm& v, unsigned grid_z, const Operands<float>& o, const void* stored,
                    cudaStream_t stream) {
  if constexpr (P == Precision::Tf32)
    launch_tile<P, T>(v, grid_z, stored ? o.reading(static_cast<const float*>(stored)) : o, stream);
  else if (stored)
    launch_tile<P, T>(v, grid_z, o.reading(static_cast<const std::uint16_t*>(stored)), stream);
  else
    launch_tile<P, T>(v, grid_z, o, stream);
}

// The precision, then the tile by M (cout: a function of the shape).
template <class T, class Gemm>
void launch_precision(Precision p, const Gemm& v, unsigned grid_z, const Operands<float>& o, const void* stored,
                      cudaStream_t stream) {
  switch (p) {
    case Precision::Tf32: return launch_weights<Precision::Tf32, T>(v, grid_z, o, stored, stream);
    case Precision::Bf16: return launch_weights<Precision::Bf16, T>(v, grid_z, o, stored, stream);
    case Precision::Fp16: return launch_weights<Precision::Fp16, T>(v, grid_z, o, stored, stream);
    case Precision::Fp32: break;
  }
  throw DeviceError("conv_mma: fp32 runs on CUDA cores (conv2d, linear, conv_transpose1d), not tensor cores");
}

template <class Gemm>
void launch(Precision p, const Gemm& v, unsigned grid_z, const Operands<float>& o, const void* stored,
            cudaStream_t stream) {
  if (v.M <= 0 || v.N <= 0 || grid_z == 0) return;
  if (grid_z > kMaxGridZ) throw DeviceError("conv_mma: grid.z " + std::to_string(grid_z) + " exceeds gridDim.z");
  if (v.M <= Tile16x128::BM)
    launch_precision<Tile16x128>(p, v, grid_z, o, stored, stream);
  else if (v.M <= Tile32x128::BM)
    launch_precision<Tile32x128>(p, v, grid_z, o, stored, stream);
  else
    launch_precision<Tile64x64>(p, v, grid_z, o, stored, stream);
}

}  // namespace

void run_mma(const Conv2dArgs& a, const void* stored, cudaStream_t stream) {
  const Conv2dDesc& d = a.d;
  ConvGemm v{};
  v.ho = d.out_h(), v.wo = d.out_w();
  v.M = d.cout, v.N = d.n * v.ho * v.wo, v.K = d.cin * d.kh * d.kw;
  v.alpha = d.alpha, v.beta = d.beta, v.input_slope = d.input_slope;
  v.cin = d.cin, v.h = d.h, v.w = d.w;
  v.stride_h = d.stride_h, v.stride_w = d.stride_w, v.pad_h = d.pad_h, v.pad_w = d.pad_w;
  v.dil_h = d.dil_h, v.dil_w = d.dil_w, v.kh = d.kh, v.kw = d.kw;
  launch(d.precision, v, 1, {a.x, a.w, a.bias, a.residual, a.y}, stored, stream);
}

void run_mma(const LinearArgs& a, const void* stored, cudaStream_t stream) {
  const LinearDesc& d = a.d;
  ConvGemm v{};
  v.M = d.n, v.N = d.m, v.K = d.k;
  v.alpha = 1.f, v.input_slope = 1.f, v.relu = d.relu;
  v.cin = d.k, v.h = v.w = v.ho = v.wo = 1;
  v.stride_h = v.stride_w = v.dil_h = v.dil_w = v.kh = v.kw = 1;
  v.x_batch = d.x_stride, v.w_batch = d.w_stride, v.bias_batch = d.bias_stride, v.y_batch = d.y_stride;
  launch(d.precision, v, static_cast<unsigned>(d.batch), {a.x, a.w, a.bias, nullptr, a.y}, stored, stream);
}

void run_mma(const ConvTranspose1dArgs& a, const void* stored, cudaStream_t stream) {
  const ConvTranspose1dDesc& d = a.d;
  PolyphaseGemm v{};
  v.wo = d.out_w(), v.taps = (d.k + d.stride - 1) / d.stride, v.cols = (v.wo - 1 + d.pad) / d.stride + 1;
  v.M = d.cout, v.N = d.n * v.cols, v.K = d.cin * v.taps;
  v.alpha = 1.f, v.input_slope = d.input_slope;
  v.cin = d.cin, v.w = d.w, v.k = d.k, v.stride = d.stride, v.pad = d.pad;
  launch(d.precision, v, static_cast<unsigned>(d.stride), {a.x, a.w, a.bias, nullptr, a.y}, stored, stream);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
