// cp.async of sim's block scheduler (block.h). Each thread keeps its copies in flight. A
// copy reads its source when issued and fills its destination with 0xff bytes (NaN, as
// cudaMalloc's fresh memory), which stay until a wait completes the copy's group: a kernel
// that reads a tile before waiting for it reads NaN here, whatever a GPU's timing would give.

#include <cstdint>
#include <cstring>
#include <string>

#include "block.h"

namespace xfv::sim::detail {

void BlockRunner::async_copy(void* dst, const void* src, int src_bytes) {
  const char* what = "cp.async.cg.shared.global (16 bytes)";
  if (reinterpret_cast<std::uintptr_t>(dst) % 16 != 0)
    fault(std::string(what) + ": the shared destination is not 16-byte aligned");
  if (reinterpret_cast<std::uintptr_t>(src) % 16 != 0)
    fault(std::string(what) + ": the global source is not 16-byte aligned");
  if (src_bytes < 0 || src_bytes > 16)
    fault(std::string(what) + ": source size " + std::to_string(src_bytes) +
          " is not in [0, 16]");
  SimThread& self = threads_[running_];
  PendingCopy copy{static_cast<unsigned char*>(dst), {}, self.groups};  // zeros past src_bytes
  std::memcpy(copy.bytes, src, static_cast<std::size_t>(src_bytes));
  std::memset(dst, 0xff, sizeof copy.bytes);
  self.copies.push_back(copy);
}

void BlockRunner::async_commit() { ++threads_[running_].groups; }

// Copies land in issue order, so a later copy to the same row wins, as in program order.
void BlockRunner::async_wait(int pending) {
  SimThread& self = threads_[running_];
  const int complete_below = self.groups - pending;
  std::size_t kept = 0;
  for (const PendingCopy& copy : self.copies) {
    if (copy.group < complete_below)
      std::memcpy(copy.dst, copy.bytes, sizeof copy.bytes);
    else
      self.copies[kept++] = copy;
  }
  self.copies.resize(kept);
}

}  // namespace xfv::sim::detail
