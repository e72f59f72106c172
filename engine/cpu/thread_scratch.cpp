#include "engine/cpu/thread_scratch.h"

#include <memory>

namespace xfv {
namespace cpu {

float* thread_scratch(ScratchUse use, size_t floats) {
  struct alignas(64) Line {
    float f[16];
  };
  struct Buffer {
    std::unique_ptr<Line[]> lines;
    size_t capacity = 0;  // in lines
  };
  thread_local Buffer buffers[static_cast<int>(ScratchUse::count)];
  Buffer& b = buffers[static_cast<int>(use)];
  const size_t lines = (floats + 15) / 16;
  if (lines > b.capacity) {
    b.lines.reset();  // before the new one: the two need not coexist
    b.capacity = 0;
    b.lines.reset(new Line[lines]);
    b.capacity = lines;
  }
  return b.lines[0].f;
}

}  // namespace cpu
}  // namespace xfv
