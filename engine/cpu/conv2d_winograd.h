// The cpu conv's lowerings to GEMM, declared apart so that a test can run each on the
// same inputs. cpu::run(const Conv2dArgs&) picks one.
#pragma once

#include <cstddef>
#include <string>

#include "engine/cpu/thread_scratch.h"
#include "kernels/ops.h"

namespace xfv {
namespace cpu {

// The lowerings' scratch (thread_scratch(ScratchUse::conv)) cut into a slice of at least
// `floats` for each thread of a parallel region of at most `threads` threads, every slice on
// a 64-byte line. Taken before the region
// (per_thread.h: an allocation that fails inside one terminates the process); inside, each
// thread calls mine().
class ThreadSlices {
 public:
  // `shared` floats before the slices, for what all threads read (shared()).
  ThreadSlices(size_t floats, int threads, size_t shared = 0);
  int threads() const { return threads_; }
  float* mine() const;
  float* shared() const { return base_; }

 private:
  size_t stride_, shared_;
  int threads_;
  float* base_;
};

// Any conv: im2col in chunks of output rows, one GEMM per chunk. `packed`: the weights packed
// by im2col_prepare, or null.
void conv2d_im2col(const Conv2dArgs& args, const float* packed = nullptr);
constexpr int kPackedMaxWidth = 512;
// A 2-D conv on im2col (or a 1x1's GEMM) whose output plane is at most kPackedMaxWidth
// positions (the voice generator's deepest planes, a stream's window): its GEMMs are a few
// hundred columns wide, and BLIS packing the weights in every call, and its threads'
// handshakes over so few columns, took most of their time. A runner keeps its weights packed
// (PreparedConvs) and the threads split the output channels at whole panels, each on the
// packed path: the same bits. By shape alone.
bool im2col_packs(const Conv2dDesc& d);
size_t im2col_prepared_size(const Conv2dDesc& d);  // floats
void im2col_prepare(const Conv2dDesc& d, const float* w, float* prepared);

// A 1-D conv (h = kh = 1): im2col in chunks of output columns, a GEMM per chunk, the chunks
// spread over the threads.
void conv1d_im2col(const Conv2dArgs& args);

// Winograd minimal filtering F(m x m, 3 x 3), m = 2 or 4: 3x3 kernels, stride 1, dilation 1,
// any padding, no input activation.
bool winograd_applies(const Conv2dDesc& d);
// The m for this shape, or 0 where im2col is faster (measured on a 2-core AVX-512 EPYC).
int winograd_tile(const Conv2dDesc& d);
// The weights' transform U, which depends on the weights alone: made in each call unless the
// caller passes it, made once by winograd2d_prepare (PreparedConvs keeps it for a narrow conv).
bool winograd2d_prepares(const Conv2dDesc& d, int m);
size_t winograd2d_prepared_size(const Conv2dDesc& d, int m);  // floats
void winograd2d_prepare(const Conv2dDesc& d, int m, const float* w, float* prepared);
void conv2d_winograd(const Conv2dArgs& args, int m, const float* prepared = nullptr);

// Winograd F(m, r) along the width of a 1-D conv (h = 1), stride 1, any dilation and padding:
// the vocoders' dilated convs (conv1d_winograd.cpp). A kernel longer than r is split into
// `groups` runs of r = m taps (the last zero-padded), whose tiles share one input and one
// output transform. The scheme for a shape (m = 0 where none applies) depends on the kernel
// and dilation alone.
struct Winograd1dScheme {
  int m = 0, r = 0;
  int groups = 1;
  // Dilations past one output's receptive field a tile reads on either side (m - 1 and the
  // padded taps): what a window's context and a stream's halo must cover for the whole run's bits.
  int overhang = 0;
  explicit operator bool() const { return m > 0; }
};
Winograd1dScheme winograd1d_scheme(const Conv2dDesc& d);
// "F(4,3)", or "F(4,4)x3" for a kernel in three groups: the profile's algorithm.
std::string winograd1d_name(Winograd1dScheme scheme);
// The weights' transform U = G g (groups x n x cout x cin floats, n = m + r - 1), which depends on
// the weights alone: computed in each call unless the caller passes it, computed once, as
// `transformed` (the cpu backend keeps one per conv of a runner: PreparedConvs).
size_t winograd1d_weights_size(const Conv2dDesc& d, Winograd1dScheme scheme);
void winograd1d_weights(const Conv2dDesc& d, Winograd1dScheme scheme, const float* w, float* u);
// What a runner keeps of them (PreparedConvs): U packed for sgemm_accumulate_packed where it is
// available (BLIS), else U as it is. The call packs U itself when it is not given.
size_t winograd1d_prepared_size(const Conv2dDesc& d, Winograd1dScheme scheme);
void winograd1d_prepare(const Conv2dDesc& d, Winograd1dScheme scheme, const float* w, float* prepared);
// `transformed`: what winograd1d_prepare made for this conv, or null (U made in the call).
void conv1d_winograd(const Conv2dArgs& args, Winograd1dScheme scheme, const float* transformed = nullptr);

}  // namespace cpu
}  // namespace xfv
