#include "engine/fault_injection.h"

#include <atomic>
#include <new>

namespace xfv {
namespace {
std::atomic<int64_t> reached{0};
std::atomic<int64_t> failing{0};  // the point that fails; 0: none
}  // namespace

void fail_allocation_point(int64_t nth) {
  failing.store(nth < 0 ? 0 : nth, std::memory_order_relaxed);
  reached.store(0, std::memory_order_relaxed);
}

int64_t allocation_points_reached() { return reached.load(std::memory_order_relaxed); }

void allocation_point() {
  const int64_t n = reached.fetch_add(1, std::memory_order_relaxed) + 1;
  if (n == failing.load(std::memory_order_relaxed)) throw std::bad_alloc();
}

}  // namespace xfv
