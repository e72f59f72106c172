// Counter-based standard normal numbers, the same bits on the host and on the device:
// Philox4x32-10 (Salmon et al., Random123) and Box-Muller in double precision.
//
// Element i of the stream for `seed` is component i % 4 of normal4(seed, i / 4). The
// transforms run in double and round to float once, so that host and device agree to the
// last float bit (float transcendentals of glibc and CUDA differ there): sqrt is correctly
// rounded on both, log within an ulp of double on both, and sin/cos are our own.
// Plain C++ apart from XFV_HD, so that the cpu backend includes this file from g++ code.
#pragma once

#include <cmath>
#include <cstdint>

#include "host_device.h"

namespace xfv {

struct Philox4 {
  uint32_t v[4];
};
struct Normal4 {
  float v[4];
};

// The high 32 bits of a 32x32 product, through a portable 64-bit multiply.
XFV_HD inline uint32_t philox_mulhi(uint32_t a, uint32_t b) {
  return static_cast<uint32_t>((static_cast<uint64_t>(a) * b) >> 32);
}

XFV_HD inline Philox4 philox4x32_10(Philox4 ctr, uint32_t k0, uint32_t k1) {
  uint32_t c0 = ctr.v[0], c1 = ctr.v[1], c2 = ctr.v[2], c3 = ctr.v[3];
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {  // Weyl key schedule between rounds
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const uint32_t hi0 = philox_mulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
    const uint32_t hi1 = philox_mulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
  }
  return {{c0, c1, c2, c3}};
}

// sin and cos of (pi/2) t for t in [0, 4]. The quarter turns come off exactly; Taylor
// polynomials on [-pi/4, pi/4] do the rest to about an ulp of double. The library sin/cos
// would do as well but CUDA's keep a Payne-Hanek slow path with a local-memory frame.
// Every multiply-add is an explicit fma, so that host and device round alike.
struct SinCos {
  double s, c;
};
XFV_HD inline SinCos sincos_quarter_turns(double t) {
  const int q = static_cast<int>(t + 0.5);
  const double a = (t - q) * 1.5707963267948966;  // exact t - q; |a| <= pi/4
  const double x = a * a;
  double ps = 2.8114572543455206e-15;  // (-1)^n / (2n+1)!, n = 8 .. 1
  ps = ::fma(ps, x, -7.647163731819816e-13);
  ps = ::fma(ps, x, 1.6059043836821613e-10);
  ps = ::fma(ps, x, -2.505210838544172e-08);
  ps = ::fma(ps, x, 2.7557319223985893e-06);
  ps = ::fma(ps, x, -0.0001984126984126984);
  ps = ::fma(ps, x, 0.008333333333333333);
  ps = ::fma(ps, x, -0.16666666666666666);
  double pc = 4.779477332387385e-14;  // (-1)^n / (2n)!, n = 8 .. 1
  pc = ::fma(pc, x, -1.1470745597729725e-11);
  pc = ::fma(pc, x, 2.08767569878681e-09);
  pc = ::fma(pc, x, -2.755731922398589e-07);
  pc = ::fma(pc, x, 2.48015873015873e-05);
  pc = ::fma(pc, x, -0.001388888888888889);
  pc = ::fma(pc, x, 0.041666666666666664);
  pc = ::fma(pc, x, -0.5);
  const double sin_a = ::fma(a * x, ps, a), cos_a = ::fma(x, pc, 1.0);
  switch (q & 3) {
    case 0: return {sin_a, cos_a};
    case 1: return {cos_a, -sin_a};
    case 2: return {-sin_a, -cos_a};
    default: return {-cos_a, sin_a};
  }
}

// Four standard normals from counter c: ctr = {lo(c), hi(c), 0, 0}, key = {lo(seed),
// hi(seed)}; uniforms u = (r + 0.5) 2^-32 in (0, 1); z = sqrt(-2 ln u0) (cos, sin)(2 pi u1),
// and likewise from (u2, u3).
XFV_HD inline Normal4 normal4(uint64_t seed, uint64_t c) {
  const Philox4 ctr = {{static_cast<uint32_t>(c), static_cast<uint32_t>(c >> 32), 0u, 0u}};
  const Philox4 r =
      philox4x32_10(ctr, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
  const double to_unit = 2.3283064365386962890625e-10;  // 2^-32; u and 4 u are exact
  Normal4 z;
  for (int k = 0; k < 4; k += 2) {
    const double u0 = (static_cast<double>(r.v[k]) + 0.5) * to_unit;
    const double u1 = (static_cast<double>(r.v[k + 1]) + 0.5) * to_unit;
    const double radius = ::sqrt(-2.0 * ::log(u0));
    const SinCos sc = sincos_quarter_turns(4.0 * u1);
    z.v[k] = static_cast<float>(radius * sc.c);
    z.v[k + 1] = static_cast<float>(radius * sc.s);
  }
  return z;
}

XFV_HD inline float philox_normal(uint64_t seed, uint64_t i) {
  const Normal4 z = normal4(seed, i / 4);
  return z.v[i % 4];
}

}  // namespace xfv
