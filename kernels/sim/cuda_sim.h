// The CUDA surface that kernel sources see under XFV_SIM: types, built-ins, intrinsics and
// the runtime API, all inside namespace xfv::sim (the same binary also links the real
// libcudart through xfv::cuda, so nothing CUDA-named may live in the global namespace).
// Qualifiers and built-in variables are macros. docs/sim.md describes the execution model.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>  // first: libstdc++'s shared_ptr_base.h spells __attribute__((__noinline__))
#include <tuple>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define warpSize 32

namespace xfv::sim {

// ---- vector types ------------------------------------------------------------------------
// may_alias: kernels read float buffers through float4 pointers, as on the GPU.
struct uint3 {
  unsigned x, y, z;
};

struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
};

struct __attribute__((may_alias, aligned(8))) float2 {
  float x, y;
};
struct __attribute__((may_alias, aligned(16))) float4 {
  float x, y, z, w;
};
struct __attribute__((may_alias, aligned(8))) int2 {
  int x, y;
};
struct __attribute__((may_alias, aligned(16))) int4 {
  int x, y, z, w;
};

inline uint3 make_uint3(unsigned x, unsigned y, unsigned z) { return {x, y, z}; }
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline int2 make_int2(int x, int y) { return {x, y}; }
inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }

// ---- runtime types -----------------------------------------------------------------------
// The numbers are CUDA's, so that a printed code means the same thing on both backends.
enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidDevice = 101,
  cudaErrorInvalidResourceHandle = 400,
  cudaErrorNotReady = 600,
  cudaErrorLaunchFailure = 719,
};

enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};

enum cudaFuncAttribute {
  cudaFuncAttributeMaxDynamicSharedMemorySize = 8,
};

struct StreamObject;
struct EventObject;
using cudaStream_t = StreamObject*;
using cudaEvent_t = EventObject*;

}  // namespace xfv::sim

#include "device.h"
#include "intrinsics.h"
#include "shared.h"

namespace xfv::sim {

// ---- runtime API -------------------------------------------------------------------------
// Everything is synchronous: a launch returns when its last block has finished, so streams
// and events are plain handles and events hold wall-clock times.
cudaError_t cudaMalloc(void** ptr, std::size_t bytes);
template <class T>
cudaError_t cudaMalloc(T** ptr, std::size_t bytes) {
  void* p = nullptr;
  cudaError_t err = cudaMalloc(&p, bytes);
  if (ptr != nullptr) *ptr = static_cast<T*>(p);
  return err;
}
cudaError_t cudaFree(void* ptr);
cudaError_t cudaMemcpy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t stream = nullptr);
cudaError_t cudaMemset(void* ptr, int value, std::size_t bytes);
cudaError_t cudaMemsetAsync(void* ptr, int value, std::size_t bytes, cudaStream_t stream = nullptr);

cudaError_t cudaStreamCreate(cudaStream_t* stream);
cudaError_t cudaStreamDestroy(cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaDeviceSynchronize();

cudaError_t cudaEventCreate(cudaEvent_t* event);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream = nullptr);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end);

// The last error of the calling host thread; cudaGetLastError also clears it.
cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();
// For the code of this thread's last failure, the full report (which kernel, block, thread
// and what went wrong); for any other code, CUDA's one-line description.
const char* cudaGetErrorString(cudaError_t error);

cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaSetDevice(int device);

cudaError_t cudaFuncSetAttribute(const void* kernel, cudaFuncAttribute attr, int value);
template <class... KArgs>
cudaError_t cudaFuncSetAttribute(void (*kernel)(KArgs...), cudaFuncAttribute attr, int value) {
  return cudaFuncSetAttribute(reinterpret_cast<const void*>(kernel), attr, value);
}

// ---- launch ------------------------------------------------------------------------------
namespace detail {

// A launch with its kernel call type-erased, so that the runner is ordinary compiled code.
struct LaunchSpec {
  const char* name;
  const void* kernel;  // identifies the kernel for cudaFuncSetAttribute
  dim3 grid, block;
  std::size_t smem;
  void (*invoke)(const void* body);  // runs the kernel body for the current thread
  const void* body;
};

void run_launch(const LaunchSpec& spec);

template <class Body>
void invoke_body(const void* body) {
  (*static_cast<const Body*>(body))();
}

}  // namespace detail

// What `kernel<<<grid, block, smem, stream>>>(args...)` does: the arguments are converted to
// the kernel's parameter types and copied once, as CUDA copies them to the device; every
// thread then calls the kernel with its own copy. Errors land in cudaGetLastError().
template <class... KArgs, class... Args>
void launch(const char* name, void (*kernel)(KArgs...), dim3 grid, dim3 block, std::size_t smem,
            cudaStream_t /*stream*/, Args&&... args) {
  static_assert(sizeof...(KArgs) == sizeof...(Args), "launch: wrong number of kernel arguments");
  auto body = [kernel, params = std::tuple<std::decay_t<KArgs>...>(std::forward<Args>(args)...)]() {
    std::apply(kernel, params);
  };
  detail::run_launch({name, reinterpret_cast<const void*>(kernel), grid, block, smem,
                      &detail::invoke_body<decltype(body)>, &body});
}

}  // namespace xfv::sim
