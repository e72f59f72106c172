// Warp collectives of sim's block scheduler (block.h says how it works), and the report of
// a block that can never finish.

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <utility>

#include "block.h"

namespace xfv::sim::detail {
namespace {

bool same_collective(const WarpCall& a, const WarpCall& b) {
  // __syncwarp may be met from different call sites, as on Volta and later.
  return a.op == b.op && a.mask == b.mask && a.combine == b.combine &&
         (a.op == WarpOp::SyncWarp || a.site == b.site);
}

bool is_shuffle(WarpOp op) {
  return op == WarpOp::Shfl || op == WarpOp::ShflUp || op == WarpOp::ShflDown ||
         op == WarpOp::ShflXor;
}

std::string describe(const WarpCall& c) {
  std::ostringstream s;
  if (c.op == WarpOp::Matrix) {
    s << c.matrix_name << " at " << site_name(c.site);  // the whole warp, no mask
  } else {
    s << op_name(c.op) << " at " << site_name(c.site) << " with mask 0x" << std::hex << c.mask;
  }
  return s.str();
}

// The lane a shuffle reads from, as PTX's shfl defines it for a segment `width` lanes wide;
// a lane whose source falls outside its segment keeps its own value.
int shuffle_source(WarpOp op, int lane, int arg, int width) {
  const int segment = 32 - width;  // the lane bits that select the segment
  const int first = lane & segment;
  const int bound = op == WarpOp::ShflUp ? first : first | (31 & ~segment);
  const int b = arg & 31;
  int src = lane;
  bool valid = true;
  switch (op) {
    case WarpOp::ShflUp: src = lane - b; valid = src >= bound; break;
    case WarpOp::ShflDown: src = lane + b; valid = src <= bound; break;
    case WarpOp::ShflXor: src = lane ^ b; valid = src <= bound; break;
    default: src = first | (b & ~segment); break;
  }
  return valid ? src : lane;
}

}  // namespace

const char* op_name(WarpOp op) {
  switch (op) {
    case WarpOp::Shfl: return "__shfl_sync";
    case WarpOp::ShflUp: return "__shfl_up_sync";
    case WarpOp::ShflDown: return "__shfl_down_sync";
    case WarpOp::ShflXor: return "__shfl_xor_sync";
    case WarpOp::Ballot: return "__ballot_sync";
    case WarpOp::Any: return "__any_sync";
    case WarpOp::All: return "__all_sync";
    case WarpOp::ReduceAdd: return "__reduce_add_sync";
    case WarpOp::ReduceMinS:
    case WarpOp::ReduceMinU: return "__reduce_min_sync";
    case WarpOp::ReduceMaxS:
    case WarpOp::ReduceMaxU: return "__reduce_max_sync";
    case WarpOp::SyncWarp: return "__syncwarp";
    case WarpOp::ActiveMask: return "__activemask";
    case WarpOp::Matrix: return "a warp matrix operation";
  }
  return "?";
}

// ---- warp collectives --------------------------------------------------------------------

std::uint64_t BlockRunner::warp_op(const WarpCall& call) {
  const int tid = running_, warp = tid / 32, lane = tid % 32;
  if (call.op != WarpOp::ActiveMask && !(call.mask >> lane & 1u)) {
    std::ostringstream s;
    s << describe(call) << ": the mask leaves out the calling lane " << lane;
    fault(s.str());
  }
  if (call.op == WarpOp::Matrix && lanes_of(warp) != 0xffffffffu)
    fault(describe(call) + ": needs all 32 lanes of the warp, and warp " + std::to_string(warp) +
          " of this block has " + std::to_string(n_ - warp * 32));
  const int w = call.width;
  if (is_shuffle(call.op) && (w < 1 || w > 32 || (w & (w - 1)) != 0))
    fault(describe(call) + ": width " + std::to_string(call.width) +
          " is not a power of 2 in [1, 32]");
  SimThread& self = threads_[tid];
  self.call = call;
  self.state = State::AtWarpOp;
  ++waiting_[warp];
  const bool ready = call.op == WarpOp::ActiveMask ? warp_quiet(warp) : group_ready(tid);
  if (!ready)
    park();
  else if (call.op == WarpOp::ActiveMask)
    resolve_active_masks(warp);
  else
    resolve_group(tid);
  return self.call.result;
}

unsigned BlockRunner::lanes_of(int warp) const {
  const int count = n_ - warp * 32;
  return count >= 32 ? 0xffffffffu : (1u << count) - 1;
}

// The lanes have their results: the running one goes on, the others become runnable.
void BlockRunner::release(int warp, unsigned lanes) {
  for (int lane = 0; lane < 32; ++lane) {
    if (!(lanes >> lane & 1u)) continue;
    const int tid = warp * 32 + lane;
    --waiting_[warp];
    if (tid == running_)
      threads_[tid].state = State::Running;
    else
      wake(tid);
  }
}

// Lanes named in a mask that do not exist (past the end of the block) are not waited for.
bool BlockRunner::group_ready(int tid) const {
  const WarpCall& c = threads_[tid].call;
  const int warp = tid / 32;
  const unsigned members = c.mask & lanes_of(warp);
  if (waiting_[warp] < __builtin_popcount(members)) return false;
  for (int lane = 0; lane < 32; ++lane) {
    if (!(members >> lane & 1u)) continue;
    const SimThread& t = threads_[warp * 32 + lane];
    if (t.state != State::AtWarpOp || !same_collective(t.call, c)) return false;
  }
  return true;
}

void BlockRunner::resolve_group(int tid) {
  const WarpCall c = threads_[tid].call;
  const int warp = tid / 32, base = warp * 32;
  const unsigned members = c.mask & lanes_of(warp);
  if (c.op == WarpOp::Matrix) {
    void* lanes[32];
    for (int lane = 0; lane < 32; ++lane)
      lanes[lane] = reinterpret_cast<void*>(threads_[base + lane].call.value);
    c.combine(lanes);
    release(warp, members);
    return;
  }
  auto value = [&](int lane) { return threads_[base + lane].call.value; };
  auto as_int = [](std::uint64_t v) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  };

  std::uint64_t common = 0;  // the result every lane gets, for all but the shuffles
  unsigned votes = 0;
  std::uint32_t sum = 0, umin = ~0u, umax = 0;
  std::int32_t smin = INT32_MAX, smax = INT32_MIN;
  for (int lane = 0; lane < 32; ++lane) {
    if (!(members >> lane & 1u)) continue;
    const std::uint64_t v = value(lane);
    votes |= (v != 0 ? 1u : 0u) << lane;
    sum += static_cast<std::uint32_t>(v);
    umin = std::min(umin, static_cast<std::uint32_t>(v));
    umax = std::max(umax, static_cast<std::uint32_t>(v));
    smin = std::min(smin, as_int(v));
    smax = std::max(smax, as_int(v));
  }
  switch (c.op) {
    case WarpOp::Ballot: common = votes; break;
    case WarpOp::Any: common = votes != 0; break;
    case WarpOp::All: common = votes == members; break;
    case WarpOp::ReduceAdd: common = sum; break;
    case WarpOp::ReduceMinU: common = umin; break;
    case WarpOp::ReduceMaxU: common = umax; break;
    case WarpOp::ReduceMinS: common = static_cast<std::uint32_t>(smin); break;
    case WarpOp::ReduceMaxS: common = static_cast<std::uint32_t>(smax); break;
    default: break;
  }
  // Results first, then wake-ups: a shuffle reads the other lanes' values.
  for (int lane = 0; lane < 32; ++lane) {
    if (!(members >> lane & 1u)) continue;
    WarpCall& call = threads_[base + lane].call;
    if (is_shuffle(c.op)) {
      // A source lane that does not take part leaves the value undefined in CUDA; sim gives
      // the lane its own value.
      const int src = shuffle_source(c.op, lane, call.arg, call.width);
      call.result = members >> src & 1u ? value(src) : call.value;
    } else {
      call.result = common;
    }
  }
  release(warp, members);
}

bool BlockRunner::warp_quiet(int warp) const {
  const unsigned lanes = lanes_of(warp);
  for (int lane = 0; lane < 32; ++lane) {
    if (!(lanes >> lane & 1u) || warp * 32 + lane == running_) continue;
    const State s = threads_[warp * 32 + lane].state;
    if (s != State::AtBarrier && s != State::AtWarpOp && s != State::Done) return false;
  }
  return true;
}

// Every live lane of the warp has stopped: each lane at __activemask learns which lanes
// stopped at the same call site.
bool BlockRunner::resolve_active_masks(int warp) {
  const int base = warp * 32;
  unsigned at = 0;
  for (int lane = 0; lane < 32; ++lane) {
    if (!(lanes_of(warp) >> lane & 1u)) continue;
    const SimThread& t = threads_[base + lane];
    if (t.state == State::AtWarpOp && t.call.op == WarpOp::ActiveMask) at |= 1u << lane;
  }
  for (int lane = 0; lane < 32; ++lane) {
    if (!(at >> lane & 1u)) continue;
    unsigned same = 0;
    for (int other = 0; other < 32; ++other)
      if (at >> other & 1u && threads_[base + other].call.site == threads_[base + lane].call.site)
        same |= 1u << other;
    threads_[base + lane].call.result = same;
  }
  release(warp, at);
  return at != 0;
}

bool BlockRunner::release_active_masks() {
  bool any = false;
  for (int warp = 0; warp < static_cast<int>(waiting_.size()); ++warp)
    if (waiting_[warp] > 0 && resolve_active_masks(warp)) any = true;
  return any;
}

// ---- reports ---------------------------------------------------------------------------

std::string BlockRunner::stuck_report() const {
  std::ostringstream out;
  out << block_name() << ": deadlock: ";
  // A warp collective that some lane named in its mask will never join.
  for (int tid = 0; tid < n_; ++tid) {
    const SimThread& t = threads_[tid];
    if (t.state != State::AtWarpOp) continue;
    const int warp = tid / 32;
    const unsigned members = t.call.mask & lanes_of(warp);
    for (int lane = 0; lane < 32; ++lane) {
      if (!(members >> lane & 1u)) continue;
      const SimThread& o = threads_[warp * 32 + lane];
      if (o.state == State::AtWarpOp && same_collective(o.call, t.call)) continue;
      out << "warp " << warp << " (thread " << to_string(t.idx) << " and others) waits at "
          << describe(t.call) << " for lane " << lane << ", thread " << to_string(o.idx)
          << ", which ";
      if (o.state == State::Done)
        out << "has exited";
      else if (o.state == State::AtBarrier)
        out << "waits at __syncthreads() at " << site_name(o.barrier);
      else
        out << "waits at " << describe(o.call);
      return out.str();
    }
  }
  // Otherwise every thread waits at a barrier or has exited.
  std::vector<std::pair<Site, std::vector<int>>> sites;
  std::vector<int> exited;
  for (int tid = 0; tid < n_; ++tid) {
    const SimThread& t = threads_[tid];
    if (t.state == State::Done) {
      exited.push_back(tid);
      continue;
    }
    auto it = sites.begin();
    while (it != sites.end() && !(it->first == t.barrier)) ++it;
    if (it == sites.end()) it = sites.insert(sites.end(), {t.barrier, {}});
    it->second.push_back(tid);
  }
  if (sites.size() > 1) {
    out << "threads wait at different __syncthreads()";
    for (const auto& [site, tids] : sites)
      out << "; threads " << thread_list(tids) << " at " << site_name(site);
  } else if (!sites.empty()) {
    out << "threads " << thread_list(sites[0].second) << " wait at __syncthreads() at "
        << site_name(sites[0].first);
  }
  if (!exited.empty())
    out << (sites.size() > 1 ? "; " : ", but ") << "threads " << thread_list(exited)
        << " have exited without reaching it";
  return out.str();
}

}  // namespace xfv::sim::detail
