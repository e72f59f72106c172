// A cpu op whose scratch memory cannot be had throws std::bad_alloc to its caller instead of
// terminating the process: no exception may leave an OpenMP region (engine/cpu/per_thread.h),
// so the 1-D convs take their threads' workspaces before their parallel loops. Each case runs
// in a child process (a death test) whose address space is capped a few MiB above what it
// already maps, below what the op's workspace needs; the child exits 0 only if the op threw
// bad_alloc. Before the workspaces moved out of the loops, the child died by SIGABRT.
#include <gtest/gtest.h>
#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <new>
#include <vector>

#include "engine/cpu/conv2d_winograd.h"
#include "engine/cpu/cpu_ops.h"

namespace xfv {
namespace {

constexpr size_t kHeadroom = size_t{8} << 20;  // what the op may still map: less than its workspace

// The bytes the process maps now (VmSize).
size_t mapped_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  if (!f || std::fscanf(f, "%lu", &pages) != 1) std::_Exit(10);
  std::fclose(f);
  return pages * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Runs `op` with the address space capped at what is mapped plus kHeadroom; exits the child
// with 0 if it threw bad_alloc, 1 if it ran, 2 for any other exception.
template <class Op>
[[noreturn]] void run_capped(Op op) {
  // The OpenMP team first, so that its threads' stacks are mapped before the cap.
#pragma omp parallel
  { (void)omp_get_thread_num(); }
  const rlimit cap{mapped_bytes() + kHeadroom, RLIM_INFINITY};
  if (setrlimit(RLIMIT_AS, &cap) != 0) std::_Exit(11);
  try {
    op();
  } catch (const std::bad_alloc&) {
    std::_Exit(0);
  } catch (...) {
    std::_Exit(2);
  }
  std::_Exit(1);
}

class CpuMemory : public ::testing::Test {
 protected:
  void SetUp() override {
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "ASan's allocator maps its own way and aborts on failure: a capped address space tests nothing";
#endif
    // A fresh process for each child: forking a process with a live OpenMP team is undefined.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }
};

// Parallel WaveGAN-like 1-D conv, K = cin * kw = 40960: its column chunk is 64 columns of K
// rows, a 10 MiB workspace per thread. The inputs are made before the cap.
[[noreturn]] void conv1d_capped() {
  Conv2dArgs a;
  a.d = Conv2dDesc{1, 8192, 1, 256, 1, 1, 5};
  a.d.pad_w = 2;
  std::vector<float> x(size_t{8192} * 256, 0.5f), w(size_t{8192} * 5, 0.25f), y(256);
  a.x = x.data(), a.w = w.data(), a.y = y.data();
  run_capped([&] { cpu::conv1d_im2col(a); });
}

// HiFi-GAN-like transposed conv, cin * ceil(k / stride) = 65536 rows of 64 columns: a 16 MiB
// workspace per thread.
[[noreturn]] void conv_transpose1d_capped() {
  ConvTranspose1dArgs a;
  a.d = ConvTranspose1dDesc{1, 16384, 64, 1, 8, 2, 3};
  std::vector<float> x(size_t{16384} * 64, 0.5f), w(size_t{16384} * 8, 0.25f), y(a.d.out_w());
  a.x = x.data(), a.w = w.data(), a.y = y.data();
  run_capped([&] { cpu::run(a); });
}

TEST_F(CpuMemory, Conv1dWorkspaceThatCannotBeHadThrowsToTheCaller) {
  EXPECT_EXIT(conv1d_capped(), ::testing::ExitedWithCode(0), "");
}

TEST_F(CpuMemory, ConvTranspose1dWorkspaceThatCannotBeHadThrowsToTheCaller) {
  EXPECT_EXIT(conv_transpose1d_capped(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace xfv
