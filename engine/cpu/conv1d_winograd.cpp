// Winograd minimal filtering F(4, 5) for Parallel WaveGAN's dilated 1-D convs (kernel 5,
// any dilation d). Outputs o = 4 d b + rho + d i, i < 4 (block b, residue rho < d) form one
// tile: they read the 8 inputs at 4 d b + rho + d j - pad, j < 8, a plain F(4, 5) problem on
// the dilated grid. As in conv2d_winograd.cpp, V = B^T d and U = G g go to a domain where the
// conv is an elementwise product; summed over input channels, one GEMM per point p,
// M[p] (cout x tiles) = U[p] (cout x cin) . V[p] (cin x tiles), and the outputs are A^T M:
// 8 * 4 / (4 * 5) = 2.5 times fewer multiplies than im2col's GEMM.
//
// The transforms are built at startup from the interpolation points 0, +-1, +-2, +-1/2 and
// infinity by the Toom-Cook construction (Lavin & Gray 2016), in double; rounding error
// against float64 is about 5e-7 (relative L2) at cin 64.
#include <array>
#include <cstdint>
#include <vector>

#include "engine/cpu/activation.h"
#include "engine/cpu/conv2d_winograd.h"
#include "engine/cpu/gemm.h"

namespace xfv {
namespace cpu {
namespace {

constexpr int kM = 4, kR = 5, kN = kM + kR - 1;

struct Transforms {
  double at[kM][kN] = {}, g[kN][kR] = {}, bt[kN][kN] = {};

  Transforms() {
    const double pts[kN - 1] = {0, 1, -1, 2, -2, 0.5, -0.5};
    // Ascending coefficients of prod over finite points q != skip of (x - q); skip = -1: all.
    const auto product = [&](int skip, double* c) {
      c[0] = 1;
      int degree = 0;
      for (int q = 0; q < kN - 1; ++q) {
        if (q == skip) continue;
        ++degree;
        for (int k = degree; k >= 0; --k) c[k] = (k > 0 ? c[k - 1] : 0.0) - pts[q] * (k < degree ? c[k] : 0.0);
      }
    };
    for (int j = 0; j < kN - 1; ++j) {
      double norm = 1, power = 1;
      for (int q = 0; q < kN - 1; ++q)
        if (q != j) norm *= pts[j] - pts[q];
      for (int i = 0; i < kM; ++i, power *= pts[j]) at[i][j] = power;
      power = 1;
      for (int k = 0; k < kR; ++k, power *= pts[j]) g[j][k] = power / norm;
      product(j, bt[j]);
    }
    at[kM - 1][kN - 1] = 1;  // the point at infinity
    g[kN - 1][kR - 1] = 1;
    product(-1, bt[kN - 1]);
  }
};

const Transforms& transforms() {
  static const Transforms t;
  return t;
}

}  // namespace

bool winograd1d_applies(const Conv2dDesc& d) {
  // Worth it from a few hundred tiles and a few channels on (below, im2col's one GEMM wins).
  return d.h == 1 && d.kh == 1 && d.kw == kR && d.stride_w == 1 && d.pad_h == 0 && d.out_w() >= 64 * kM &&
         d.cin >= 8 && d.cout >= 8;
}

void conv1d_winograd(const Conv2dArgs& a) {
  const Conv2dDesc& d = a.d;
  const Transforms& t = transforms();
  const int wo = d.out_w(), dil = d.dil_w, span = kM * dil;
  const int64_t blocks = (wo + span - 1) / span, tiles = blocks * dil;
  const int64_t v_size = int64_t{kN} * d.cin * tiles, u_size = int64_t{kN} * d.cout * d.cin;
  float* v = conv_workspace(static_cast<size_t>(v_size + u_size + int64_t{kN} * d.cout * tiles));
  float* u = v + v_size;
  float* mp = u + u_size;

  // U[p][co][ci] = (G g)[p], in double until the one rounding.
#pragma omp parallel for schedule(static)
  for (int64_t f = 0; f < int64_t{d.cout} * d.cin; ++f) {
    const float* w = a.w + f * kR;
    for (int p = 0; p < kN; ++p) {
      double acc = 0;
      for (int k = 0; k < kR; ++k) acc += t.g[p][k] * w[k];
      u[p * int64_t{d.cout} * d.cin + f] = static_cast<float>(acc);
    }
  }
  float bt[kN][kN], at[kM][kN];  // exact in float: small dyadic rationals
  for (int i = 0; i < kN; ++i)
    for (int j = 0; j < kN; ++j) bt[i][j] = static_cast<float>(t.bt[i][j]);
  for (int i = 0; i < kM; ++i)
    for (int j = 0; j < kN; ++j) at[i][j] = static_cast<float>(t.at[i][j]);

  for (int n = 0; n < d.n; ++n) {
    const float* x = a.x + int64_t{n} * d.cin * d.w;
    // V[p][ci][tile] = B^T of the tile's 8 inputs, zero outside the signal.
#pragma omp parallel for schedule(static)
    for (int ci = 0; ci < d.cin; ++ci) {
      const float* row = x + int64_t{ci} * d.w;
      for (int64_t tile = 0; tile < tiles; ++tile) {
        const int64_t first = tile / dil * span + tile % dil - d.pad_w;
        float in[kN];
        for (int j = 0; j < kN; ++j) {
          const int64_t ix = first + int64_t{j} * dil;
          in[j] = ix >= 0 && ix < d.w ? leaky_relu(row[ix], d.input_slope) : 0.f;
        }
        for (int p = 0; p < kN; ++p) {
          float acc = 0;
          for (int j = 0; j < kN; ++j) acc += bt[p][j] * in[j];
          v[(int64_t{p} * d.cin + ci) * tiles + tile] = acc;
        }
      }
    }
    for (int p = 0; p < kN; ++p) {
      float* m = mp + int64_t{p} * d.cout * tiles;
      std::fill(m, m + int64_t{d.cout} * tiles, 0.f);
      sgemm_accumulate(false, d.cout, static_cast<int>(tiles), d.cin, 1.f, u + int64_t{p} * d.cout * d.cin, d.cin,
                       v + int64_t{p} * d.cin * tiles, static_cast<int>(tiles), m, static_cast<int>(tiles));
    }
    // y = alpha * (A^T M + bias) + beta * residual, for the outputs inside the signal.
    float* y = a.y + int64_t{n} * d.cout * wo;
    const float* res = a.residual ? a.residual + int64_t{n} * d.cout * wo : nullptr;
#pragma omp parallel for schedule(static)
    for (int co = 0; co < d.cout; ++co) {
      const float bias = a.bias ? a.bias[co] : 0.f;
      for (int64_t tile = 0; tile < tiles; ++tile) {
        const int64_t first = tile / dil * span + tile % dil;
        float mv[kN];
        for (int p = 0; p < kN; ++p) mv[p] = mp[(int64_t{p} * d.cout + co) * tiles + tile];
        for (int i = 0; i < kM; ++i) {
          const int64_t o = first + int64_t{i} * dil;
          if (o >= wo) break;
          float acc = 0;
          for (int p = 0; p < kN; ++p) acc += at[i][p] * mv[p];
          const int64_t at_o = int64_t{co} * wo + o;
          y[at_o] = d.alpha * (acc + bias) + (res ? d.beta * res[at_o] : 0.f);
        }
      }
    }
  }
}

}  // namespace cpu
}  // namespace xfv
