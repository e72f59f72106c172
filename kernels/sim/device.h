// Built-in variables, the block barrier and the warp-collective operations of sim.
// Included by cuda_sim.h; kernels do not include it themselves.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace xfv::sim {
namespace detail {

// What the built-in variables read. The worker running a block sets it whenever it switches
// to another of the block's threads; constant-initialized, so access is a plain TLS load.
struct Builtins {
  uint3 thread_idx{0, 0, 0};
  uint3 block_idx{0, 0, 0};
  dim3 block_dim{};
  dim3 grid_dim{};
  unsigned char* smem = nullptr;  // the block's dynamic shared memory
  std::size_t smem_bytes = 0;
};
inline thread_local Builtins builtins;

void syncthreads(const char* file, int line);

enum class WarpOp : unsigned char {
  Shfl, ShflUp, ShflDown, ShflXor,
  Ballot, Any, All,
  ReduceAdd, ReduceMinS, ReduceMinU, ReduceMaxS, ReduceMaxU,
  SyncWarp, ActiveMask,
  Matrix,  // mma.sync, ldmatrix (sim/matrix.cpp): lanes exchange whole fragments
};

// Blocks until every lane named in `mask` has reached the same operation at the same call
// site, then returns this lane's result. `value` holds the lane's operand bits; `arg` and
// `width` are the shuffle's lane argument and segment width.
std::uint64_t warp_collective(WarpOp op, unsigned mask, std::uint64_t value, int arg, int width,
                              const char* file, int line);

template <class T>
inline constexpr bool is_shuffle_type_v =
    std::is_same_v<T, int> || std::is_same_v<T, unsigned> || std::is_same_v<T, long> ||
    std::is_same_v<T, unsigned long> || std::is_same_v<T, long long> ||
    std::is_same_v<T, unsigned long long> || std::is_same_v<T, float> || std::is_same_v<T, double>;

template <class T>
T shuffle(WarpOp op, unsigned mask, T var, int arg, int width, const char* file, int line) {
  static_assert(is_shuffle_type_v<T>, "sim: __shfl*_sync takes int, unsigned, long (long), "
                                      "unsigned long (long), float or double");
  std::uint64_t bits = 0;
  std::memcpy(&bits, &var, sizeof var);
  bits = warp_collective(op, mask, bits, arg, width, file, line);
  T out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

}  // namespace detail

#define threadIdx (static_cast<const ::xfv::sim::uint3&>(::xfv::sim::detail::builtins.thread_idx))
#define blockIdx (static_cast<const ::xfv::sim::uint3&>(::xfv::sim::detail::builtins.block_idx))
#define blockDim (static_cast<const ::xfv::sim::dim3&>(::xfv::sim::detail::builtins.block_dim))
#define gridDim (static_cast<const ::xfv::sim::dim3&>(::xfv::sim::detail::builtins.grid_dim))
// A macro so that a report can say which barrier each thread waits at.
#define __syncthreads() ::xfv::sim::detail::syncthreads(__FILE__, __LINE__)

// The warp operations take their call site as defaulted trailing arguments: lanes meet only
// at the same call site, and reports name it.
#define XFV_SIM_CALL_SITE const char* file = __builtin_FILE(), int line = __builtin_LINE()
template <class T>
T __shfl_sync(unsigned mask, T var, int src_lane, int width = warpSize, XFV_SIM_CALL_SITE) {
  return detail::shuffle(detail::WarpOp::Shfl, mask, var, src_lane, width, file, line);
}
template <class T>
T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize, XFV_SIM_CALL_SITE) {
  return detail::shuffle(detail::WarpOp::ShflUp, mask, var, static_cast<int>(delta), width, file,
                         line);
}
template <class T>
T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize, XFV_SIM_CALL_SITE) {
  return detail::shuffle(detail::WarpOp::ShflDown, mask, var, static_cast<int>(delta), width,
                         file, line);
}
template <class T>
T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = warpSize, XFV_SIM_CALL_SITE) {
  return detail::shuffle(detail::WarpOp::ShflXor, mask, var, lane_mask, width, file, line);
}

inline unsigned __ballot_sync(unsigned mask, int predicate, XFV_SIM_CALL_SITE) {
  return static_cast<unsigned>(detail::warp_collective(detail::WarpOp::Ballot, mask,
                                                       predicate != 0, 0, 32, file, line));
}
inline int __any_sync(unsigned mask, int predicate, XFV_SIM_CALL_SITE) {
  return static_cast<int>(
      detail::warp_collective(detail::WarpOp::Any, mask, predicate != 0, 0, 32, file, line));
}
inline int __all_sync(unsigned mask, int predicate, XFV_SIM_CALL_SITE) {
  return static_cast<int>(
      detail::warp_collective(detail::WarpOp::All, mask, predicate != 0, 0, 32, file, line));
}

inline unsigned __reduce_add_sync(unsigned mask, unsigned value, XFV_SIM_CALL_SITE) {
  return static_cast<unsigned>(
      detail::warp_collective(detail::WarpOp::ReduceAdd, mask, value, 0, 32, file, line));
}
inline int __reduce_add_sync(unsigned mask, int value, XFV_SIM_CALL_SITE) {
  return static_cast<int>(__reduce_add_sync(mask, static_cast<unsigned>(value), file, line));
}
inline unsigned __reduce_min_sync(unsigned mask, unsigned value, XFV_SIM_CALL_SITE) {
  return static_cast<unsigned>(
      detail::warp_collective(detail::WarpOp::ReduceMinU, mask, value, 0, 32, file, line));
}
inline int __reduce_min_sync(unsigned mask, int value, XFV_SIM_CALL_SITE) {
  return static_cast<int>(detail::warp_collective(
      detail::WarpOp::ReduceMinS, mask, static_cast<unsigned>(value), 0, 32, file, line));
}
inline unsigned __reduce_max_sync(unsigned mask, unsigned value, XFV_SIM_CALL_SITE) {
  return static_cast<unsigned>(
      detail::warp_collective(detail::WarpOp::ReduceMaxU, mask, value, 0, 32, file, line));
}
inline int __reduce_max_sync(unsigned mask, int value, XFV_SIM_CALL_SITE) {
  return static_cast<int>(detail::warp_collective(
      detail::WarpOp::ReduceMaxS, mask, static_cast<unsigned>(value), 0, 32, file, line));
}

inline void __syncwarp(unsigned mask = 0xffffffffu, XFV_SIM_CALL_SITE) {
  detail::warp_collective(detail::WarpOp::SyncWarp, mask, 0, 0, 32, file, line);
}

// The lanes of this warp that reach this same call site: the scheduler answers once every
// live lane of the warp has stopped somewhere, which is what convergence means here.
inline unsigned __activemask(XFV_SIM_CALL_SITE) {
  return static_cast<unsigned>(
      detail::warp_collective(detail::WarpOp::ActiveMask, 0, 0, 0, 32, file, line));
}

#undef XFV_SIM_CALL_SITE

}  // namespace xfv::sim
