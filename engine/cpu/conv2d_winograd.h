// The cpu conv's lowerings to GEMM, declared apart so that a test can run each on the
// same inputs. cpu::run(const Conv2dArgs&) picks one.
#pragma once

#include <cstddef>

#include "kernels/ops.h"

namespace xfv {
namespace cpu {

// Scratch memory for the lowerings, 64-byte aligned, kept per calling thread from one call to
// the next: a fresh buffer of a few MiB comes from mmap, and its page faults cost as much as a
// small conv. Valid until the next call from the same thread.
float* conv_workspace(size_t floats);

// conv_workspace cut into a slice of at least `floats` for each thread of a parallel region
// of at most `threads` threads, every slice on a 64-byte line. Taken before the region
// (per_thread.h: an allocation that fails inside one terminates the process); inside, each
// thread calls mine().
class ThreadSlices {
 public:
  ThreadSlices(size_t floats, int threads);
  int threads() const { return threads_; }
  float* mine() const;

 private:
  size_t stride_;
  int threads_;
  float* base_;
};

// Any conv: im2col in chunks of output rows, one GEMM per chunk.
void conv2d_im2col(const Conv2dArgs& args);

// A 1-D conv (h = kh = 1): im2col in chunks of output columns, a GEMM per chunk, the chunks
// spread over the threads.
void conv1d_im2col(const Conv2dArgs& args);

// Winograd minimal filtering F(m x m, 3 x 3), m = 2 or 4: 3x3 kernels, stride 1, dilation 1,
// any padding, no input activation.
bool winograd_applies(const Conv2dDesc& d);
// The m for this shape, or 0 where im2col is faster (measured on a 2-core AVX-512 EPYC).
int winograd_tile(const Conv2dDesc& d);
void conv2d_winograd(const Conv2dArgs& args, int m);

// Winograd F(4, 5) along the width of a 1-D conv (h = 1) with kernel 5, stride 1, any
// dilation and padding: Parallel WaveGAN's dilated convs (conv1d_winograd.cpp).
bool winograd1d_applies(const Conv2dDesc& d);
void conv1d_winograd(const Conv2dArgs& args);

}  // namespace cpu
}  // namespace xfv
