// Fibers, scheduling and the barrier of sim's block scheduler (block.h says how it works),
// and the entry points that kernel code and the worker pool call.

#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

#include "async_copy.h"
#include "block.h"

namespace xfv::sim::detail {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kStackSize = 128 << 10;  // ASan's redzones make frames much larger
#else
constexpr std::size_t kStackSize = 64 << 10;
#endif

// ASan keeps one stack per thread and must hear of every switch between stacks; otherwise
// an exception thrown on a fiber (a shared-memory fault, the unwinding of an aborted block)
// makes it misjudge which stack is live.
#if defined(__SANITIZE_ADDRESS__)
void switch_begin(void** fake_stack, const Stack& to) {
  __sanitizer_start_switch_fiber(fake_stack, to.bottom, to.size);
}
void switch_end(void* fake_stack, Stack* from) {
  __sanitizer_finish_switch_fiber(fake_stack, from ? &from->bottom : nullptr,
                                  from ? &from->size : nullptr);
}
#else
void switch_begin(void**, const Stack&) {}
void switch_end(void*, Stack*) {}
#endif

// Hands out pooled stacks (fresh ones per fiber cost more than the kernel) and remembers the
// bounds of the last one for the sanitizer hooks.
class StackAllocator {
 public:
  StackAllocator(bc::pooled_fixedsize_stack& pool, Stack& last) : pool_(&pool), last_(&last) {}
  bc::stack_context allocate() {
    bc::stack_context s = pool_->allocate();
    *last_ = {static_cast<char*>(s.sp) - s.size, s.size};
    return s;
  }
  void deallocate(bc::stack_context& s) noexcept { pool_->deallocate(s); }

 private:
  bc::pooled_fixedsize_stack* pool_;
  Stack* last_;
};

thread_local BlockRunner* active_runner = nullptr;

BlockRunner& current_runner(const char* what) {
  if (active_runner == nullptr)
    throw std::logic_error(std::string("sim: ") + what + " called outside a kernel");
  return *active_runner;
}

}  // namespace

BlockRunner::BlockRunner() : stacks_(kStackSize) {}

// ---- scheduling --------------------------------------------------------------------------

std::string BlockRunner::run(const LaunchSpec& spec, uint3 block_idx) {
  prepare(spec, block_idx);
  for (;;) {
    while (failure_.empty()) {
      if (!runnable_.empty()) {
        const int tid = runnable_.back();
        runnable_.pop_back();
        enter(tid);
        switch_to(std::move(threads_[tid].fiber), threads_[tid].stack);
      } else if (next_unstarted_ < n_) {
        start_carrier();
      } else {
        break;
      }
    }
    // Every thread is blocked or done.
    if (!failure_.empty() || done_ == n_ || !release_active_masks()) break;
  }
  if (failure_.empty() && done_ != n_) fail(stuck_report());
  abort_parked();
  return std::move(failure_);
}

void BlockRunner::prepare(const LaunchSpec& spec, uint3 block_idx) {
  spec_ = &spec;
  block_idx_ = block_idx;
  const dim3 b = spec.block;
  n_ = static_cast<int>(b.x * b.y * b.z);
  if (threads_.size() < static_cast<std::size_t>(n_)) threads_.resize(n_);
  if (shape_.x != b.x || shape_.y != b.y || shape_.z != b.z) {
    shape_ = b;
    for (int i = 0; i < n_; ++i) {
      const unsigned u = static_cast<unsigned>(i);
      threads_[i].idx = {u % b.x, u / b.x % b.y, u / (b.x * b.y)};
    }
  }
  for (int i = 0; i < n_; ++i) {
    threads_[i].state = State::Unstarted;
    threads_[i].copies.clear();  // a previous block's copies never waited for
    threads_[i].groups = 0;
  }
  waiting_.assign((n_ + 31) / 32, 0);
  runnable_.clear();
  next_unstarted_ = done_ = at_barrier_ = 0;
  barrier_mismatch_ = false;
  failure_.clear();

  if (spec.smem != smem_size_) {
    smem_.reset(spec.smem ? static_cast<unsigned char*>(
                                ::operator new(spec.smem, std::align_val_t{16}))
                          : nullptr);
    smem_size_ = spec.smem;
  }
  Builtins& bi = builtins;
  bi.block_idx = block_idx;
  bi.block_dim = spec.block;
  bi.grid_dim = spec.grid;
  bi.smem = smem_.get();
  bi.smem_bytes = smem_size_;
}

void BlockRunner::enter(int tid) {
  running_ = tid;
  threads_[tid].state = State::Running;
  builtins.thread_idx = threads_[tid].idx;
}

// Runs carriers until one switches back here: a blocked one is kept with the thread it
// holds; a finished one comes back empty.
void BlockRunner::switch_to(bc::fiber&& fiber, const Stack& stack) {
  void* fake_stack = nullptr;
  switch_begin(&fake_stack, stack);
  parked_ = -1;
  bc::fiber held = std::move(fiber).resume();
  switch_end(fake_stack, nullptr);
  if (held) threads_[parked_].fiber = std::move(held);
}

void BlockRunner::start_carrier() {
  bc::fiber f(std::allocator_arg, StackAllocator(stacks_, new_stack_),
              [this](bc::fiber&& scheduler) { return carrier(std::move(scheduler)); });
  switch_to(std::move(f), new_stack_);
}

bc::fiber BlockRunner::carrier(bc::fiber&& scheduler) {
  scheduler_ = std::move(scheduler);
  switch_end(nullptr, &worker_stack_);
  const Stack mine = new_stack_;
  while (failure_.empty() && next_unstarted_ < n_) {
    const int tid = next_unstarted_++;
    threads_[tid].stack = mine;
    run_thread(tid);
  }
  switch_begin(nullptr, worker_stack_);
  return std::move(scheduler_);
}

void BlockRunner::run_thread(int tid) {
  enter(tid);
  try {
    spec_->invoke(spec_->body);
  } catch (const bc::detail::forced_unwind&) {
    switch_begin(nullptr, worker_stack_);  // an aborted block: this carrier's stack goes away
    throw;
  } catch (const KernelFault& f) {
    fail(f.what());
  } catch (const std::exception& e) {
    fail(block_name() + ", thread " + to_string(threads_[tid].idx) + ": exception: " + e.what());
  } catch (...) {
    fail(block_name() + ", thread " + to_string(threads_[tid].idx) + ": unknown exception");
  }
  threads_[tid].state = State::Done;
  ++done_;
}

// Suspends the running thread's carrier and switches straight to the next runnable thread,
// or to the scheduler when there is none. Returns when some carrier or the scheduler
// switches back here (or unwinds with forced_unwind when the scheduler destroys this one).
void BlockRunner::park() {
  parked_ = running_;
  bc::fiber* next = &scheduler_;
  const Stack* stack = &worker_stack_;
  if (!runnable_.empty()) {
    const int tid = runnable_.back();
    runnable_.pop_back();
    enter(tid);
    next = &threads_[tid].fiber;
    stack = &threads_[tid].stack;
  }
  void* fake_stack = nullptr;
  switch_begin(&fake_stack, *stack);
  bc::fiber from;
  try {
    from = std::move(*next).resume();
  } catch (const bc::detail::forced_unwind&) {
    switch_end(fake_stack, nullptr);
    throw;
  }
  switch_end(fake_stack, nullptr);
  // `from` is the suspended context of whoever switched here.
  (parked_ < 0 ? scheduler_ : threads_[parked_].fiber) = std::move(from);
}

void BlockRunner::wake(int tid) {
  threads_[tid].state = State::Runnable;
  runnable_.push_back(tid);
}

void BlockRunner::abort_parked() {
  for (int tid = 0; tid < n_; ++tid) {
    if (!threads_[tid].fiber) continue;
    enter(tid);
    void* fake_stack = nullptr;
    switch_begin(&fake_stack, threads_[tid].stack);
    { bc::fiber unwound = std::move(threads_[tid].fiber); }
    switch_end(fake_stack, nullptr);
  }
}

void BlockRunner::fail(std::string report) {
  if (failure_.empty()) failure_ = std::move(report);
}

// ---- the barrier -------------------------------------------------------------------------

void BlockRunner::barrier(Site site) {
  if (at_barrier_ == 0)
    barrier_site_ = site;
  else if (!(site == barrier_site_))
    barrier_mismatch_ = true;
  if (++at_barrier_ == n_ && !barrier_mismatch_) {
    at_barrier_ = 0;
    for (int tid = 0; tid < n_; ++tid)
      if (threads_[tid].state == State::AtBarrier) wake(tid);
    return;
  }
  threads_[running_].state = State::AtBarrier;
  threads_[running_].barrier = site;
  park();
}

// ---- reports -----------------------------------------------------------------------------

std::string BlockRunner::block_name() const {
  return std::string("kernel `") + spec_->name + "`, block " + to_string(block_idx_);
}

void BlockRunner::fault(const std::string& what) const {
  throw KernelFault(block_name() + ", thread " + to_string(threads_[running_].idx) + ": " + what);
}

std::string BlockRunner::thread_list(const std::vector<int>& tids) const {
  constexpr std::size_t kShown = 8;
  std::string s;
  for (std::size_t i = 0; i < tids.size() && i < kShown; ++i)
    s += (i ? " " : "") + to_string(threads_[tids[i]].idx);
  if (tids.size() > kShown) s += " and " + std::to_string(tids.size() - kShown) + " more";
  return s;
}

// ---- entry points from kernel code and from the worker pool ------------------------------

void syncthreads(const char* file, int line) {
  current_runner("__syncthreads()").barrier({file, line});
}

std::uint64_t warp_collective(WarpOp op, unsigned mask, std::uint64_t value, int arg, int width,
                              const char* file, int line) {
  return current_runner(op_name(op)).warp_op({op, mask, value, arg, width, {file, line}, 0});
}

void warp_matrix(const char* name, WarpCombine combine, void* lane_data, const char* file,
                 int line) {
  WarpCall call{WarpOp::Matrix, 0xffffffffu, reinterpret_cast<std::uintptr_t>(lane_data), 0, 32,
                {file, line}, 0};
  call.matrix_name = name;
  call.combine = combine;
  current_runner(name).warp_op(call);
}

void async_copy_issue(void* dst, const void* src, int src_bytes) {
  current_runner("cp.async").async_copy(dst, src, src_bytes);
}

void async_copy_commit() { current_runner("cp.async.commit_group").async_commit(); }

void async_copy_wait(int pending) { current_runner("cp.async.wait_group").async_wait(pending); }

void kernel_fault(const std::string& what) {
  if (active_runner != nullptr) active_runner->fault(what);
  throw std::logic_error("sim: " + what);
}

void shared_index_fault(const char* space, long long index, std::size_t extent) {
  const std::string what = std::string(space) + ": index " + std::to_string(index) +
                           " is out of bounds [0, " + std::to_string(extent) + ")";
  if (active_runner != nullptr) active_runner->fault(what);
  throw std::out_of_range("sim: " + what);
}

std::string run_block(const LaunchSpec& spec, uint3 block_idx) {
  static thread_local BlockRunner runner;
  active_runner = &runner;
  std::string report = runner.run(spec, block_idx);
  active_runner = nullptr;
  return report;
}

}  // namespace xfv::sim::detail
