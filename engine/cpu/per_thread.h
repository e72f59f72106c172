// Per-thread state for a parallel region, made before the region. No exception may leave an
// OpenMP region: one that does (a thread's buffer failing to allocate, say) calls
// std::terminate and takes the host process down with it. So whatever can fail to allocate is
// made here, on the calling thread, where an exception reaches the caller, and each thread
// of the region then takes its own copy.
#pragma once

#include <omp.h>

#include <cstddef>
#include <vector>

namespace xfv {
namespace cpu {

template <class T>
class PerThread {
 public:
  // A copy of `value` for each thread of a region of at most `threads` threads (a region
  // without num_threads has at most omp_get_max_threads()).
  explicit PerThread(const T& value, int threads = omp_get_max_threads())
      : items_(static_cast<size_t>(threads), value) {}

  int threads() const { return static_cast<int>(items_.size()); }
  // The calling thread's copy, inside a region of at most threads() threads.
  T& mine() { return items_[static_cast<size_t>(omp_get_thread_num())]; }

 private:
  std::vector<T> items_;
};

}  // namespace cpu
}  // namespace xfv
