// The block scheduler of sim (block.cpp: fibers, scheduling, the barrier; warp.cpp: warp
// collectives and deadlock reports). Internal to kernels/sim.
//
// One block runs on one worker thread, its threads as fibers. A fiber is a carrier: it runs
// the block's not-yet-started threads one after another, and stays with a thread only when
// that thread blocks (at __syncthreads or a warp collective); the scheduler then starts
// another carrier for the threads still to start. A kernel that never blocks thus runs a
// whole block on one fiber. The last thread to arrive at a barrier, or to complete a warp
// collective, releases the others and goes on without a switch. When every thread is
// blocked or done and nothing can be released, the block can never finish: that is a bug in
// the kernel, and the report names the threads involved.
#pragma once

#include <boost/context/fiber.hpp>
#include <boost/context/pooled_fixedsize_stack.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "internal.h"

namespace xfv::sim::detail {

namespace bc = boost::context;

struct Stack {
  const void* bottom = nullptr;
  std::size_t size = 0;
};

struct Site {
  const char* file = "";
  int line = 0;
};
inline bool operator==(Site a, Site b) {
  return a.line == b.line && (a.file == b.file || std::strcmp(a.file, b.file) == 0);
}
inline std::string site_name(Site s) { return std::string(s.file) + ":" + std::to_string(s.line); }

enum class State : unsigned char { Unstarted, Runnable, Running, AtBarrier, AtWarpOp, Done };

struct WarpCall {
  WarpOp op;
  unsigned mask;
  std::uint64_t value;
  int arg, width;
  Site site;
  std::uint64_t result;
  // WarpOp::Matrix: the instruction (for reports) and what the last lane to arrive runs;
  // `value` then holds the address of the lane's fragment data.
  const char* matrix_name = nullptr;
  WarpCombine combine = nullptr;
};

const char* op_name(WarpOp op);

// A fault in kernel code; the message is the complete report.
struct KernelFault : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A cp.async in flight (async_copy.cpp): its bytes, read from the source when it was issued,
// land at `dst` when a wait completes its group.
struct PendingCopy {
  unsigned char* dst;
  unsigned char bytes[16];
  int group;
};

struct SimThread {
  uint3 idx{};
  State state = State::Unstarted;
  Site barrier;     // where it waits, when AtBarrier
  WarpCall call{};  // what it waits for, when AtWarpOp; then its result
  bc::fiber fiber;  // the carrier holding this thread while it is blocked
  Stack stack;      // that carrier's stack
  std::vector<PendingCopy> copies;  // its cp.async copies in flight, in issue order
  int groups = 0;                   // its cp.async groups committed so far
};

struct AlignedDelete {
  void operator()(unsigned char* p) const { ::operator delete(p, std::align_val_t{16}); }
};

class BlockRunner {
 public:
  BlockRunner();
  // Runs every thread of one block; returns the failure report, empty if all went well.
  std::string run(const LaunchSpec& spec, uint3 block_idx);
  // Called by the running thread.
  void barrier(Site site);
  std::uint64_t warp_op(const WarpCall& call);
  void async_copy(void* dst, const void* src, int src_bytes);
  void async_commit();
  void async_wait(int pending);
  [[noreturn]] void fault(const std::string& what) const;

 private:
  void prepare(const LaunchSpec& spec, uint3 block_idx);
  void enter(int tid);
  void switch_to(bc::fiber&& fiber, const Stack& stack);
  void start_carrier();
  bc::fiber carrier(bc::fiber&& scheduler);
  void run_thread(int tid);
  void park();
  void wake(int tid);
  void abort_parked();
  void fail(std::string report);

  unsigned lanes_of(int warp) const;
  bool group_ready(int tid) const;
  void resolve_group(int tid);
  void release(int warp, unsigned lanes);
  bool warp_quiet(int warp) const;
  bool resolve_active_masks(int warp);
  bool release_active_masks();

  std::string block_name() const;
  std::string thread_list(const std::vector<int>& tids) const;
  std::string stuck_report() const;

  const LaunchSpec* spec_ = nullptr;
  uint3 block_idx_{};
  int n_ = 0;
  dim3 shape_{0, 0, 0};  // the block shape threads_[i].idx was computed for
  std::vector<SimThread> threads_;
  std::vector<int> waiting_;  // per warp: lanes blocked at a warp collective
  std::vector<int> runnable_;
  int next_unstarted_ = 0;
  int running_ = 0;
  int done_ = 0;
  int at_barrier_ = 0;
  Site barrier_site_;
  bool barrier_mismatch_ = false;
  std::string failure_;

  bc::fiber scheduler_;  // the scheduler, suspended while a carrier runs
  int parked_ = -1;      // the thread whose carrier switched away last; -1: the scheduler
  Stack new_stack_;      // the stack of the carrier last created
  Stack worker_stack_;
  bc::pooled_fixedsize_stack stacks_;
  std::unique_ptr<unsigned char, AlignedDelete> smem_;  // exactly the launch's size, for ASan
  std::size_t smem_size_ = 0;
};

}  // namespace xfv::sim::detail
