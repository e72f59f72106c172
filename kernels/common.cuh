// What every kernel file includes: the bridge that lets one .cu source build twice.
//
// With nvcc (or any build without XFV_SIM) it is plain CUDA and the code lands in namespace
// xfv::cuda. With XFV_SIM the host compiler builds the same source against kernels/sim,
// which provides CUDA's types, built-ins and runtime API inside namespace xfv::sim, and the
// code lands there. Kernel files therefore wrap everything in
//   namespace xfv { namespace XFV_DEVICE_NS { ... } }
// and call the runtime unqualified, so that lookup finds the right one.
#pragma once

#include <stdexcept>
#include <string>

#if defined(XFV_SIM)
#include "sim/cuda_sim.h"
#define XFV_DEVICE_NS sim
#define XFV_BACKEND_NAME "sim"
#else
#include <cuda_runtime.h>
#define XFV_DEVICE_NS cuda
#define XFV_BACKEND_NAME "cuda"
#endif

namespace xfv {

// A failed CUDA call or launch: the call, where it was made, and the runtime's message
// (under sim, the report of the bug it caught).
struct DeviceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace xfv

// Every CUDA call goes through XFV_CHECK; every launch through XFV_LAUNCH, which checks it.
#define XFV_CHECK(call)                                                                \
  do {                                                                                 \
    auto xfv_check_err_ = (call);                                                      \
    if (xfv_check_err_ != cudaSuccess)                                                 \
      throw ::xfv::DeviceError(std::string(__FILE__) + ":" + std::to_string(__LINE__) + \
                               ": " #call ": " + cudaGetErrorString(xfv_check_err_));  \
  } while (0)

#if defined(XFV_SIM)
#define XFV_LAUNCH(kernel, grid, block, smem, stream, ...) \
  do {                                                     \
    ::xfv::sim::launch(#kernel, kernel, grid, block, smem, stream, __VA_ARGS__); \
    XFV_CHECK(cudaGetLastError());                         \
  } while (0)
// Shared arrays are bounds-checked views under sim, plain arrays under CUDA.
#define XFV_SHARED_1D(type, name, n0) \
  static thread_local ::xfv::sim::SharedArray<type, n0> name
#define XFV_SHARED_2D(type, name, n0, n1) \
  static thread_local ::xfv::sim::SharedArray<type, n0, n1> name
#define XFV_DYNAMIC_SHARED(type, name) \
  ::xfv::sim::DynamicShared<type> name = ::xfv::sim::dynamic_shared<type>()
#define XFV_UNROLL
#else
#define XFV_LAUNCH(kernel, grid, block, smem, stream, ...)  \
  do {                                                      \
    kernel<<<(grid), (block), (smem), (stream)>>>(__VA_ARGS__); \
    XFV_CHECK(cudaGetLastError());                          \
  } while (0)
#define XFV_SHARED_1D(type, name, n0) __shared__ type name[n0]
#define XFV_SHARED_2D(type, name, n0, n1) __shared__ type name[n0][n1]
#define XFV_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#define XFV_UNROLL _Pragma("unroll")
#endif

namespace xfv {
namespace XFV_DEVICE_NS {

inline unsigned ceil_div(long long a, long long b) { return static_cast<unsigned>((a + b - 1) / b); }

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
