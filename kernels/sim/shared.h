// Bounds-checked shared memory of sim. Included by cuda_sim.h; kernels reach it through
// XFV_SHARED_1D / XFV_SHARED_2D / XFV_DYNAMIC_SHARED (common.cuh).
#pragma once

#include <cstddef>
#include <type_traits>

namespace xfv::sim {

template <class T, std::size_t N0, std::size_t... Ns>
class SharedArray;

namespace detail {

// Reports the access (kernel, block, thread, index, extent) and fails the launch.
[[noreturn]] void shared_index_fault(const char* space, long long index, std::size_t extent);

template <class I>
void check_index(const char* space, I i, std::size_t extent) {
  static_assert(std::is_integral_v<I>, "sim: shared memory index must be an integer");
  bool ok;
  if constexpr (std::is_signed_v<I>)
    ok = i >= 0 && static_cast<unsigned long long>(i) < extent;
  else
    ok = static_cast<unsigned long long>(i) < extent;
  if (!ok) shared_index_fault(space, static_cast<long long>(i), extent);
}

template <class T, std::size_t... Ns>
struct shared_element {
  using type = SharedArray<T, Ns...>;
};
template <class T>
struct shared_element<T> {
  using type = T;
};

}  // namespace detail

// A __shared__ array. Kernels declare it `static thread_local`: a worker runs one block at a
// time, so each block sees its own copy. Indexing checks every dimension.
template <class T, std::size_t N0, std::size_t... Ns>
class SharedArray {
 public:
  using element_type = typename detail::shared_element<T, Ns...>::type;

  template <class I>
  element_type& operator[](I i) {
    detail::check_index("static shared memory", i, N0);
    return items_[i];
  }
  template <class I>
  const element_type& operator[](I i) const {
    detail::check_index("static shared memory", i, N0);
    return items_[i];
  }

  // All elements, row-major and contiguous as in a T[N0][Ns...] array (unchecked).
  T* data() {
    if constexpr (sizeof...(Ns) == 0)
      return items_;
    else
      return items_[0].data();
  }
  const T* data() const { return const_cast<SharedArray*>(this)->data(); }

 private:
  element_type items_[N0];
};

// The block's dynamic shared memory (the launch's smem bytes) seen as an array of T.
// `view + n` is the view from element n on, for kernels that carve several arrays out of it.
template <class T>
class DynamicShared {
 public:
  DynamicShared(T* base, std::size_t size) : base_(base), size_(size) {}

  template <class I>
  T& operator[](I i) const {
    detail::check_index("dynamic shared memory", i, size_);
    return base_[i];
  }
  template <class I>
  DynamicShared operator+(I offset) const {
    detail::check_index("dynamic shared memory offset", offset, size_ + 1);
    return DynamicShared(base_ + offset, size_ - static_cast<std::size_t>(offset));
  }

  T* data() const { return base_; }
  std::size_t size() const { return size_; }

 private:
  T* base_;
  std::size_t size_;
};

template <class T>
DynamicShared<T> dynamic_shared() {
  const detail::Builtins& b = detail::builtins;
  return DynamicShared<T>(reinterpret_cast<T*>(b.smem), b.smem_bytes / sizeof(T));
}

}  // namespace xfv::sim
