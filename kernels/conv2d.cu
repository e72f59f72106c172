// conv2d: y = alpha * (conv(act(x), w) + bias) + beta * residual, NCHW, zero padding, any
// kernel size, stride and dilation, act = LeakyReLU(input_slope) (1: none), as an implicit
// GEMM in fp32.
//
// GEMM view: M = cout, N = n * ho * wo (output pixels), K = cin * kh * kw.
//   A (M x K) is w exactly as stored, (cout, cin, kh, kw) row-major;
//   B (K x N) is the im2col matrix of x. It is never materialized: each block gathers its
//   B tile straight from x with the im2col index math, padding and out-of-range as zeros.
// A block of 256 threads computes a BM x BN tile of y, looping over K in BK-deep slices
// staged in shared memory (double buffered, one barrier per slice); each thread keeps a
// micro-tile of accumulators in registers. Small maps (32x32 down to 1x1 at 256..512
// channels) give too few big tiles to fill the GPU, so the smallest tile splits each slice
// among KS groups of threads and adds their micro-tiles through shared memory at the end:
// more blocks and more warps per tile, and the same bits on every run (no atomics).
#include "common.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

constexpr int kThreads = 256;
// About two blocks per SM on an A100 (108 SMs) or H100 (132): the launcher takes the
// largest tile that still makes this many blocks.
constexpr long long kTargetBlocks = 240;

// Division by a runtime constant as multiply-high, add and shift (Granlund-Montgomery, as
// in CUTLASS's FastDivmod): the im2col decomposition of k runs in the main loop, where a
// true integer division would cost more than the loads it addresses. Dividends < 2^31.
struct FastDiv {
  unsigned mul = 1, shift = 0;
  FastDiv() = default;
  explicit FastDiv(unsigned d) {
    while ((1ull << shift) < d) ++shift;
    mul = static_cast<unsigned>(((1ull << 32) * ((1ull << shift) - d)) / d + 1);
  }
  __device__ int operator()(int n) const {
    const unsigned u = static_cast<unsigned>(n);
    return static_cast<int>((__umulhi(u, mul) + u) >> shift);
  }
};

struct ConvGeom {
  int cin, h, w, cout, ho, wo;
  int stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
  int kw, khkw;
  int K, N;  // GEMM sizes; M = cout
  FastDiv div_khkw, div_kw;
  float alpha, beta, input_slope;
};

// A BM x BN output tile, BK-deep K slices, each slice shared by KS groups of threads; a
// group is a square DIM x DIM grid of threads, each owning (BM/DIM) x (BN/DIM) outputs.
template <int BM_, int BN_, int BK_, int KS_ = 1>
struct Tile {
  static constexpr int BM = BM_, BN = BN_, BK = BK_, KS = KS_;
  static constexpr int DIM = KS == 1 ? 16 : 8;
  static_assert(DIM * DIM * KS == kThreads, "the groups make up the block");
};

template <class T>
__global__ void __launch_bounds__(kThreads)
conv2d_kernel(ConvGeom g, const float* __restrict__ x, const float* __restrict__ w,
              const float* __restrict__ bias, const float* residual, float* y) {
  constexpr int BM = T::BM, BN = T::BN, BK = T::BK, KS = T::KS, DIM = T::DIM;
  constexpr int GROUP = DIM * DIM, TM = BM / DIM, TN = BN / DIM;
  // Loaders move float4s: A as 4 rows (m) of one k, B as 4 pixels of one k, so that both
  // tiles land in shared memory as whole float4s and are read back as whole float4s.
  constexpr int A_LOADS = BM * BK / 4 / kThreads, B_LOADS = BN * BK / 4 / kThreads;
  constexpr int B_ROW_STEP = kThreads / (BN / 4);
  static_assert(TM % 4 == 0 && TN % 4 == 0, "micro-tiles are made of float4 groups");
  static_assert(A_LOADS * 4 * kThreads == BM * BK && B_LOADS * 4 * kThreads == BN * BK,
                "every thread loads whole float4s of both tiles");
  static_assert(BK % KS == 0, "the groups split each slice evenly");
  // A is stored transposed (k-major); the +1 float4 of padding puts the stores of a
  // quarter-warp (8 consecutive k of one column) in 8 distinct bank groups.
  XFV_SHARED_2D(float4, As, 2 * BK, BM / 4 + 1);
  XFV_SHARED_2D(float4, Bs, 2 * BK, BN / 4);

  const int M = g.cout, N = g.N, K = g.K, hwo = g.ho * g.wo;
  const int tid = threadIdx.x, gk = tid / GROUP, t = tid % GROUP, tx = t % DIM, ty = t / DIM;
  const int m_block = blockIdx.y * BM, p_block = blockIdx.x * BN;

  // Pixels are permuted inside a tile: the float4 in column q of Bs holds pixels q + c*BN/4,
  // c = 0..3, so that each of the gather's scalar loads, and each of the epilogue's stores,
  // touches consecutive pixels across the warp. This thread gathers column bp; here is
  // where each of its 4 pixels' receptive field starts in x. A pixel past N gets an origin
  // so far off the map that every tap is padding.
  const int bp = tid % (BN / 4), bk = tid / (BN / 4);
  long long xoff[4];
  int ih0[4], iw0[4];
  XFV_UNROLL
  for (int c = 0; c < 4; ++c) {
    const int p = p_block + bp + c * (BN / 4);
    xoff[c] = 0;
    ih0[c] = iw0[c] = -(1 << 30);
    if (p < N) {
      const int img = p / hwo, q = p - img * hwo, oh = q / g.wo, ow = q - oh * g.wo;
      xoff[c] = static_cast<long long>(img) * g.cin * g.h * g.w;
      ih0[c] = oh * g.stride_h - g.pad_h;
      iw0[c] = ow * g.stride_w - g.pad_w;
    }
  }

  float4 a_reg[A_LOADS], b_reg[B_LOADS];
  auto load_slice = [&](int k0) {
    XFV_UNROLL
    for (int j = 0; j < A_LOADS; ++j) {
      const int idx = tid + j * kThreads, am = idx / BK, k = k0 + idx % BK;
      float v[4];
      XFV_UNROLL
      for (int i = 0; i < 4; ++i) {
        const int m = m_block + 4 * am + i;
        v[i] = (m < M && k < K) ? w[static_cast<long long>(m) * K + k] : 0.f;
      }
      a_reg[j] = make_float4(v[0], v[1], v[2], v[3]);
    }
    XFV_UNROLL
    for (int j = 0; j < B_LOADS; ++j) {
      const int k = k0 + bk + j * B_ROW_STEP;
      const int ci = g.div_khkw(k), rs = k - ci * g.khkw, r = g.div_kw(rs), s = rs - r * g.kw;
      const int dh = r * g.dil_h, dw = s * g.dil_w, plane = ci * g.h * g.w;
      float v[4];
      XFV_UNROLL
      for (int c = 0; c < 4; ++c) {
        const int ih = ih0[c] + dh, iw = iw0[c] + dw;
        const bool inside = k < K && static_cast<unsigned>(ih) < static_cast<unsigned>(g.h) &&
                            static_cast<unsigned>(iw) < static_cast<unsigned>(g.w);
        const float xv = inside ? x[xoff[c] + plane + ih * g.w + iw] : 0.f;
        v[c] = xv > 0.f ? xv : xv * g.input_slope;  // the input's activation, as it is gathered
      }
      b_reg[j] = make_float4(v[0], v[1], v[2], v[3]);
    }
  };

  // One barrier per slice: the stores into buffer `buf` at step s come after every thread
  // passed the barrier of step s-1, so after all of them finished reading it at step s-2.
  float acc[TM][TN] = {};
  load_slice(0);
  for (int k0 = 0, buf = 0; k0 < K; k0 += BK, buf ^= 1) {
    XFV_UNROLL
    for (int j = 0; j < A_LOADS; ++j) {
      const int idx = tid + j * kThreads;
      As[buf * BK + idx % BK][idx / BK] = a_reg[j];
    }
    XFV_UNROLL
    for (int j = 0; j < B_LOADS; ++j) Bs[buf * BK + bk + j * B_ROW_STEP][bp] = b_reg[j];
    __syncthreads();
    if (k0 + BK < K) load_slice(k0 + BK);  // in flight while this slice is multiplied

    XFV_UNROLL
    for (int kk = 0; kk < BK / KS; ++kk) {
      // A thread's rows (and columns) are float4 groups DIM apart, so that a quarter-warp
      // reads 8 consecutive float4s of B: conflict-free.
      const int k = buf * BK + kk * KS + gk;
      float a[TM], b[TN];
      XFV_UNROLL
      for (int i = 0; i < TM / 4; ++i) {
        const float4 v = As[k][i * DIM + ty];
        a[4 * i] = v.x, a[4 * i + 1] = v.y, a[4 * i + 2] = v.z, a[4 * i + 3] = v.w;
      }
      XFV_UNROLL
      for (int j = 0; j < TN / 4; ++j) {
        const float4 v = Bs[k][j * DIM + tx];
        b[4 * j] = v.x, b[4 * j + 1] = v.y, b[4 * j + 2] = v.z, b[4 * j + 3] = v.w;
      }
      XFV_UNROLL
      for (int i = 0; i < TM; ++i) {
        XFV_UNROLL
        for (int j = 0; j < TN; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
      }
    }
  }

  if constexpr (KS > 1) {
    // Group 0 adds the other groups' micro-tiles, in a fixed order. Laid out thread-minor,
    // so that a warp's float4 stores and loads are contiguous.
    XFV_SHARED_2D(float4, partial, (KS - 1) * TM * TN / 4, GROUP);
    if (gk > 0) {
      XFV_UNROLL
      for (int i = 0; i < TM; ++i) {
        XFV_UNROLL
        for (int j = 0; j < TN; j += 4)
          partial[((gk - 1) * TM + i) * TN / 4 + j / 4][t] =
              make_float4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]);
      }
    }
    __syncthreads();
    if (gk > 0) return;
    for (int other = 0; other < KS - 1; ++other) {
      XFV_UNROLL
      for (int i = 0; i < TM; ++i) {
        XFV_UNROLL
        for (int j = 0; j < TN; j += 4) {
          const float4 v = partial[(other * TM + i) * TN / 4 + j / 4][t];
          acc[i][j] += v.x, acc[i][j + 1] += v.y, acc[i][j + 2] += v.z, acc[i][j + 3] += v.w;
        }
      }
    }
  }

  XFV_UNROLL
  for (int j = 0; j < TN; ++j) {
    const int p = p_block + (j / 4) * DIM + tx + (j % 4) * (BN / 4);
    if (p >= N) continue;
    const int img = p / hwo;
    const long long pix = static_cast<long long>(img) * M * hwo + (p - img * hwo);
    XFV_UNROLL
    for (int i = 0; i < TM; ++i) {
      const int m = m_block + 4 * ((i / 4) * DIM + ty) + i % 4;
      if (m >= M) continue;
      const long long o = pix + static_cast<long long>(m) * hwo;
      float v = g.alpha * (acc[i][j] + (bias ? bias[m] : 0.f));
      if (residual) v += g.beta * residual[o];  // read before the write: may alias y
      y[o] = v;
    }
  }
}

template <class T>
long long blocks_for(const ConvGeom& g) {
  return static_cast<long long>(ceil_div(g.N, T::BN)) * ceil_div(g.cout, T::BM);
}

template <class T>
void launch_conv(const ConvGeom& g, const Conv2dArgs& a, cudaStream_t stream) {
  const dim3 grid(ceil_div(g.N, T::BN), ceil_div(g.cout, T::BM));
  XFV_LAUNCH(conv2d_kernel<T>, grid, kThreads, 0, stream, g, a.x, a.w, a.bias, a.residual, a.y);
}

using Tile128x128 = Tile<128, 128, 8>;      // 8x8 per thread
using Tile128x64 = Tile<128, 64, 16>;       // 8x4
using Tile64x128 = Tile<64, 128, 16>;       // 4x8: the 64-channel layers at full resolution
using Tile64x64 = Tile<64, 64, 16>;         // 4x4
using Tile32x32Split = Tile<32, 32, 32, 4>; // 4x4, 4 groups per slice: the small maps

}  // namespace

void run(const Conv2dArgs& a, cudaStream_t stream) {
  const Conv2dDesc& d = a.d;
  ConvGeom g{};
  g.cin = d.cin, g.h = d.h, g.w = d.w, g.cout = d.cout, g.ho = d.out_h(), g.wo = d.out_w();
  g.stride_h = d.stride_h, g.stride_w = d.stride_w, g.pad_h = d.pad_h, g.pad_w = d.pad_w;
  g.dil_h = d.dil_h, g.dil_w = d.dil_w;
  g.kw = d.kw, g.khkw = d.kh * d.kw;
  g.K = d.cin * g.khkw;
  g.N = d.n * g.ho * g.wo;
  g.div_khkw = FastDiv(static_cast<unsigned>(g.khkw));
  g.div_kw = FastDiv(static_cast<unsigned>(g.kw));
  g.alpha = d.alpha, g.beta = d.beta, g.input_slope = d.input_slope;
  if (g.N <= 0 || g.cout <= 0) return;

  // The largest tile that still gives every SM work; 64 rows where cout is no more.
  if (g.cout > 64 && blocks_for<Tile128x128>(g) >= kTargetBlocks) {
    launch_conv<Tile128x128>(g, a, stream);
  } else if (g.cout > 64 && blocks_for<Tile128x64>(g) >= kTargetBlocks) {
    launch_conv<Tile128x64>(g, a, stream);
  } else if (g.cout <= 64 && blocks_for<Tile64x128>(g) >= kTargetBlocks) {
    launch_conv<Tile64x128>(g, a, stream);
  } else if (blocks_for<Tile64x64>(g) >= kTargetBlocks) {
    launch_conv<Tile64x64>(g, a, stream);
  } else {
    launch_conv<Tile32x32Split>(g, a, stream);
  }
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
