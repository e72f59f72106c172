// sim's cp.async, which kernels/async_copy.cuh calls under XFV_SIM (async_copy.cpp).
#pragma once

namespace xfv::sim::detail {

// cp.async.cg.shared.global of 16 bytes for the calling thread: `src_bytes` from `src`, the
// rest zeros, to `dst`, which reads NaN (0xff bytes) until a wait completes the copy's group.
void async_copy_issue(void* dst, const void* src, int src_bytes);
// cp.async.commit_group: the copies issued since the last commit form a group.
void async_copy_commit();
// cp.async.wait_group: completes all but the `pending` most recent committed groups.
void async_copy_wait(int pending);

}  // namespace xfv::sim::detail
