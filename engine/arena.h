// The memory plan of a graph run: every intermediate buffer gets an offset in one arena,
// and a buffer's bytes are reused once its last reader has run.
#pragma once

#include <cstddef>
#include <vector>

namespace xfv {

struct BufferLifetime {
  size_t bytes;
  int first;  // index of the step that writes it (-1: live before the first step)
  int last;   // index of the last step that reads it (inclusive)
};

struct ArenaPlan {
  std::vector<size_t> offsets;  // one per buffer, aligned
  size_t total_bytes = 0;
};

// Greedy best fit, largest buffers first: each buffer takes the lowest aligned offset
// that overlaps no buffer whose lifetime overlaps its own.
ArenaPlan plan_arena(const std::vector<BufferLifetime>& buffers, size_t alignment = 256);

}  // namespace xfv
