#include "engine/arena.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace xfv {

ArenaPlan plan_arena(const std::vector<BufferLifetime>& buffers, size_t alignment) {
  const auto align = [alignment](size_t v) { return (v + alignment - 1) / alignment * alignment; };
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return buffers[a].bytes > buffers[b].bytes; });

  ArenaPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  std::vector<size_t> placed;
  for (size_t i : order) {
    const BufferLifetime& b = buffers[i];
    if (b.last < b.first) throw std::invalid_argument("buffer read before it is written");
    // The occupied ranges of live-overlapping buffers, by offset; take the first gap that fits.
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t j : placed) {
      const BufferLifetime& o = buffers[j];
      if (o.first <= b.last && b.first <= o.last)
        busy.emplace_back(plan.offsets[j], plan.offsets[j] + align(o.bytes));
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& [lo, hi] : busy) {
      if (offset + align(b.bytes) <= lo) break;
      offset = std::max(offset, hi);
    }
    plan.offsets[i] = offset;
    plan.total_bytes = std::max(plan.total_bytes, offset + align(b.bytes));
    placed.push_back(i);
  }
  return plan;
}

}  // namespace xfv
