// Small kernels over kernels/mma.cuh and kernels/async_copy.cuh, and the host runs of
// mma_checks.h that launch them. test_sim_mma.cpp builds this file for sim; CMake builds it
// with nvcc for the cuda backend (sm_80 and sm_90), so that tests/test_mma.cpp runs the same
// checks on a GPU and ptxas checks the headers' PTX. Tiles are row-major in global memory;
// each warp of the mma kernels takes one problem.
#include "async_copy.cuh"
#include "common.cuh"
#include "device_array.h"
#include "mma.cuh"
#include "mma_checks.h"
#include "precision.h"

namespace xfv {
namespace XFV_DEVICE_NS {

constexpr int kTileM = kMmaTileM, kTileN = kMmaTileN;

__device__ __forceinline__ int warp_in_grid() {
  return static_cast<int>((blockIdx.x * blockDim.x + threadIdx.x) / 32);
}

// Where accumulator element i of `lane` (C and D of every shape here) lies in a 16x8 tile.
__device__ __forceinline__ int acc_offset(int lane, int i) {
  return ((lane >> 2) + 8 * (i >> 1)) * kTileN + 2 * (lane % 4) + (i & 1);
}

// D = A B + C with A 16x8, B 8x8, C and D 16x8, fragments loaded from global memory by the
// m16n8k8 .tf32 layouts (mma.cuh).
template <Plant P>
__global__ void __launch_bounds__(128)
    mma_tf32_kernel(const float* a, const float* b, const float* c, float* d) {
  constexpr int kK = 8;
  const int p = warp_in_grid(), lane = static_cast<int>(threadIdx.x % 32);
  const int g = lane >> 2, t = lane % 4;
  a += p * kTileM * kK;
  b += p * kK * kTileN;
  c += p * kTileM * kTileN;
  d += p * kTileM * kTileN;
  std::uint32_t af[4], bf[2];
  float cf[4], df[4];
  for (int i = 0; i < 4; ++i) {
    const float x = a[(g + 8 * (i & 1)) * kK + t + 4 * (i >> 1)];
    af[i] = P == Plant::UnroundedTf32 ? __float_as_uint(x) : to_tf32(x);
  }
  for (int i = 0; i < 2; ++i) {
    const int k = t + 4 * i;
    bf[i] = to_tf32(P == Plant::TransposedB ? b[g * kTileN + k] : b[k * kTileN + g]);
  }
  for (int i = 0; i < 4; ++i) cf[i] = c[acc_offset(lane, i)];
  mma_m16n8k8_tf32(df, af, bf, cf);
  for (int i = 0; i < 4; ++i) d[acc_offset(lane, i)] = df[i];
}

// The lane's m16n8k16 fragments of a 16x16 A and a 16x8 B, rounded from fp32.
template <Precision P>
__device__ __forceinline__ void load_k16_fragments(const float* a, const float* b, int lane,
                                                   std::uint32_t (&af)[4],
                                                   std::uint32_t (&bf)[2]) {
  constexpr int kK = 16;
  const int g = lane >> 2, t = lane % 4;
  for (int r = 0; r < 4; ++r) {  // elements 2r and 2r + 1: one row, adjacent columns
    const float* x = a + (g + 8 * (r & 1)) * kK + 2 * t + 8 * (r >> 1);
    af[r] = pack_k16_pair<P>(x[0], x[1]);
  }
  for (int r = 0; r < 2; ++r) {  // elements 2r and 2r + 1: adjacent rows, one column
    const int k = 2 * t + 8 * r;
    bf[r] = pack_k16_pair<P>(b[k * kTileN + g], b[(k + 1) * kTileN + g]);
  }
}

// D = A B + C with A 16x16, B 16x8, from fp32 tiles rounded as the fragments are built.
template <Precision P>
__global__ void __launch_bounds__(128)
    mma_half_kernel(const float* a, const float* b, const float* c, float* d) {
  constexpr int kK = 16;
  const int p = warp_in_grid(), lane = static_cast<int>(threadIdx.x % 32);
  std::uint32_t af[4], bf[2];
  load_k16_fragments<P>(a + p * kTileM * kK, b + p * kK * kTileN, lane, af, bf);
  c += p * kTileM * kTileN;
  d += p * kTileM * kTileN;
  float cf[4], df[4];
  for (int i = 0; i < 4; ++i) cf[i] = c[acc_offset(lane, i)];
  mma_m16n8k16<P>(df, af, bf, cf);
  for (int i = 0; i < 4; ++i) d[acc_offset(lane, i)] = df[i];
}

// `steps` chained bf16 mma on one warp, D = A B + D from D = 0: what one mma costs on sim.
__global__ void __launch_bounds__(32)
    mma_chain_kernel(const float* a, const float* b, float* d, int steps) {
  const int lane = static_cast<int>(threadIdx.x);
  std::uint32_t af[4], bf[2];
  load_k16_fragments<Precision::Bf16>(a, b, lane, af, bf);
  float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int s = 0; s < steps; ++s) mma_m16n8k16_bf16(acc, af, bf, acc);
  for (int i = 0; i < 4; ++i) d[acc_offset(lane, i)] = acc[i];
}

// The same product with bf16 tiles (bit patterns) staged in shared memory and the fragments
// loaded by ldmatrix: .x4 for A's four 8x8 quarters, .x2.trans for B's two 8x8 halves.
// One warp per block; dynamic shared memory holds A (16x16) then B (16x8).
__global__ void __launch_bounds__(32)
    ldmatrix_mma_kernel(const std::uint16_t* a, const std::uint16_t* b, const float* c,
                        float* d) {
  constexpr int kK = 16, kA = kTileM * kK, kB = kK * kTileN;
  XFV_DYNAMIC_SHARED(std::uint16_t, tiles);
  const int p = static_cast<int>(blockIdx.x), lane = static_cast<int>(threadIdx.x);
  for (int i = lane; i < kA; i += 32) tiles[i] = a[p * kA + i];
  for (int i = lane; i < kB; i += 32) tiles[kA + i] = b[p * kB + i];
  __syncthreads();
  const int quarter = lane / 8, row = lane % 8;
  std::uint32_t af[4], bf[2];
  ldmatrix(af, tiles, (row + 8 * (quarter & 1)) * kK + 8 * (quarter >> 1));
  ldmatrix_trans(bf, tiles, kA + (lane % 16) * kTileN);  // lanes 16-31 supply no address
  float cf[4], df[4];
  c += p * kTileM * kTileN;
  d += p * kTileM * kTileN;
  for (int i = 0; i < 4; ++i) cf[i] = c[acc_offset(lane, i)];
  mma_m16n8k16_bf16(df, af, bf, cf);
  for (int i = 0; i < 4; ++i) d[acc_offset(lane, i)] = df[i];
}

// Each lane's ldmatrix registers, as loaded: N 8x8 matrices given row by row in `in`, each
// row staged at a scrambled place in shared memory (row s of the N * 8 at place 5 s mod 8 N),
// so that only the address each lane supplies can find it. out[lane * N + j] = register j.
template <int N, bool Trans>
__global__ void __launch_bounds__(32)
    ldmatrix_layout_kernel(const std::uint16_t* in, std::uint32_t* out) {
  constexpr int kRows = 8 * N;
  XFV_SHARED_1D(int4, staged, kRows);  // int4: one 16-byte row, 16-byte aligned
  const int lane = static_cast<int>(threadIdx.x);
  auto place = [](int s) { return 5 * s % kRows; };
  if (lane < kRows) {
    const std::uint16_t* row = in + lane * 8;
    int words[4];
    for (int w = 0; w < 4; ++w)
      words[w] = static_cast<int>(row[2 * w] | std::uint32_t{row[2 * w + 1]} << 16);
    staged[place(lane)] = make_int4(words[0], words[1], words[2], words[3]);
  }
  __syncthreads();
  std::uint32_t r[N];
  if constexpr (Trans)
    ldmatrix_trans(r, staged, place(lane % kRows));
  else
    ldmatrix(r, staged, place(lane % kRows));
  for (int j = 0; j < N; ++j) out[lane * N + j] = r[j];
}

// Planted bug: lane 5 leaves before the mma that the whole warp must execute.
__global__ void __launch_bounds__(32) mma_lane_exits_kernel(float* d) {
  const int lane = static_cast<int>(threadIdx.x);
  if (lane == 5) return;
  const std::uint32_t a[4] = {0, 0, 0, 0}, b[2] = {0, 0};
  const float c[4] = {1, 1, 1, 1};
  float out[4];
  mma_m16n8k8_tf32(out, a, b, c);
  d[lane] = out[0];
}

// Planted bug: lane 7's row runs past the end of the 8x8 matrix staged in shared memory.
__global__ void __launch_bounds__(32) ldmatrix_out_of_bounds_kernel(std::uint32_t* out) {
  constexpr int kElems = 64;
  XFV_DYNAMIC_SHARED(std::uint16_t, tile);
  const int lane = static_cast<int>(threadIdx.x);
  for (int i = lane; i < kElems; i += 32) tile[i] = static_cast<std::uint16_t>(i);
  __syncthreads();
  std::uint32_t r[1];
  ldmatrix(r, tile, lane == 7 ? kElems : (lane % 8) * 8);
  out[lane] = r[0];
}

// Planted bug: lane 3's row starts 8 bytes past a 16-byte boundary.
__global__ void __launch_bounds__(32) ldmatrix_misaligned_kernel(std::uint32_t* out) {
  XFV_DYNAMIC_SHARED(std::uint16_t, tile);
  const int lane = static_cast<int>(threadIdx.x);
  for (int i = lane; i < 72; i += 32) tile[i] = static_cast<std::uint16_t>(i);
  __syncthreads();
  std::uint32_t r[1];
  ldmatrix(r, tile, (lane % 8) * 8 + (lane == 3 ? 4 : 0));
  out[lane] = r[0];
}

// ---- cp.async ------------------------------------------------------------------------------

// Stages `in` (2 kCopyHalf floats) in dynamic shared memory by cp.async, one group per half
// (the last thread's first copy takes `last_bytes` from `in`, the rest zeros), waits with
// cp_async_wait<Wait> (kNoWait: a planted bug, none before the reads), and writes to `out`
// what each thread's neighbour staged: out[h + i] = staged[h + (i + 4) mod kCopyHalf].
template <int Wait>
__global__ void __launch_bounds__(kCopyThreads)
    async_copy_kernel(const float* in, float* out, int last_bytes) {
  XFV_DYNAMIC_SHARED(float, staged);
  const int t = static_cast<int>(threadIdx.x);
  cp_async_16(staged, 4 * t, in + 4 * t, t == kCopyThreads - 1 ? last_bytes : 16);
  cp_async_commit();
  cp_async_16(staged, kCopyHalf + 4 * t, in + kCopyHalf + 4 * t);
  cp_async_commit();
  if constexpr (Wait != kNoWait) cp_async_wait<Wait>();
  __syncthreads();
  for (int h = 0; h < 2 * kCopyHalf; h += kCopyHalf)
    for (int j = 0; j < 4; ++j) out[h + 4 * t + j] = staged[h + (4 * t + 4 + j) % kCopyHalf];
  __syncthreads();     // every read done before any copy still in flight lands
  cp_async_wait<0>();  // nothing in flight at exit
}

// Planted bug: thread 15's copy runs past the end of the 64 floats staged.
__global__ void __launch_bounds__(16) async_copy_out_of_bounds_kernel(const float* in) {
  XFV_DYNAMIC_SHARED(float, staged);
  const int t = static_cast<int>(threadIdx.x);
  cp_async_16(staged, t == 15 ? 64 : 4 * t, in + 4 * t);
  cp_async_commit();
  cp_async_wait<0>();
}

// ---- host side: mma_checks.h's runs on this backend ---------------------------------------

namespace mma_runs_detail {

using TileKernel = void (*)(const float*, const float*, const float*, float*);

// One problem per warp, as many warps per block (up to 4) as divide the count.
std::vector<float> run_tiles(TileKernel kernel, const MmaProblems& p) {
  DeviceArray<float> a(p.a), b(p.b), c(p.c);
  auto d = DeviceArray<float>::poisoned(p.c.size());
  const int warps = p.count % 4 == 0 ? 4 : p.count % 2 == 0 ? 2 : 1;
  XFV_LAUNCH(kernel, p.count / warps, 32 * warps, 0, nullptr, a.get(), b.get(), c.get(),
             d.get());
  return d.download();
}

std::vector<float> tf32(Plant plant, const MmaProblems& p) {
  switch (plant) {
    case Plant::None: return run_tiles(mma_tf32_kernel<Plant::None>, p);
    case Plant::TransposedB: return run_tiles(mma_tf32_kernel<Plant::TransposedB>, p);
    case Plant::UnroundedTf32: return run_tiles(mma_tf32_kernel<Plant::UnroundedTf32>, p);
  }
  return {};
}

std::vector<float> k16(Precision precision, const MmaProblems& p) {
  if (precision != Precision::Bf16 && precision != Precision::Fp16)
    throw DeviceError(std::string("m16n8k16 takes bf16 or fp16, not ") + precision_name(precision));
  return run_tiles(precision == Precision::Bf16 ? mma_half_kernel<Precision::Bf16>
                                                : mma_half_kernel<Precision::Fp16>,
                   p);
}

std::vector<float> ldmatrix_mma(const MmaProblems& p) {
  std::vector<std::uint16_t> a16, b16;
  for (float x : p.a) a16.push_back(bf16_bits(x));
  for (float x : p.b) b16.push_back(bf16_bits(x));
  DeviceArray<std::uint16_t> a(a16), b(b16);
  DeviceArray<float> c(p.c);
  auto d = DeviceArray<float>::poisoned(p.c.size());
  const std::size_t smem = (16 * 16 + 16 * 8) * sizeof(std::uint16_t);
  XFV_LAUNCH(ldmatrix_mma_kernel, p.count, 32, smem, nullptr, a.get(), b.get(), c.get(),
             d.get());
  return d.download();
}

template <int N, bool Trans>
std::vector<std::uint32_t> layout(const std::vector<std::uint16_t>& in) {
  DeviceArray<std::uint16_t> d_in(in);
  auto out = DeviceArray<std::uint32_t>::poisoned(32 * N);
  XFV_LAUNCH((ldmatrix_layout_kernel<N, Trans>), 1, 32, 0, nullptr, d_in.get(), out.get());
  return out.download();
}

std::vector<std::uint32_t> ldmatrix_layout(int count, bool trans,
                                           const std::vector<std::uint16_t>& in) {
  if (count == 1) return trans ? layout<1, true>(in) : layout<1, false>(in);
  if (count == 2) return trans ? layout<2, true>(in) : layout<2, false>(in);
  return trans ? layout<4, true>(in) : layout<4, false>(in);
}

std::vector<float> mma_chain(const std::vector<float>& a, const std::vector<float>& b,
                             int steps) {
  DeviceArray<float> d_a(a), d_b(b);
  auto d = DeviceArray<float>::poisoned(kTileM * kTileN);
  XFV_LAUNCH(mma_chain_kernel, 1, 32, 0, nullptr, d_a.get(), d_b.get(), d.get(), steps);
  return d.download();
}

std::vector<float> async_copy(int wait, const std::vector<float>& in, int last_bytes) {
  DeviceArray<float> d_in(in);
  auto out = DeviceArray<float>::poisoned(in.size());
  const std::size_t smem = in.size() * sizeof(float);
  if (wait == 0)
    XFV_LAUNCH(async_copy_kernel<0>, 1, kCopyThreads, smem, nullptr, d_in.get(), out.get(),
               last_bytes);
  else if (wait == 1)
    XFV_LAUNCH(async_copy_kernel<1>, 1, kCopyThreads, smem, nullptr, d_in.get(), out.get(),
               last_bytes);
  else
    XFV_LAUNCH(async_copy_kernel<kNoWait>, 1, kCopyThreads, smem, nullptr, d_in.get(),
               out.get(), last_bytes);
  return out.download();
}

}  // namespace mma_runs_detail

const MmaRuns& mma_runs() {
  namespace r = mma_runs_detail;
  static const MmaRuns runs{&r::tf32,      &r::k16,       &r::ldmatrix_mma,
                            &r::ldmatrix_layout, &r::mma_chain, &r::async_copy};
  return runs;
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
