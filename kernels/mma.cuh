// Tensor-core warp operations (sm_80 and later): mma.sync for TF32 (m16n8k8) and for bf16 and
// fp16 (m16n8k16), fp32 accumulate, row-major A and column-major B; ldmatrix (m8n8, .x1/.x2/.x4,
// .trans) from shared memory; and the conversions that make their operands.
//
// Under nvcc each is the PTX instruction. Under sim (sim/matrix.cpp) each is a warp collective:
// all 32 lanes of the warp must reach the same call, as .sync.aligned demands (a lane that
// has exited, or waits elsewhere, fails the launch with a report), and the operation places
// every lane's registers by the PTX ISA's per-lane fragment layouts, so that a kernel that
// builds its fragments by another layout gets wrong numbers on sim as on a GPU. Not wmma,
// whose fragment layouts are unspecified.
//
// Fragments (PTX ISA, "Matrix Fragments for mma.m16n8k8" and "... for mma.m16n8k16 with
// floating point type"), with g = lane >> 2 and t = lane % 4:
//   m16n8k8 .tf32: a[i] = A[g + 8 (i & 1)][t + 4 (i >> 1)]   (i < 4, from to_tf32)
//                  b[i] = B[t + 4 i][g]                       (i < 2)
//   m16n8k16 .bf16/.f16, element e (register e / 2, low half first; pack_bf16x2/pack_f16x2,
//                  or pack_k16_pair<P> and mma_m16n8k16<P> for code templated on the precision):
//                  A[g + 8 ((e >> 1) & 1)][2 t + (e & 1) + 8 (e >> 2)]   (e < 8)
//                  B[2 t + (e & 1) + 8 (e >> 1)][g]                       (e < 4)
//   C, D (f32):    c[i] = C[g + 8 (i >> 1)][2 t + (i & 1)]    (i < 4)
// ldmatrix: lane 8 j + q supplies the address of row q of matrix j (16 bytes, 16-byte
// aligned, in shared memory); register j of lane l receives row g, columns 2 t and 2 t + 1 of
// matrix j (low half first), or with .trans rows 2 t and 2 t + 1 of column g. So .x4 on the
// four 8x8 quarters of a row-major 16x16 A tile (rows 0-7 and 8-15 of columns 0-7, then of
// columns 8-15) gives a m16n8k16 A fragment, and .x2.trans on a row-major 16x8 B tile (k
// rows 0-7, then 8-15) its B fragment.
#pragma once

#include <cstdint>

#include "common.cuh"
#include "precision.h"
#include "shared_row.cuh"

#if defined(XFV_SIM)
#include "sim/matrix.h"
// The call site, for sim's reports and its rule that a warp meets at one call.
#define XFV_MMA_SITE , const char* file = __builtin_FILE(), int line = __builtin_LINE()
#define XFV_MMA_SITE_ARGS , file, line
#else
#define XFV_MMA_SITE
#define XFV_MMA_SITE_ARGS
// One mma.sync of the m16n8 shapes here: every one takes 4 A, 2 B and 4 C/D registers.
#define XFV_MMA_ASM(instruction)                                                            \
  asm volatile(instruction " {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "                \
                           "{%10, %11, %12, %13};"                                          \
               : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])                             \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]),          \
                 "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]))
#endif

namespace xfv {
namespace XFV_DEVICE_NS {

// ---- operands ---------------------------------------------------------------------------

// x rounded to TF32 as cvt.rna.tf32.f32 does (nearest, ties away from zero): the register
// an m16n8k8 .tf32 fragment holds.
__device__ __forceinline__ std::uint32_t to_tf32(float x) {
#if defined(XFV_SIM)
  return ::xfv::tf32_bits(x);
#else
  std::uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
  return r;
#endif
}

// Two values rounded to nearest even and packed, `lo` in the low half: a .bf16x2 or .f16x2
// fragment register.
__device__ __forceinline__ std::uint32_t pack_bf16x2(float lo, float hi) {
#if defined(XFV_SIM)
  return ::xfv::bf16_bits(lo) | std::uint32_t{::xfv::bf16_bits(hi)} << 16;
#else
  std::uint32_t r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));  // a goes high
  return r;
#endif
}

__device__ __forceinline__ std::uint32_t pack_f16x2(float lo, float hi) {
#if defined(XFV_SIM)
  return ::xfv::f16_bits(lo) | std::uint32_t{::xfv::f16_bits(hi)} << 16;
#else
  std::uint32_t r;
  asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
#endif
}

// ---- mma.sync: d = a * b + c over the warp (d may be c) ----------------------------------

__device__ __forceinline__ void mma_m16n8k8_tf32(float (&d)[4], const std::uint32_t (&a)[4],
                                                 const std::uint32_t (&b)[2],
                                                 const float (&c)[4] XFV_MMA_SITE) {
#if defined(XFV_SIM)
  detail::mma_sync(detail::MmaShape::M16N8K8Tf32, d, a, b, c, file, line);
#else
  XFV_MMA_ASM("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32");
#endif
}

__device__ __forceinline__ void mma_m16n8k16_bf16(float (&d)[4], const std::uint32_t (&a)[4],
                                                  const std::uint32_t (&b)[2],
                                                  const float (&c)[4] XFV_MMA_SITE) {
#if defined(XFV_SIM)
  detail::mma_sync(detail::MmaShape::M16N8K16Bf16, d, a, b, c, file, line);
#else
  XFV_MMA_ASM("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32");
#endif
}

__device__ __forceinline__ void mma_m16n8k16_f16(float (&d)[4], const std::uint32_t (&a)[4],
                                                 const std::uint32_t (&b)[2],
                                                 const float (&c)[4] XFV_MMA_SITE) {
#if defined(XFV_SIM)
  detail::mma_sync(detail::MmaShape::M16N8K16F16, d, a, b, c, file, line);
#else
  XFV_MMA_ASM("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32");
#endif
}

// ---- m16n8k16 at a precision P (bf16 or fp16), for code templated on it ------------------

// The fragment register of two adjacent operands rounded as P's m16n8k16 takes them, `lo` in
// the low half.
template <Precision P>
__device__ __forceinline__ std::uint32_t pack_k16_pair(float lo, float hi) {
  static_assert(P == Precision::Bf16 || P == Precision::Fp16, "m16n8k16 takes bf16 or fp16");
  if constexpr (P == Precision::Bf16)
    return pack_bf16x2(lo, hi);
  else
    return pack_f16x2(lo, hi);
}

// The fp32 value of an operand stored as P's 16 bits (precision.h's bf16_bits, f16_bits):
// exact, so pack_k16_pair<P> gives the stored bits back.
template <Precision P>
__device__ __forceinline__ float unpack_k16(std::uint16_t bits) {
  static_assert(P == Precision::Bf16 || P == Precision::Fp16, "m16n8k16 takes bf16 or fp16");
#if defined(XFV_SIM)
  return P == Precision::Bf16 ? ::xfv::bf16_value(bits) : ::xfv::f16_value(bits);
#else
  if constexpr (P == Precision::Bf16) {
    return __uint_as_float(std::uint32_t{bits} << 16);
  } else {
    float r;
    asm("cvt.f32.f16 %0, %1;" : "=f"(r) : "h"(bits));
    return r;
  }
#endif
}

// The call site passes through to the instruction (sim: a warp meets at one call).
template <Precision P>
__device__ __forceinline__ void mma_m16n8k16(float (&d)[4], const std::uint32_t (&a)[4],
                                             const std::uint32_t (&b)[2],
                                             const float (&c)[4] XFV_MMA_SITE) {
  static_assert(P == Precision::Bf16 || P == Precision::Fp16, "m16n8k16 takes bf16 or fp16");
  if constexpr (P == Precision::Bf16)
    mma_m16n8k16_bf16(d, a, b, c XFV_MMA_SITE_ARGS);
  else
    mma_m16n8k16_f16(d, a, b, c XFV_MMA_SITE_ARGS);
}

// ---- ldmatrix: N (1, 2 or 4) 8x8 matrices of 16-bit elements from shared memory -----------
// Each lane's row is the 16 bytes at `smem[index]` (shared_row.cuh: under sim, bounds-checked).

namespace mma_detail {

#if defined(XFV_SIM)
template <int N, bool Trans, class Shared>
void ldmatrix(std::uint32_t (&r)[N], const Shared& smem, int index, const char* file, int line) {
  // Lanes past 8 N supply no address: the instruction does not read theirs.
  const void* row = detail::lane_id() < 8 * N ? shared_row<16>(smem, index) : nullptr;
  detail::ldmatrix_sync(N, Trans, r, row, file, line);
}
#else
#define XFV_LDMATRIX_ASM(shape, outputs, ...)                                  \
  asm volatile("ldmatrix.sync.aligned.m8n8." shape ".shared.b16 " outputs ";" \
               : __VA_ARGS__                                                   \
               : "r"(address)                                                  \
               : "memory")
template <int N, bool Trans, class Shared>
__device__ __forceinline__ void ldmatrix(std::uint32_t (&r)[N], const Shared& smem, int index) {
  const auto address =
      static_cast<std::uint32_t>(__cvta_generic_to_shared(shared_row<16>(smem, index)));
  if constexpr (N == 1 && Trans) XFV_LDMATRIX_ASM("x1.trans", "{%0}, [%1]", "=r"(r[0]));
  if constexpr (N == 1 && !Trans) XFV_LDMATRIX_ASM("x1", "{%0}, [%1]", "=r"(r[0]));
  if constexpr (N == 2 && Trans)
    XFV_LDMATRIX_ASM("x2.trans", "{%0, %1}, [%2]", "=r"(r[0]), "=r"(r[1]));
  if constexpr (N == 2 && !Trans) XFV_LDMATRIX_ASM("x2", "{%0, %1}, [%2]", "=r"(r[0]), "=r"(r[1]));
  if constexpr (N == 4 && Trans)
    XFV_LDMATRIX_ASM("x4.trans", "{%0, %1, %2, %3}, [%4]", "=r"(r[0]), "=r"(r[1]), "=r"(r[2]),
                     "=r"(r[3]));
  if constexpr (N == 4 && !Trans)
    XFV_LDMATRIX_ASM("x4", "{%0, %1, %2, %3}, [%4]", "=r"(r[0]), "=r"(r[1]), "=r"(r[2]),
                     "=r"(r[3]));
}
#undef XFV_LDMATRIX_ASM
#endif

}  // namespace mma_detail

template <int N, class Shared>
__device__ __forceinline__ void ldmatrix(std::uint32_t (&r)[N], const Shared& smem,
                                         int index XFV_MMA_SITE) {
  static_assert(N == 1 || N == 2 || N == 4, "ldmatrix loads 1, 2 or 4 matrices");
  mma_detail::ldmatrix<N, false>(r, smem, index XFV_MMA_SITE_ARGS);
}

template <int N, class Shared>
__device__ __forceinline__ void ldmatrix_trans(std::uint32_t (&r)[N], const Shared& smem,
                                               int index XFV_MMA_SITE) {
  static_assert(N == 1 || N == 2 || N == 4, "ldmatrix loads 1, 2 or 4 matrices");
  mma_detail::ldmatrix<N, true>(r, smem, index XFV_MMA_SITE_ARGS);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv

#undef XFV_MMA_SITE
#undef XFV_MMA_SITE_ARGS
#undef XFV_MMA_ASM
