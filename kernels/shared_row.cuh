// The address of a row of bytes in a shared array, for the instructions that take one
// (ldmatrix in mma.cuh, cp.async in async_copy.cuh).
#pragma once

#include <type_traits>

#include "common.cuh"

namespace xfv {
namespace XFV_DEVICE_NS {

// The `Bytes`-byte row that starts at smem[index], as a pointer to its first element;
// `smem` is a shared array (XFV_SHARED_1D, a row of XFV_SHARED_2D, XFV_DYNAMIC_SHARED). Under
// sim the row's first and last elements go through the array's bounds check, which reports
// the index and the extent.
template <int Bytes, class Shared>
__device__ __forceinline__ auto shared_row(Shared& smem, int index) {
  using T = std::remove_cv_t<std::remove_reference_t<decltype(smem[0])>>;
  static_assert(Bytes % sizeof(T) == 0, "a row of whole elements");
  auto* row = &smem[index];
#if defined(XFV_SIM)
  (void)smem[index + static_cast<int>(Bytes / sizeof(T)) - 1];
#endif
  return row;
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
