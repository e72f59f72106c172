// Scratch memory kept per calling thread from one call to the next, 64-byte aligned (as
// BLIS's micro-kernel and the vector loops want it), grown and never shrunk: a fresh buffer
// of a few MiB comes from mmap, and its page faults cost as much as a small conv.
#pragma once

#include <cstddef>

namespace xfv {
namespace cpu {

// One buffer per use, so that a call may hold one use's buffer while what it calls takes
// another's (a conv's slices while the GEMM inside it packs A and B).
enum class ScratchUse { conv, gemm_a, gemm_panels, count };

// At least `floats` floats, valid until the next call for the same use from the same thread.
float* thread_scratch(ScratchUse use, size_t floats);

// Where a thread's buffer grew inside a parallel region since the last call: every thread of
// the OpenMP team grows each use's buffer to the largest any thread took in a region
// (Backend::settle_workspaces). Outside any parallel region.
void settle_thread_scratch();

}  // namespace cpu
}  // namespace xfv
