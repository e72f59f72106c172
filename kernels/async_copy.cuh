// Asynchronous copies from global to shared memory (cp.async, sm_80 and later): a kernel
// issues the loads of its next tile, multiplies the current one, then waits.
//
// Under nvcc each is the PTX instruction. Under sim (sim/async_copy.cpp) a copy reads its
// source when issued, and its destination reads NaN until a wait completes the copy's group:
// a kernel that reads a tile it has not waited for gets NaN, not whatever a GPU's timing
// would have left there.
#pragma once

#include <cstdint>

#include "common.cuh"
#include "shared_row.cuh"

#if defined(XFV_SIM)
#include "sim/async_copy.h"
#endif

namespace xfv {
namespace XFV_DEVICE_NS {

// Starts copying 16 bytes from global `src` to the shared row at smem[index] (both 16-byte
// aligned; shared_row.cuh): the first `src_bytes` (0 to 16) from `src`, the rest zeros, which
// pads a tile's edge without a branch. The copy joins the group that the next
// cp_async_commit() closes; this thread may read it once a cp_async_wait has completed that
// group, other threads after a __syncthreads() that follows the wait.
template <class Shared>
__device__ __forceinline__ void cp_async_16(Shared& smem, int index, const void* src,
                                            int src_bytes = 16) {
#if defined(XFV_SIM)
  detail::async_copy_issue(shared_row<16>(smem, index), src, src_bytes);
#else
  const auto address =
      static_cast<std::uint32_t>(__cvta_generic_to_shared(shared_row<16>(smem, index)));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(address), "l"(src),
               "r"(src_bytes)
               : "memory");
#endif
}

// cp.async.commit_group: this thread's copies issued since the last commit form a group.
__device__ __forceinline__ void cp_async_commit() {
#if defined(XFV_SIM)
  detail::async_copy_commit();
#else
  asm volatile("cp.async.commit_group;" ::: "memory");
#endif
}

// cp.async.wait_group: waits until at most `Pending` of this thread's committed groups, the
// most recent ones, are still in flight (0: every committed copy has landed).
template <int Pending>
__device__ __forceinline__ void cp_async_wait() {
  static_assert(Pending >= 0, "a count of groups");
#if defined(XFV_SIM)
  detail::async_copy_wait(Pending);
#else
  asm volatile("cp.async.wait_group %0;" ::"n"(Pending) : "memory");
#endif
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
