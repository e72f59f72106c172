// Allocation failures on demand, for the tests of docs/reliability.md ("Faults injected"):
// the allocations that matter — a backend's buffers (weights uploaded, a graph's arena and
// constants), the cpu backend's prepared weight transforms, and the host tensors a weight
// file's or a .npy file's header sizes — each pass an allocation point first, which throws
// std::bad_alloc when a test has armed it to. Unarmed, a point costs two relaxed atomic
// operations beside an allocation. Not part of the C API: a test links the engine and arms
// it from one thread while nothing else runs.
#pragma once

#include <cstdint>

namespace xfv {

// The `nth` allocation point reached from now on (1: the next) throws std::bad_alloc, once;
// 0 disarms. Either way the count of points reached starts again from 0.
void fail_allocation_point(int64_t nth);
// Allocation points reached since the last fail_allocation_point().
int64_t allocation_points_reached();
// Called just before an allocation that matters.
void allocation_point();

}  // namespace xfv
