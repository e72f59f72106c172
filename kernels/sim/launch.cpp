// Kernel launches in sim: the configuration checks CUDA makes, and the persistent pool of
// worker threads that takes whole blocks, as SMs do. The launching thread waits until every
// block has finished; the first block to fail stops the others from starting.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "internal.h"

namespace xfv::sim::detail {
namespace {

thread_local bool on_worker = false;

class WorkerPool {
 public:
  WorkerPool() {
    const unsigned count = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < count; ++i) threads_.emplace_back([this] { work(); });
  }

  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  // Runs every block of `spec`; returns the report of the first block that failed, or an
  // empty string.
  std::string run(const LaunchSpec& spec) {
    std::lock_guard<std::mutex> one_launch_at_a_time(launch_mutex_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      spec_ = &spec;
      total_ = std::uint64_t{spec.grid.x} * spec.grid.y * spec.grid.z;
      next_block_ = 0;
      failed_ = false;
      report_.clear();
      failed_blocks_ = 0;
      busy_ = static_cast<int>(threads_.size());
      ++generation_;
    }
    wake_.notify_all();
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, [this] { return busy_ == 0; });
    if (failed_blocks_ > 1)
      report_ += "\n(" + std::to_string(failed_blocks_ - 1) + " more block" +
                 (failed_blocks_ > 2 ? "s" : "") + " failed as well)";
    return std::move(report_);
  }

 private:
  void work() {
    on_worker = true;
    std::uint64_t seen = 0;
    for (;;) {
      const LaunchSpec* spec;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        spec = spec_;
      }
      const dim3 g = spec->grid;
      for (;;) {
        const std::uint64_t b = next_block_.fetch_add(1, std::memory_order_relaxed);
        if (b >= total_ || failed_.load(std::memory_order_relaxed)) break;
        const uint3 idx{static_cast<unsigned>(b % g.x), static_cast<unsigned>(b / g.x % g.y),
                        static_cast<unsigned>(b / (std::uint64_t{g.x} * g.y))};
        std::string report = run_block(*spec, idx);
        if (!report.empty()) {
          std::lock_guard<std::mutex> lock(mutex_);
          if (failed_blocks_++ == 0) report_ = std::move(report);
          failed_ = true;
        }
      }
      std::lock_guard<std::mutex> lock(mutex_);
      if (--busy_ == 0) finished_.notify_one();
    }
  }

  std::mutex launch_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  const LaunchSpec* spec_ = nullptr;
  std::uint64_t generation_ = 0;
  std::uint64_t total_ = 0;
  std::atomic<std::uint64_t> next_block_{0};
  std::atomic<bool> failed_{false};
  std::string report_;
  int failed_blocks_ = 0;
  int busy_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;  // last: the workers start once the rest exists
};

// What CUDA rejects with cudaErrorInvalidConfiguration; empty when the shape is fine.
std::string configuration_problem(dim3 grid, dim3 block) {
  const std::uint64_t threads = std::uint64_t{block.x} * block.y * block.z;
  if (block.x == 0 || block.y == 0 || block.z == 0 || grid.x == 0 || grid.y == 0 || grid.z == 0)
    return "a grid or block dimension is 0";
  if (threads > 1024)
    return "a block of " + std::to_string(threads) + " threads; at most 1024 are allowed";
  if (block.x > 1024 || block.y > 1024 || block.z > 64)
    return "block dimensions beyond 1024 x 1024 x 64";
  if (grid.x > 0x7fffffffu || grid.y > 65535 || grid.z > 65535)
    return "grid dimensions beyond 2^31-1 x 65535 x 65535";
  return {};
}

}  // namespace

std::string to_string(uint3 v) {
  return "(" + std::to_string(v.x) + "," + std::to_string(v.y) + "," + std::to_string(v.z) + ")";
}
std::string to_string(dim3 v) { return to_string(uint3{v.x, v.y, v.z}); }

void run_launch(const LaunchSpec& spec) {
  const std::string what = std::string("launch of kernel `") + spec.name + "` with grid " +
                           to_string(spec.grid) + ", block " + to_string(spec.block);
  if (on_worker) {
    set_error(cudaErrorLaunchFailure, what + ": sim cannot launch kernels from device code");
    return;
  }
  const std::string bad_shape = configuration_problem(spec.grid, spec.block);
  if (!bad_shape.empty()) {
    set_error(cudaErrorInvalidConfiguration, what + ": invalid configuration: " + bad_shape);
    return;
  }
  const std::size_t limit = dynamic_smem_limit(spec.kernel);
  if (spec.smem > limit) {
    const std::string over =
        spec.smem > kMaxDynamicSmem
            ? "the device's 227 KiB"
            : "this kernel's limit of " + std::to_string(limit) +
                  " bytes (48 KiB unless raised with cudaFuncSetAttribute(kernel, "
                  "cudaFuncAttributeMaxDynamicSharedMemorySize, bytes))";
    set_error(cudaErrorInvalidValue, what + ": " + std::to_string(spec.smem) +
                                         " bytes of dynamic shared memory, over " + over);
    return;
  }
  static WorkerPool pool;
  std::string report = pool.run(spec);
  if (report.empty()) return;
  report = what + " failed:\n" + report;
  std::fprintf(stderr, "\n==== xfv sim: kernel failure ====\n%s\n==== end of report ====\n",
               report.c_str());
  set_error(cudaErrorLaunchFailure, std::move(report));
}

}  // namespace xfv::sim::detail
