// The reduced-precision formats of the tensor-core operations, rounded on the host exactly as
// the GPU's conversions round: TF32 as cvt.rna.tf32.f32 (ties away from zero), bf16 and fp16
// as cvt.rn.{bf16,f16}.f32 (ties to even). sim's mma.cuh and the cpu backend's reduced-
// precision references both use these, so that an operand rounds to the same bits wherever it
// is rounded. Plain C++ (bit operations only, no floating-point environment), host code only:
// kernels round with the PTX instructions themselves (mma.cuh).
#pragma once

#include <cstdint>
#include <cstring>

namespace xfv {

inline std::uint32_t float_bits(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

inline float bits_float(std::uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// TF32: an fp32 bit pattern whose low 13 mantissa bits are zero (10 explicit mantissa bits).
// Rounding to nearest, ties away from zero, is adding half the dropped ulp to the magnitude
// and truncating; a carry moves into the exponent, up to infinity. A NaN stays a (quiet) NaN.
inline std::uint32_t tf32_bits(float x) {
  const std::uint32_t u = float_bits(x);
  constexpr std::uint32_t kDropped = 0x1fffu;
  if ((u & 0x7f800000u) == 0x7f800000u)
    return (u & 0x007fffffu) != 0 ? (u | 0x00400000u) & ~kDropped : u;
  return (u + 0x1000u) & ~kDropped;
}
inline float round_tf32(float x) { return bits_float(tf32_bits(x)); }
inline bool is_tf32(std::uint32_t bits) { return (bits & 0x1fffu) == 0; }

// bf16: the high half of an fp32, rounded to nearest even.
inline std::uint16_t bf16_bits(float x) {
  const std::uint32_t u = float_bits(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x0040u);
  return static_cast<std::uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
inline float bf16_value(std::uint16_t b) { return bits_float(std::uint32_t{b} << 16); }
inline float round_bf16(float x) { return bf16_value(bf16_bits(x)); }

// IEEE binary16, rounded to nearest even: overflow to infinity, subnormals kept.
inline std::uint16_t f16_bits(float x) {
  const std::uint32_t u = float_bits(x);
  const std::uint32_t sign = (u >> 16) & 0x8000u;
  const std::uint32_t a = u & 0x7fffffffu;
  std::uint32_t h;
  if (a > 0x7f800000u) {
    h = 0x7e00u;  // NaN
  } else if (a >= 0x477ff000u) {
    h = 0x7c00u;  // at least 65520: halfway past 65504 or beyond, to infinity (ties to even)
  } else if (a >= 0x38800000u) {
    // Normal: rebias the exponent (127 -> 15) and round off 13 mantissa bits.
    const std::uint32_t r = a - (112u << 23);
    h = (r + 0xfffu + ((r >> 13) & 1u)) >> 13;
  } else if (a <= 0x33000000u) {
    h = 0;  // at most 2^-25, half the least subnormal: ties to even give zero
  } else {
    // Subnormal: the value in units of 2^-24 is the significand shifted right.
    const std::uint32_t m = (a & 0x007fffffu) | 0x00800000u;
    const int shift = 126 - static_cast<int>(a >> 23);
    const std::uint32_t rest = m & ((1u << shift) - 1u), half = 1u << (shift - 1);
    h = m >> shift;
    if (rest > half || (rest == half && (h & 1u))) ++h;
  }
  return static_cast<std::uint16_t>(sign | h);
}

inline float f16_value(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t{h & 0x8000u} << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
  if (exponent == 0) {
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;  // exact
    return bits_float(float_bits(magnitude) | sign);
  }
  if (exponent == 31) return bits_float(sign | 0x7f800000u | (mantissa << 13));
  return bits_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}
inline float round_f16(float x) { return f16_value(f16_bits(x)); }

// The arithmetic of a tensor-core layer: fp32 (CUDA cores; the default and the reference),
// or operands rounded to TF32, bf16 or fp16 as the fragments are built, products accumulated
// in fp32.
enum class Precision : unsigned char { Fp32, Tf32, Bf16, Fp16 };

inline const char* precision_name(Precision p) {
  switch (p) {
    case Precision::Fp32: return "fp32";
    case Precision::Tf32: return "tf32";
    case Precision::Bf16: return "bf16";
    case Precision::Fp16: return "fp16";
  }
  return "?";
}

// Bytes per element of a weight stored at precision `p`: TF32 has no storage format of its
// own (a 32-bit word whose low mantissa bits are zero); bf16 and fp16 are 16 bits.
inline int precision_storage_bytes(Precision p) { return p == Precision::Bf16 || p == Precision::Fp16 ? 2 : 4; }

// The precision called `name` (precision_name's spelling) in *p; false, *p untouched, for
// any other name.
inline bool parse_precision(const char* name, Precision* p) {
  for (Precision q : {Precision::Fp32, Precision::Tf32, Precision::Bf16, Precision::Fp16})
    if (std::strcmp(name, precision_name(q)) == 0) return *p = q, true;
  return false;
}

// An operand as the GPU rounds it at precision `p`: what a cpu reference multiplies (in
// float64) to follow a reduced-precision kernel to the accumulation's rounding.
inline float round_operand(Precision p, float x) {
  switch (p) {
    case Precision::Fp32: return x;
    case Precision::Tf32: return round_tf32(x);
    case Precision::Bf16: return round_bf16(x);
    case Precision::Fp16: return round_f16(x);
  }
  return x;
}

}  // namespace xfv
