// Math and bit intrinsics, min/max and atomics of sim. Included by cuda_sim.h.
// The fast-math intrinsics map to the exact host functions: sim checks logic, not the last
// ulp. Standard <cmath> functions (expf, tanhf, ...) come from the host library as they are.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace xfv::sim {

// ---- math --------------------------------------------------------------------------------
inline float __expf(float x) { return std::exp(x); }
inline float __exp10f(float x) { return std::pow(10.0f, x); }
inline float __logf(float x) { return std::log(x); }
inline float __log2f(float x) { return std::log2(x); }
inline float __sinf(float x) { return std::sin(x); }
inline float __cosf(float x) { return std::cos(x); }
inline float __tanf(float x) { return std::tan(x); }
inline float __powf(float x, float y) { return std::pow(x, y); }
inline float __fdividef(float x, float y) { return x / y; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline float __frsqrt_rn(float x) { return 1.0f / std::sqrt(x); }
inline float __fsqrt_rn(float x) { return std::sqrt(x); }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __saturatef(float x) { return x >= 1.0f ? 1.0f : (x > 0.0f ? x : 0.0f); }  // NaN -> 0
inline float __fmaf_rn(float x, float y, float z) { return std::fma(x, y, z); }
inline float __fmul_rn(float x, float y) { return x * y; }
inline float __fadd_rn(float x, float y) { return x + y; }
inline float __fsub_rn(float x, float y) { return x - y; }
inline int __float2int_rn(float x) { return static_cast<int>(std::nearbyint(x)); }
inline int __float2int_rz(float x) { return static_cast<int>(x); }
inline float __int2float_rn(int x) { return static_cast<float>(x); }

// ---- bits --------------------------------------------------------------------------------
inline unsigned __float_as_uint(float x) {
  unsigned u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
inline float __uint_as_float(unsigned u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}
inline int __float_as_int(float x) { return static_cast<int>(__float_as_uint(x)); }
inline float __int_as_float(int i) { return __uint_as_float(static_cast<unsigned>(i)); }

inline unsigned __umulhi(unsigned a, unsigned b) {
  return static_cast<unsigned>((static_cast<std::uint64_t>(a) * b) >> 32);
}
inline int __mulhi(int a, int b) {
  return static_cast<int>((static_cast<std::int64_t>(a) * b) >> 32);
}
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
  return static_cast<unsigned long long>((static_cast<unsigned __int128>(a) * b) >> 64);
}
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
inline int __clzll(long long x) {
  return x == 0 ? 64 : __builtin_clzll(static_cast<unsigned long long>(x));
}
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __ffsll(long long x) { return __builtin_ffsll(x); }
inline unsigned __brev(unsigned x) {
  x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
  x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
  x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
  return __builtin_bswap32(x);
}

// Global memory is host memory, coherent anyway.
template <class T>
T __ldg(const T* p) {
  return *p;
}

// ---- min / max: CUDA's overload set, in xfv::sim so that std::min stays untouched --------
namespace detail {
// Both operands converted to the result type first, as C++ (and CUDA) would for a < b.
template <class R, class A, class B>
R min_of(A a, B b) {
  return static_cast<R>(a) < static_cast<R>(b) ? static_cast<R>(a) : static_cast<R>(b);
}
template <class R, class A, class B>
R max_of(A a, B b) {
  return static_cast<R>(a) > static_cast<R>(b) ? static_cast<R>(a) : static_cast<R>(b);
}
}  // namespace detail
#define XFV_SIM_MINMAX(A, B, R)                                         \
  inline R min(A a, B b) { return detail::min_of<R>(a, b); } \
  inline R max(A a, B b) { return detail::max_of<R>(a, b); }
XFV_SIM_MINMAX(int, int, int)
XFV_SIM_MINMAX(unsigned, unsigned, unsigned)
XFV_SIM_MINMAX(int, unsigned, unsigned)
XFV_SIM_MINMAX(unsigned, int, unsigned)
XFV_SIM_MINMAX(long, long, long)
XFV_SIM_MINMAX(unsigned long, unsigned long, unsigned long)
XFV_SIM_MINMAX(long, unsigned long, unsigned long)
XFV_SIM_MINMAX(unsigned long, long, unsigned long)
XFV_SIM_MINMAX(long long, long long, long long)
XFV_SIM_MINMAX(unsigned long long, unsigned long long, unsigned long long)
XFV_SIM_MINMAX(long long, unsigned long long, unsigned long long)
XFV_SIM_MINMAX(unsigned long long, long long, unsigned long long)
#undef XFV_SIM_MINMAX
// Floating point goes through fmin/fmax, which return the other operand for a NaN.
inline float min(float a, float b) { return std::fmin(a, b); }
inline float max(float a, float b) { return std::fmax(a, b); }
inline double min(double a, double b) { return std::fmin(a, b); }
inline double max(double a, double b) { return std::fmax(a, b); }
inline double min(float a, double b) { return std::fmin(double(a), b); }
inline double max(float a, double b) { return std::fmax(double(a), b); }
inline double min(double a, float b) { return std::fmin(a, double(b)); }
inline double max(double a, float b) { return std::fmax(a, double(b)); }

// ---- atomics: blocks run on several workers at once, so these are real atomics ------------
#define XFV_SIM_FETCH_OP(NAME, BUILTIN, T) \
  inline T NAME(T* p, T v) { return BUILTIN(p, v, __ATOMIC_SEQ_CST); }
XFV_SIM_FETCH_OP(atomicAdd, __atomic_fetch_add, int)
XFV_SIM_FETCH_OP(atomicAdd, __atomic_fetch_add, unsigned)
XFV_SIM_FETCH_OP(atomicAdd, __atomic_fetch_add, unsigned long long)
XFV_SIM_FETCH_OP(atomicSub, __atomic_fetch_sub, int)
XFV_SIM_FETCH_OP(atomicSub, __atomic_fetch_sub, unsigned)
XFV_SIM_FETCH_OP(atomicAnd, __atomic_fetch_and, int)
XFV_SIM_FETCH_OP(atomicAnd, __atomic_fetch_and, unsigned)
XFV_SIM_FETCH_OP(atomicOr, __atomic_fetch_or, int)
XFV_SIM_FETCH_OP(atomicOr, __atomic_fetch_or, unsigned)
XFV_SIM_FETCH_OP(atomicXor, __atomic_fetch_xor, int)
XFV_SIM_FETCH_OP(atomicXor, __atomic_fetch_xor, unsigned)
XFV_SIM_FETCH_OP(atomicExch, __atomic_exchange_n, int)
XFV_SIM_FETCH_OP(atomicExch, __atomic_exchange_n, unsigned)
#undef XFV_SIM_FETCH_OP

namespace detail {
// Read-modify-write by compare-and-swap, for what has no fetch builtin.
template <class T, class F>
T atomic_update(T* p, F f) {
  T old;
  __atomic_load(p, &old, __ATOMIC_RELAXED);
  T desired = f(old);
  while (!__atomic_compare_exchange(p, &old, &desired, true, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
    desired = f(old);
  return old;
}

template <class T>
T compare_and_swap(T* p, T compare, T value) {
  __atomic_compare_exchange_n(p, &compare, value, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  return compare;  // on failure the builtin stored the current value there
}
}  // namespace detail

inline float atomicAdd(float* p, float v) {
  return detail::atomic_update(p, [v](float x) { return x + v; });
}
inline double atomicAdd(double* p, double v) {
  return detail::atomic_update(p, [v](double x) { return x + v; });
}
inline float atomicExch(float* p, float v) {
  float old;
  __atomic_exchange(p, &v, &old, __ATOMIC_SEQ_CST);
  return old;
}
inline int atomicMax(int* p, int v) {
  return detail::atomic_update(p, [v](int x) { return x > v ? x : v; });
}
inline unsigned atomicMax(unsigned* p, unsigned v) {
  return detail::atomic_update(p, [v](unsigned x) { return x > v ? x : v; });
}
inline int atomicMin(int* p, int v) {
  return detail::atomic_update(p, [v](int x) { return x < v ? x : v; });
}
inline unsigned atomicMin(unsigned* p, unsigned v) {
  return detail::atomic_update(p, [v](unsigned x) { return x < v ? x : v; });
}

inline int atomicCAS(int* p, int compare, int value) {
  return detail::compare_and_swap(p, compare, value);
}
inline unsigned atomicCAS(unsigned* p, unsigned compare, unsigned value) {
  return detail::compare_and_swap(p, compare, value);
}
inline unsigned long long atomicCAS(unsigned long long* p, unsigned long long compare,
                                    unsigned long long value) {
  return detail::compare_and_swap(p, compare, value);
}

inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

}  // namespace xfv::sim
