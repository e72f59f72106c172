#include "engine/cpu/thread_scratch.h"

#include <omp.h>

#include <atomic>
#include <memory>

namespace xfv {
namespace cpu {

namespace {

constexpr int kUses = static_cast<int>(ScratchUse::count);
// In lines: the largest buffer of each use that a thread took inside a parallel region (the
// GEMM's packing buffers). A conv's workspace is taken by the calling thread before its region,
// for all of the region's threads: not a size for each thread to hold.
std::atomic<size_t> high_water[kUses];
std::atomic<bool> grew{false};

}  // namespace

float* thread_scratch(ScratchUse use, size_t floats) {
  struct alignas(64) Line {
    float f[16];
  };
  struct Buffer {
    std::unique_ptr<Line[]> lines;
    size_t capacity = 0;  // in lines
  };
  thread_local Buffer buffers[kUses];
  Buffer& b = buffers[static_cast<int>(use)];
  const size_t lines = (floats + 15) / 16;
  if (lines > b.capacity) {
    b.lines.reset();  // before the new one: the two need not coexist
    b.capacity = 0;
    b.lines.reset(new Line[lines]);
    b.capacity = lines;
    if (omp_in_parallel()) {
      std::atomic<size_t>& most = high_water[static_cast<int>(use)];
      for (size_t seen = most.load(); seen < lines && !most.compare_exchange_weak(seen, lines);) {
      }
      grew = true;
    }
  }
  return b.lines[0].f;
}

void settle_thread_scratch() {
  if (!grew.exchange(false)) return;
#pragma omp parallel
  for (int use = 0; use < kUses; ++use)
    if (const size_t lines = high_water[use]) thread_scratch(static_cast<ScratchUse>(use), lines * 16);
  grew = false;
}

}  // namespace cpu
}  // namespace xfv
