// Tests of the sim runtime (kernels/sim): CUDA semantics on the CPU, and the kernel bugs it
// must catch. The kernels are small ones of this file; the project's kernels are tested
// through the op tests.
#define XFV_SIM
#include "common.cuh"
#include "sim_test_util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace xfv {
namespace sim {
namespace {

constexpr unsigned kFull = 0xffffffffu;

std::vector<int> random_ints(std::size_t n, int lo, int hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<int> v(n);
  for (int& x : v) x = dist(rng);
  return v;
}

// ---- kernels: semantics ------------------------------------------------------------------

__global__ void index_kernel(int* hits, unsigned* coords) {
  const unsigned x = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned y = blockIdx.y * blockDim.y + threadIdx.y;
  const unsigned z = blockIdx.z * blockDim.z + threadIdx.z;
  const unsigned nx = gridDim.x * blockDim.x, ny = gridDim.y * blockDim.y;
  const unsigned i = (z * ny + y) * nx + x;
  atomicAdd(&hits[i], 1);
  coords[3 * i] = x;
  coords[3 * i + 1] = y;
  coords[3 * i + 2] = z;
}

constexpr int kSumThreads = 256;

__global__ void block_sum_kernel(const int* in, int* out) {
  XFV_SHARED_1D(int, partial, kSumThreads);
  const int t = threadIdx.x;
  partial[t] = in[blockIdx.x * kSumThreads + t];
  __syncthreads();
  for (int stride = kSumThreads / 2; stride > 0; stride /= 2) {
    if (t < stride) partial[t] += partial[t + stride];
    __syncthreads();
  }
  if (t == 0) out[blockIdx.x] = partial[0];
}

constexpr int kWarpResults = 17;

__global__ void warp_ops_kernel(const int* values, const int* sources, int* results) {
  const int g = blockIdx.x * blockDim.x + threadIdx.x;
  const int lane = threadIdx.x % 32;
  const int x = values[g];
  int* r = results + g * kWarpResults;
  r[0] = __shfl_sync(kFull, x, sources[g], 8);
  r[1] = __shfl_up_sync(kFull, x, 3, 16);
  r[2] = __shfl_down_sync(kFull, x, 5, 8);
  r[3] = __shfl_xor_sync(kFull, x, 6, 16);
  r[4] = __shfl_xor_sync(kFull, x, 1 + blockIdx.x % 31);
  r[5] = static_cast<int>(__ballot_sync(kFull, x > 0));
  r[6] = __any_sync(kFull, x > 900);
  r[7] = __all_sync(kFull, x > -900);
  r[8] = __reduce_add_sync(kFull, x);
  if (lane < 16) {
    r[9] = static_cast<int>(__ballot_sync(0xffffu, x > 0));
    r[10] = __reduce_add_sync(0xffffu, x);
    r[11] = __shfl_down_sync(0xffffu, x, 4);
  }
  float f = static_cast<float>(x);
  for (int m = 16; m > 0; m /= 2) f += __shfl_xor_sync(kFull, f, m);
  r[12] = static_cast<int>(f);
  const unsigned long long wide = (static_cast<unsigned long long>(x) << 32) | unsigned(lane);
  r[13] = static_cast<int>(__shfl_sync(kFull, wide, 31 - lane) >> 32);
  r[14] = __reduce_min_sync(kFull, x);
  r[15] = __reduce_max_sync(kFull, x);
  __syncwarp();
  if (lane % 2 == 0)
    r[16] = static_cast<int>(__activemask());
  else
    r[16] = static_cast<int>(__activemask());
}

__global__ void atomics_kernel(int* count, float* fsum, double* dsum, unsigned long long* wide,
                               int* biggest, unsigned* smallest, int* cas_count) {
  const int g = blockIdx.x * blockDim.x + threadIdx.x;
  atomicAdd(count, 1);
  atomicAdd(fsum, 1.0f);
  atomicAdd(dsum, 0.5);
  atomicAdd(wide, 1ull << 33);
  atomicMax(biggest, g);
  atomicMin(smallest, static_cast<unsigned>(g + 7));
  int seen = *cas_count;
  for (;;) {
    const int before = atomicCAS(cas_count, seen, seen + 1);
    if (before == seen) break;
    seen = before;
  }
}

__global__ void reverse_kernel(const float* in, float* out) {
  XFV_DYNAMIC_SHARED(float, smem);
  auto staged = smem + blockDim.x;  // the second half, as pointer arithmetic does on the GPU
  const int t = threadIdx.x, n = blockDim.x;
  smem[t] = in[blockIdx.x * n + t];
  __syncthreads();
  staged[t] = 2.0f * smem[n - 1 - t];
  __syncthreads();
  out[blockIdx.x * n + t] = staged[t];
}

__global__ void worker_kernel(unsigned long long* worker, int* mismatches) {
  XFV_SHARED_1D(unsigned, mine, 32);
  mine[threadIdx.x] = blockIdx.x;
  __syncthreads();
  if (threadIdx.x == 0) {
    worker[blockIdx.x] = std::hash<std::thread::id>{}(std::this_thread::get_id());
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // let other blocks overlap
  }
  __syncthreads();
  if (mine[(threadIdx.x + 1) % 32] != blockIdx.x) atomicAdd(mismatches, 1);
}

constexpr int kTile = 16;

__global__ void gemm_kernel(const float* a, const float* b, float* c, int n) {
  XFV_SHARED_2D(float, as, kTile, kTile + 1);
  XFV_SHARED_2D(float, bs, kTile, kTile + 1);
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int row = blockIdx.y * kTile + ty, col = blockIdx.x * kTile + tx;
  float acc = 0.0f;
  for (int k0 = 0; k0 < n; k0 += kTile) {
    as[ty][tx] = a[row * n + k0 + tx];
    bs[ty][tx] = b[(k0 + ty) * n + col];
    __syncthreads();
    for (int k = 0; k < kTile; ++k) acc += as[ty][k] * bs[k][tx];
    __syncthreads();
  }
  c[row * n + col] = acc;
}

__global__ void scale_kernel(const float* in, float* out, float s, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = s * in[i];
}

// ---- kernels: planted bugs ---------------------------------------------------------------

__global__ void early_exit_kernel(int* out) {
  if (threadIdx.x >= 16) return;
  __syncthreads();
  out[threadIdx.x] = 1;
}

__global__ void split_barrier_kernel(int* out) {
  if (threadIdx.x % 2 == 0) {
    __syncthreads();
  } else {
    __syncthreads();
  }
  out[threadIdx.x] = 1;
}

__global__ void shfl_exited_kernel(int* out) {
  if (threadIdx.x == 7) return;
  out[threadIdx.x] = __shfl_sync(kFull, static_cast<int>(threadIdx.x), 0);
}

__global__ void shfl_barrier_kernel(int* out) {
  if (threadIdx.x == 3) {
    __syncthreads();
    return;
  }
  out[threadIdx.x] = __shfl_sync(kFull, static_cast<int>(threadIdx.x), 3);
  __syncthreads();
}

__global__ void static_oob_kernel(const int* column, int* out) {
  XFV_SHARED_2D(int, tile, 8, 8);
  tile[threadIdx.x / 8][threadIdx.x % 8] = 1;
  __syncthreads();
  out[threadIdx.x] = tile[threadIdx.x / 8][column[threadIdx.x]];
}

__global__ void dynamic_oob_kernel(int* out) {
  XFV_DYNAMIC_SHARED(int, smem);
  smem[threadIdx.x + 1] = 1;
  out[threadIdx.x] = 1;
}

__global__ void big_smem_kernel(int* out) {
  XFV_DYNAMIC_SHARED(unsigned char, smem);
  smem[smem.size() - 1 - threadIdx.x] = 1;
  out[threadIdx.x] = smem[smem.size() - 1 - threadIdx.x];
}

// After a planted bug, a correct kernel must still run and give the right answer.
void expect_runtime_recovered() {
  const std::vector<int> in = random_ints(4 * kSumThreads, -100, 100, 7);
  DeviceArray<int> d_in(in), d_out(4);
  XFV_LAUNCH(block_sum_kernel, 4, kSumThreads, 0, nullptr, d_in.get(), d_out.get());
  const std::vector<int> out = d_out.download();
  for (int b = 0; b < 4; ++b) {
    int sum = 0;
    for (int t = 0; t < kSumThreads; ++t) sum += in[b * kSumThreads + t];
    EXPECT_EQ(out[b], sum) << "block " << b;
  }
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
}

// ---- semantics ---------------------------------------------------------------------------

TEST(Sim, GridAndBlockIndicesCoverEveryElementOnce) {
  const dim3 grid(3, 2, 4), block(4, 3, 2);
  const unsigned nx = 12, ny = 6, nz = 8, n = nx * ny * nz;
  DeviceArray<int> hits(n);
  DeviceArray<unsigned> coords(3 * n);
  XFV_LAUNCH(index_kernel, grid, block, 0, nullptr, hits.get(), coords.get());
  const std::vector<int> h = hits.download();
  const std::vector<unsigned> c = coords.download();
  for (unsigned i = 0; i < n; ++i) {
    ASSERT_EQ(h[i], 1) << "element " << i;
    EXPECT_EQ(c[3 * i], i % nx);
    EXPECT_EQ(c[3 * i + 1], i / nx % ny);
    EXPECT_EQ(c[3 * i + 2], i / (nx * ny));
  }
}

TEST(Sim, SharedMemoryTreeReductionIsExact) {
  constexpr int kBlocks = 37;
  const std::vector<int> in = random_ints(kBlocks * kSumThreads, -100000, 100000, 1);
  DeviceArray<int> d_in(in), d_out(kBlocks);
  XFV_LAUNCH(block_sum_kernel, kBlocks, kSumThreads, 0, nullptr, d_in.get(), d_out.get());
  const std::vector<int> out = d_out.download();
  for (int b = 0; b < kBlocks; ++b) {
    long long sum = 0;
    for (int t = 0; t < kSumThreads; ++t) sum += in[b * kSumThreads + t];
    EXPECT_EQ(out[b], sum) << "block " << b;
  }
}

TEST(Sim, WarpOperationsMatchCuda) {
  constexpr int kBlocks = 8, kThreads = 64, n = kBlocks * kThreads;
  const std::vector<int> values = random_ints(n, -1000, 1000, 2);
  const std::vector<int> sources = random_ints(n, 0, 63, 3);
  DeviceArray<int> d_values(values), d_sources(sources), d_results(n * kWarpResults);
  XFV_LAUNCH(warp_ops_kernel, kBlocks, kThreads, 0, nullptr, d_values.get(), d_sources.get(),
             d_results.get());
  const std::vector<int> results = d_results.download();

  for (int g = 0; g < n; ++g) {
    const int lane = g % 32, warp_base = g - lane, block = g / kThreads;
    auto v = [&](int l) { return values[warp_base + l]; };
    unsigned positive = 0, low_positive = 0;
    int any = 0, all = 1, sum = 0, low_sum = 0, lo = v(0), hi = v(0);
    for (int l = 0; l < 32; ++l) {
      positive |= (v(l) > 0 ? 1u : 0u) << l;
      any |= v(l) > 900;
      all &= v(l) > -900;
      sum += v(l);
      lo = std::min(lo, v(l));
      hi = std::max(hi, v(l));
      if (l < 16) {
        low_positive |= (v(l) > 0 ? 1u : 0u) << l;
        low_sum += v(l);
      }
    }
    const int* r = &results[g * kWarpResults];
    SCOPED_TRACE("thread " + std::to_string(g));
    EXPECT_EQ(r[0], v((lane & ~7) + sources[g] % 8));
    EXPECT_EQ(r[1], lane % 16 >= 3 ? v(lane - 3) : v(lane));
    EXPECT_EQ(r[2], lane % 8 + 5 < 8 ? v(lane + 5) : v(lane));
    EXPECT_EQ(r[3], v(lane ^ 6));
    EXPECT_EQ(r[4], v(lane ^ (1 + block % 31)));
    EXPECT_EQ(static_cast<unsigned>(r[5]), positive);
    EXPECT_EQ(r[6], any);
    EXPECT_EQ(r[7], all);
    EXPECT_EQ(r[8], sum);
    if (lane < 16) {
      EXPECT_EQ(static_cast<unsigned>(r[9]), low_positive);
      EXPECT_EQ(r[10], low_sum);
      if (lane < 12) {
        EXPECT_EQ(r[11], v(lane + 4));  // lanes 12..15 read outside the mask
      }
    }
    EXPECT_EQ(r[12], sum);
    EXPECT_EQ(r[13], v(31 - lane));
    EXPECT_EQ(r[14], lo);
    EXPECT_EQ(r[15], hi);
    EXPECT_EQ(static_cast<unsigned>(r[16]), lane % 2 == 0 ? 0x55555555u : 0xaaaaaaaau);
  }
}

TEST(Sim, AtomicsFromManyBlocksAreExact) {
  constexpr int kBlocks = 256, kThreads = 128, n = kBlocks * kThreads;
  DeviceArray<int> count(1), biggest(1), cas_count(1);
  DeviceArray<float> fsum(1);
  DeviceArray<double> dsum(1);
  DeviceArray<unsigned long long> wide(1);
  DeviceArray<unsigned> smallest(std::vector<unsigned>{~0u});
  XFV_LAUNCH(atomics_kernel, kBlocks, kThreads, 0, nullptr, count.get(), fsum.get(), dsum.get(),
             wide.get(), biggest.get(), smallest.get(), cas_count.get());
  EXPECT_EQ(count.download()[0], n);
  EXPECT_EQ(fsum.download()[0], static_cast<float>(n));
  EXPECT_EQ(dsum.download()[0], 0.5 * n);
  EXPECT_EQ(wide.download()[0], static_cast<unsigned long long>(n) << 33);
  EXPECT_EQ(biggest.download()[0], n - 1);
  EXPECT_EQ(smallest.download()[0], 7u);
  EXPECT_EQ(cas_count.download()[0], n);
}

TEST(Sim, DynamicSharedMemory) {
  constexpr int kBlocks = 5, kThreads = 96;
  std::vector<float> in(kBlocks * kThreads);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i);
  DeviceArray<float> d_in(in), d_out(in.size());
  XFV_LAUNCH(reverse_kernel, kBlocks, kThreads, 2 * kThreads * sizeof(float), nullptr, d_in.get(),
             d_out.get());
  const std::vector<float> out = d_out.download();
  for (int b = 0; b < kBlocks; ++b)
    for (int t = 0; t < kThreads; ++t)
      EXPECT_EQ(out[b * kThreads + t], 2.0f * in[b * kThreads + kThreads - 1 - t]);
}

TEST(Sim, MemcpyMemsetStreamsAndEvents) {
  cudaStream_t stream;
  cudaEvent_t start, stop;
  XFV_CHECK(cudaStreamCreate(&stream));
  XFV_CHECK(cudaEventCreate(&start));
  XFV_CHECK(cudaEventCreate(&stop));
  XFV_CHECK(cudaEventRecord(start, stream));

  std::vector<float> host(1000);
  for (std::size_t i = 0; i < host.size(); ++i) host[i] = static_cast<float>(i) * 0.25f;
  float* a = nullptr;
  float* b = nullptr;
  XFV_CHECK(cudaMalloc(&a, host.size() * sizeof(float)));
  XFV_CHECK(cudaMalloc(&b, host.size() * sizeof(float)));
  XFV_CHECK(cudaMemcpyAsync(a, host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice,
                            stream));
  XFV_CHECK(cudaMemcpy(b, a, host.size() * sizeof(float), cudaMemcpyDeviceToDevice));
  XFV_CHECK(cudaMemsetAsync(b, 0, 10 * sizeof(float), stream));
  std::vector<float> back(host.size(), -1.0f);
  XFV_CHECK(cudaMemcpy(back.data(), b, back.size() * sizeof(float), cudaMemcpyDeviceToHost));
  for (std::size_t i = 0; i < host.size(); ++i) EXPECT_EQ(back[i], i < 10 ? 0.0f : host[i]);

  XFV_CHECK(cudaEventRecord(stop, stream));
  XFV_CHECK(cudaStreamSynchronize(stream));
  XFV_CHECK(cudaEventSynchronize(stop));
  float ms = -1.0f;
  XFV_CHECK(cudaEventElapsedTime(&ms, start, stop));
  EXPECT_GE(ms, 0.0f);

  EXPECT_EQ(cudaMemcpy(back.data(), b, 4, static_cast<cudaMemcpyKind>(42)), cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  int devices = 0;
  XFV_CHECK(cudaGetDeviceCount(&devices));
  EXPECT_EQ(devices, 1);
  XFV_CHECK(cudaSetDevice(0));
  XFV_CHECK(cudaFree(a));
  XFV_CHECK(cudaFree(b));
  XFV_CHECK(cudaEventDestroy(start));
  XFV_CHECK(cudaEventDestroy(stop));
  XFV_CHECK(cudaStreamDestroy(stream));
  XFV_CHECK(cudaDeviceSynchronize());
}

TEST(Sim, BlocksRunOnSeveralWorkersWithPrivateSharedMemory) {
  constexpr int kBlocks = 64;
  DeviceArray<unsigned long long> worker(kBlocks);
  DeviceArray<int> mismatches(1);
  XFV_LAUNCH(worker_kernel, kBlocks, 32, 0, nullptr, worker.get(), mismatches.get());
  EXPECT_EQ(mismatches.download()[0], 0);
  const std::vector<unsigned long long> ids = worker.download();
  const std::set<unsigned long long> distinct(ids.begin(), ids.end());
  if (std::thread::hardware_concurrency() > 1) {
    EXPECT_GT(distinct.size(), 1u);
  }
}

TEST(Sim, TimingOfRepresentativeLaunches) {
  constexpr int n = 256;
  const std::vector<int> ai = random_ints(n * n, -8, 8, 4), bi = random_ints(n * n, -8, 8, 5);
  const std::vector<float> a(ai.begin(), ai.end()), b(bi.begin(), bi.end());
  DeviceArray<float> d_a(a), d_b(b), d_c(n * n);
  const auto t0 = std::chrono::steady_clock::now();
  XFV_LAUNCH(gemm_kernel, dim3(n / kTile, n / kTile), dim3(kTile, kTile), 0, nullptr, d_a.get(),
             d_b.get(), d_c.get(), n);
  const auto t1 = std::chrono::steady_clock::now();
  const std::vector<float> c = d_c.download();
  for (int i = 0; i < n; i += 17)
    for (int j = 0; j < n; j += 13) {
      float ref = 0.0f;
      for (int k = 0; k < n; ++k) ref += a[i * n + k] * b[k * n + j];
      ASSERT_EQ(c[i * n + j], ref) << i << "," << j;  // small integers: exact in float
    }

  constexpr int kElems = 1 << 20;
  DeviceArray<float> d_x(kElems), d_y(kElems);
  const auto t2 = std::chrono::steady_clock::now();
  XFV_LAUNCH(scale_kernel, ceil_div(kElems, 256), 256, 0, nullptr, d_x.get(), d_y.get(), 2.0f,
             kElems);
  const auto t3 = std::chrono::steady_clock::now();

  const double gemm_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  const double scale_ms = std::chrono::duration<double, std::milli>(t3 - t2).count();
  std::printf("sim timing: %d^3 GEMM, 16x16 tiles (256 threads/block, 2 barriers per tile): "
              "%.1f ms (%.2f GFLOP/s); 1M-element scale, 256 threads/block, no barriers: "
              "%.1f ms (%.1f ns/thread)\n",
              n, gemm_ms, 2.0 * n * n * n / gemm_ms * 1e-6, scale_ms, scale_ms * 1e6 / kElems);
}

// ---- planted bugs ------------------------------------------------------------------------

TEST(SimCatches, ThreadsThatExitBeforeABarrierOthersReach) {
  DeviceArray<int> out(64);
  const std::string e = launch_error([&] {
    XFV_LAUNCH(early_exit_kernel, 2, 64, 0, nullptr, out.get());
  });
  expect_mentions(e, {"early_exit_kernel", "__syncthreads()", "(16,0,0)", "exited", "(0,0,0)"});
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);  // XFV_LAUNCH's check read and cleared it
  expect_runtime_recovered();
}

TEST(SimCatches, ThreadsAtDifferentBarriers) {
  DeviceArray<int> out(64);
  const std::string e = launch_error([&] {
    XFV_LAUNCH(split_barrier_kernel, 1, 64, 0, nullptr, out.get());
  });
  expect_mentions(e, {"split_barrier_kernel", "different __syncthreads()", "test_sim.cpp"});
  expect_runtime_recovered();
}

TEST(SimCatches, FullMaskShuffleWithAnExitedLane) {
  DeviceArray<int> out(32);
  const std::string e = launch_error([&] {
    XFV_LAUNCH(shfl_exited_kernel, 1, 32, 0, nullptr, out.get());
  });
  expect_mentions(e, {"shfl_exited_kernel", "__shfl_sync", "lane 7", "has exited", "0xffffffff"});
  expect_runtime_recovered();
}

TEST(SimCatches, ShuffleWhoseLaneWaitsAtABarrier) {
  DeviceArray<int> out(32);
  const std::string e = launch_error([&] {
    XFV_LAUNCH(shfl_barrier_kernel, 1, 32, 0, nullptr, out.get());
  });
  expect_mentions(e, {"shfl_barrier_kernel", "__shfl_sync", "lane 3", "waits at __syncthreads()"});
  expect_runtime_recovered();
}

TEST(SimCatches, StaticSharedIndexOutOfBounds) {
  std::vector<int> column(64, 2);
  column[13] = 8;
  DeviceArray<int> d_column(column), out(64);
  const std::string e = launch_error([&] {
    XFV_LAUNCH(static_oob_kernel, 3, 64, 0, nullptr, d_column.get(), out.get());
  });
  expect_mentions(e, {"static_oob_kernel", "static shared memory", "index 8", "[0, 8)",
                      "thread (13,0,0)"});
  expect_runtime_recovered();
}

TEST(SimCatches, DynamicSharedIndexOutOfBounds) {
  DeviceArray<int> out(32);
  const std::string e = launch_error([&] {
    XFV_LAUNCH(dynamic_oob_kernel, 1, 32, 32 * sizeof(int), nullptr, out.get());
  });
  expect_mentions(e, {"dynamic_oob_kernel", "dynamic shared memory", "index 32", "[0, 32)",
                      "thread (31,0,0)"});
  expect_runtime_recovered();
}

TEST(SimCatches, InvalidLaunchConfiguration) {
  DeviceArray<int> out(2048);
  const std::string e = launch_error([&] {
    XFV_LAUNCH(scale_kernel, 1, 2048, 0, nullptr, nullptr, nullptr, 1.0f, 0);
  });
  expect_mentions(e, {"scale_kernel", "invalid configuration", "2048 threads"});
  expect_runtime_recovered();
}

TEST(SimCatches, TooMuchDynamicSharedMemory) {
  DeviceArray<int> out(32);
  const std::string e = launch_error([&] {
    XFV_LAUNCH(big_smem_kernel, 1, 32, 64 << 10, nullptr, out.get());
  });
  expect_mentions(e, {"big_smem_kernel", "65536 bytes of dynamic shared memory", "48 KiB"});
  expect_runtime_recovered();

  // Raised the CUDA way, the same launch works; past the device's 227 KiB nothing does.
  XFV_CHECK(cudaFuncSetAttribute(big_smem_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 64 << 10));
  XFV_LAUNCH(big_smem_kernel, 1, 32, 64 << 10, nullptr, out.get());
  EXPECT_EQ(out.download()[31], 1);
  EXPECT_EQ(cudaFuncSetAttribute(big_smem_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 228 << 10),
            cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidValue);
  const std::string e2 = launch_error([&] {
    XFV_LAUNCH(big_smem_kernel, 1, 32, 228 << 10, nullptr, out.get());
  });
  expect_mentions(e2, {"big_smem_kernel", "227 KiB"});
  expect_runtime_recovered();
}

}  // namespace
}  // namespace sim
}  // namespace xfv
