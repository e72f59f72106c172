// Winograd minimal filtering F(m, r) along the dilated time axis of a 1-D conv (kernel r,
// stride 1, dilation d, any padding, a negative one cropping): the vocoders' dilated convs.
//
// Tiles. Tile t holds the m outputs o = m t + d i, i < m: one F(m, r) problem on the dilated
// grid, reading the n = m + r - 1 inputs m t + d j - pad, j < n. With gcd(m, d) = 1 these
// tiles partition the outputs (output o sits at i = o d^-1 mod m), and the partition repeats
// with period m, so an output's tile and its place in it depend only on o mod m: a window of
// the signal that starts at a multiple of m (the vocoders' windows start at frame boundaries:
// multiples of 8 samples for HiFi-GAN, of 300 for Parallel WaveGAN) gives every output the
// same arithmetic, hence the same bits, as the whole run. m is therefore a power of two for
// odd dilations and odd for even ones (Parallel WaveGAN's 2, 4, ..., 512).
//
// Vectors. Consecutive tiles t, t + 1, ... read their tap j at a stride of m: for a run of
// tiles, each tap is first gathered into a contiguous row (with the input activation and zero
// padding), so that V[p] = sum_j B^T[p][j] tap_j is a loop of contiguous AXPYs the compiler
// vectorizes. Where the taps' reach is short (small dilations), the input is instead split
// once into its m phases x[m c + ph], each tap a contiguous piece of one of them: m values
// gathered per tile instead of n. The output transform likewise computes row i of A^T M for
// a run of tiles into a contiguous row; the m rows then fill their outputs together, m
// contiguous values per tile (output i of tile t is at m t + d i, whose residue mod m names
// i), and only the run's ends are scattered at a stride of m (the scatter alone had taken
// half of this file's time: Parallel WaveGAN 3.5% and HiFi-GAN 5% faster without it).
//
// GEMMs. Summed over input channels, one GEMM per point p, M[p] (cout x tiles) = U[p] (cout x
// cin) . V[p] (cin x tiles), U = G g. The tiles go in chunks whose V and M stay in a core's
// cache, one chunk per thread at a time. A tile's outputs depend on its inputs and the
// GEMM's order of summation over cin, not on the chunking.
//
// Long kernels (HiFi-GAN's 7 and 11). Split into groups of r = m taps, the last padded with
// zeros: taps g m .. g m + m - 1 of tile t read what taps 0 .. m - 1 of tile t + d g read
// (m (t + d g) = m t + d g m), so one input transform serves every group, the groups' products
// sum in the transformed domain, M[p] = sum over g of U_g[p] . V[p] shifted by d g tiles (one
// GEMM over groups x cin, which reads each channel's row of V once per group at its shift:
// GemmRows), and one output transform follows: F(4, 4) in 3 groups does 21 multiplies per 4 outputs of a
// kernel 11 (0.48 of direct) with transforms as cheap as F(4, 3)'s. A zero-padded tap's input
// still enters the rounding, hence Winograd1dScheme::overhang.
//
// The transforms come from the interpolation points by the Toom-Cook construction (Lavin &
// Gray 2016), in double. Rounding error against float64 per scheme: docs/kernels.md.
#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "engine/cpu/activation.h"
#include "engine/cpu/conv2d_winograd.h"
#include "engine/cpu/gemm.h"

namespace xfv {
namespace cpu {
namespace {

// The schemes, tried in order for a conv's kernel: the first whose m is coprime to the
// dilation runs it. Points: 0, +-1, +-2, +-1/2 and infinity keep float32 error near 1e-6;
// the schemes that need more points (F(4, 7), F(2, 11), F(8, 3)) reach 5e-6 to 2e-5 and are
// left out (docs/kernels.md).
constexpr Winograd1dScheme kSchemes[] = {
    {4, 3, 1},  // odd dilations: HiFi-GAN's resblocks
    {4, 5, 1},  // odd dilations: Parallel WaveGAN's d = 1
    {3, 5, 1},  // even dilations: Parallel WaveGAN's d = 2 ... 512
    {4, 4, 2},  // kernels 6 to 8, odd dilations: HiFi-GAN's resblocks and conv_pre
    {4, 4, 3},  // kernels 9 to 12, odd dilations: HiFi-GAN's resblocks
};

bool covers(const Winograd1dScheme& s, int kernel) {
  return s.groups == 1 ? kernel == s.r : kernel > (s.groups - 1) * s.r && kernel <= s.groups * s.r;
}

constexpr int kMaxPoints = 8;  // n = m + r - 1 of the schemes above

struct Transforms {
  int m, r, n;
  std::vector<double> at, g, bt;  // row-major m x n, n x r, n x n

  Transforms(int m_, int r_) : m(m_), r(r_), n(m_ + r_ - 1), at(m * n), g(n * r), bt(n * n) {
    const double all_points[] = {0, 1, -1, 2, -2, 0.5, -0.5};
    const int finite = n - 1;  // and the point at infinity
    const double* pts = all_points;
    // Ascending coefficients of prod over finite points q != skip of (x - q); skip = -1: all.
    const auto product = [&](int skip, double* c) {
      c[0] = 1;
      int degree = 0;
      for (int q = 0; q < finite; ++q) {
        if (q == skip) continue;
        ++degree;
        for (int k = degree; k >= 0; --k) c[k] = (k > 0 ? c[k - 1] : 0.0) - pts[q] * (k < degree ? c[k] : 0.0);
      }
    };
    for (int j = 0; j < finite; ++j) {
      double norm = 1, power = 1;
      for (int q = 0; q < finite; ++q)
        if (q != j) norm *= pts[j] - pts[q];
      for (int i = 0; i < m; ++i, power *= pts[j]) at[i * n + j] = power;
      power = 1;
      for (int k = 0; k < r; ++k, power *= pts[j]) g[j * r + k] = power / norm;
      product(j, &bt[j * n]);
    }
    at[(m - 1) * n + n - 1] = 1;  // the point at infinity
    g[(n - 1) * r + r - 1] = 1;
    product(-1, &bt[(n - 1) * n]);
  }
};

const Transforms& transforms(Winograd1dScheme s) {
  static const std::vector<Transforms> all = [] {
    std::vector<Transforms> t;
    for (const Winograd1dScheme& k : kSchemes) t.emplace_back(k.m, k.r);
    return t;
  }();
  for (const Transforms& t : all)
    if (t.m == s.m && t.r == s.r) return t;
  return all.front();  // unreachable: s comes from kSchemes
}

// out[r][c] = sum over k < N of coef[r][k] in[k][c], r < rows, c < cols: a transform applied
// to a run of tiles, vectorized over the tiles, each sum kept in a register.
template <int N>
void combine_rows(const float* coef, int rows, const float* const* in, float* __restrict out, int64_t out_stride,
                  int64_t cols) {
  for (int r = 0; r < rows; ++r, coef += N, out += out_stride)
    for (int64_t c = 0; c < cols; ++c) {
      float acc = 0;
      for (int k = 0; k < N; ++k) acc += coef[k] * in[k][c];
      out[c] = acc;
    }
}

using CombineRows = void (*)(const float*, int, const float* const*, float*, int64_t, int64_t);

CombineRows combine_rows_for(int n) { return n == 6 ? combine_rows<6> : n == 7 ? combine_rows<7> : combine_rows<8>; }

int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

// y[M K + r] = alpha (row_r[K] + bias) + beta res[M K + r] for K in [k0, k1), r < M: the output
// rows of a run of tiles interleaved into the contiguous outputs they fill (row_r: the row
// whose outputs have residue r mod M, offset to its tiles), M values stored together instead
// of each row scattered at a stride of M. Each output's arithmetic is the scatter's, so are
// its bits (without a residual, + 0.f as there).
template <int M>
void interleave_rows(const float* const* row, int64_t k0, int64_t k1, float alpha, float bias, float beta,
                     const float* __restrict res, float* __restrict y) {
  const float* r[M];
  for (int i = 0; i < M; ++i) r[i] = row[i];
  if (res) {
    for (int64_t k = k0; k < k1; ++k)
      for (int i = 0; i < M; ++i) y[M * k + i] = alpha * (r[i][k] + bias) + beta * res[M * k + i];
  } else {
    for (int64_t k = k0; k < k1; ++k)
      for (int i = 0; i < M; ++i) y[M * k + i] = alpha * (r[i][k] + bias) + 0.f;
  }
}

}  // namespace

Winograd1dScheme winograd1d_scheme(const Conv2dDesc& d) {
  if (d.h != 1 || d.kh != 1 || d.pad_h != 0 || d.stride_w != 1 || d.cin < 8 || d.cout < 8) return {};
  for (Winograd1dScheme s : kSchemes)
    if (covers(s, d.kw) && std::gcd(s.m, d.dil_w) == 1) {
      s.overhang = s.m - 1 + s.groups * s.r - d.kw;
      return s;
    }
  return {};
}

std::string winograd1d_name(Winograd1dScheme s) {
  const std::string f = "F(" + std::to_string(s.m) + "," + std::to_string(s.r) + ")";
  return s.groups > 1 ? f + "x" + std::to_string(s.groups) : f;
}

size_t winograd1d_weights_size(const Conv2dDesc& d, Winograd1dScheme scheme) {
  return static_cast<size_t>(scheme.groups) * (scheme.m + scheme.r - 1) * d.cout * d.cin;
}

void winograd1d_weights(const Conv2dDesc& d, Winograd1dScheme scheme, const float* w, float* u) {
  const Transforms& t = transforms(scheme);
  const int n = t.n, r = t.r;
  const int64_t filters = int64_t{d.cout} * d.cin;
  // U[p][co][group][ci] = (G g_group)[p], g_group the group's r taps (zero past the kernel),
  // in double until the one rounding.
#pragma omp parallel for schedule(static)
  for (int64_t f = 0; f < filters; ++f)
    for (int group = 0; group < scheme.groups; ++group) {
      const float* g = w + f * d.kw + group * r;
      const int taps = std::min(r, d.kw - group * r);
      const int64_t co = f / d.cin, ci = f % d.cin;
      for (int p = 0; p < n; ++p) {
        double acc = 0;
        for (int k = 0; k < taps; ++k) acc += t.g[p * r + k] * g[k];
        u[((p * int64_t{d.cout} + co) * scheme.groups + group) * d.cin + ci] = static_cast<float>(acc);
      }
    }
}

namespace {

// U's points, each a (cout x groups cin) matrix, packed for sgemm_accumulate_packed.
size_t packed_points_size(const Conv2dDesc& d, Winograd1dScheme scheme) {
  return static_cast<size_t>(scheme.m + scheme.r - 1) * packed_a_size(d.cout, scheme.groups * d.cin);
}

void pack_points(const Conv2dDesc& d, Winograd1dScheme scheme, const float* u, float* packed) {
  const int points = scheme.m + scheme.r - 1, k_total = scheme.groups * d.cin;
  for (int p = 0; p < points; ++p)
    pack_a(d.cout, k_total, u + int64_t{p} * d.cout * k_total, k_total, packed + p * packed_a_size(d.cout, k_total));
}

}  // namespace

size_t winograd1d_prepared_size(const Conv2dDesc& d, Winograd1dScheme scheme) {
  return packed_a_rows() > 0 ? packed_points_size(d, scheme) : winograd1d_weights_size(d, scheme);
}

void winograd1d_prepare(const Conv2dDesc& d, Winograd1dScheme scheme, const float* w, float* prepared) {
  if (packed_a_rows() == 0) return winograd1d_weights(d, scheme, w, prepared);
  std::vector<float> u(winograd1d_weights_size(d, scheme));
  winograd1d_weights(d, scheme, w, u.data());
  pack_points(d, scheme, u.data(), prepared);
}

void conv1d_winograd(const Conv2dArgs& a, Winograd1dScheme scheme, const float* transformed) {
  const Conv2dDesc& d = a.d;
  const Transforms& t = transforms(scheme);
  const int m = t.m, n = t.n, dil = d.dil_w;
  const int64_t wo = d.out_w();
  // The grid is the whole signal's (Conv2dDesc::origin_w): output o is output o + shift of a
  // conv whose output 0 starts a tile, padded by pad_w + shift.
  const int shift = static_cast<int>((d.origin_w % m + m) % m);
  const int64_t wv = wo + shift;
  // Tiles t in [-lead, ceil(wv / m)) hold every output in [0, wv); tile index u = t + lead.
  const int64_t lead = int64_t{m - 1} * dil / m, tiles = lead + (wv + m - 1) / m;
  // Tap j of tile u reads x[m (u + q[j]) + ph[j]]; output i of tile u is y[m (u + qo[i]) + pho[i] - shift].
  std::array<int64_t, kMaxPoints> q{}, qo{};  // arrays, not vectors: a stream's step allocates nothing
  std::array<int, kMaxPoints> ph{}, pho{};
  for (int j = 0; j < n; ++j) {
    const int64_t e = int64_t{dil} * j - d.pad_w - shift - m * lead;
    q[j] = floor_div(e, m), ph[j] = static_cast<int>(e - q[j] * m);
  }
  for (int i = 0; i < m; ++i) {
    const int64_t e = int64_t{dil} * i - m * lead;
    qo[i] = floor_div(e, m), pho[i] = static_cast<int>(e - qo[i] * m);
  }

  // A chunk of tiles: its V (n x groups x cin x chunk) and M (n x cout x chunk) near 4 MiB
  // together, a thread's share of the shared cache (1 MiB, in a core's own cache, took up to
  // 20% longer: a GEMM call of a few hundred columns spends more of itself packing), but no
  // more than a thread's share of the tiles, so that a short signal still keeps every core
  // busy. The chunking decides no bits (above). A channel's transformed row covers the
  // d (groups - 1) tiles past the chunk that the later groups read: group g's rows of V are
  // the channels' rows shifted by d g tiles, which the GEMM reads where they are (GemmRows).
  const int groups = scheme.groups, k_total = groups * d.cin;
  const int64_t cache_share = (int64_t{1} << 20) / (int64_t{n} * (k_total + d.cout));
  const int64_t thread_share = (int64_t{d.n} * tiles + omp_get_max_threads() - 1) / omp_get_max_threads();
  const int64_t chunk = std::clamp<int64_t>((std::min(cache_share, thread_share) + 15) / 16 * 16, 16, tiles);
  const int64_t chunks = (tiles + chunk - 1) / chunk, group_shift = dil;  // tiles: r = m taps on
  const int64_t vchunk = chunk + group_shift * (groups - 1);
  // The taps' offsets in tiles span [q_min, q_max]: m phase rows of vchunk + q_max - q_min
  // columns hold them all, where that is less than n rows of vchunk.
  const int64_t q_min = *std::min_element(q.begin(), q.begin() + n), q_max = *std::max_element(q.begin(), q.begin() + n);
  const int64_t phase_cols = vchunk + q_max - q_min;
  const bool phases = m * phase_cols < n * vchunk;
  const int64_t taps_size = phases ? m * phase_cols : int64_t{n} * vchunk, v_size = int64_t{n} * d.cin * vchunk;
  // U packed where BLIS is (sgemm_accumulate_packed), else as it is; made here when not given.
  const bool packed = packed_a_rows() > 0;
  const size_t made = transformed ? 0 : winograd1d_weights_size(d, scheme) + (packed ? packed_points_size(d, scheme) : 0);
  const ThreadSlices workspace(static_cast<size_t>(taps_size + v_size + int64_t{n} * d.cout * chunk),
                               omp_get_max_threads(), made);
  const float* u = transformed;
  if (!u) {
    winograd1d_weights(d, scheme, a.w, workspace.shared());
    u = workspace.shared();
    if (packed) {
      pack_points(d, scheme, u, workspace.shared() + winograd1d_weights_size(d, scheme));
      u = workspace.shared() + winograd1d_weights_size(d, scheme);
    }
  }
  std::array<float, kMaxPoints * kMaxPoints> bt{}, at{};  // exact: dyadic rationals
  std::copy(t.bt.begin(), t.bt.end(), bt.begin());
  std::copy(t.at.begin(), t.at.end(), at.begin());
  const CombineRows combine = combine_rows_for(n);
  // Whether the outputs' residues mod m name the m rows of a tile one each (gcd(m, d) = 1, as
  // every scheme has it), for interleave_rows, which takes m = 3 and 4.
  bool by_residue = m == 3 || m == 4;
  for (int i = 0; i < m && by_residue; ++i)
    for (int j = 0; j < i; ++j) by_residue = by_residue && pho[i] != pho[j];

  // Fewer chunks than threads (a stream's step, a short signal): each chunk's output channels
  // are split among the threads instead, each transforming the chunk's input itself. A
  // GEMM's rows sum over cin alike however they are split: the same bits.
  const int64_t chunk_jobs = int64_t{d.n} * chunks;
  const int parts = chunk_jobs < workspace.threads() ? workspace.threads() : 1;
  // U packed: the rows split at whole panels.
  const int row_align = packed ? packed_a_rows() : 1;
  const size_t packed_point = packed ? packed_a_size(d.cout, k_total) : 0;
#pragma omp parallel for schedule(dynamic) num_threads(workspace.threads())
  for (int64_t job = 0; job < chunk_jobs * parts; ++job) {
    const int64_t chunk_job = job / parts, part = job % parts;
    const auto split = [&](int64_t i) { return i == parts ? d.cout : static_cast<int>(d.cout * i / parts / row_align * row_align); };
    const int co0 = split(part), co1 = split(part + 1);
    const int64_t batch = chunk_job / chunks, u0 = chunk_job % chunks * chunk, cols = std::min(chunk, tiles - u0);
    const int64_t vcols = cols + group_shift * (groups - 1);
    const float* x = a.x + batch * d.cin * d.w;
    float* taps = workspace.mine();
    float* v = taps + taps_size;
    float* mp = v + v_size;
    // V[p][ci][0, vcols): tap j of the chunk's tiles gathered into a contiguous row, then B^T of
    // each tile; group g reads columns [d g, d g + cols).
    std::array<const float*, kMaxPoints> tap{}, mrows{};
    for (int ci = 0; ci < d.cin; ++ci) {
      const float* row = x + int64_t{ci} * d.w;
      if (phases) {
        for (int r = 0; r < m; ++r)
          gather_activated(row, d.w, m * (u0 + q_min) + r, m, vcols + q_max - q_min, d.input_slope,
                         taps + r * phase_cols);
        for (int j = 0; j < n; ++j) tap[j] = taps + ph[j] * phase_cols + (q[j] - q_min);
      } else {
        for (int j = 0; j < n; ++j) {
          gather_activated(row, d.w, m * (u0 + q[j]) + ph[j], m, vcols, d.input_slope, taps + j * vchunk);
          tap[j] = taps + j * vchunk;
        }
      }
      combine(bt.data(), n, tap.data(), v + int64_t{ci} * vchunk, int64_t{d.cin} * vchunk, vcols);
    }
    // Inside the parallel loop the GEMM runs on the calling thread: one GEMM per core.
    for (int p = 0; p < n; ++p) {
      float* mrow = mp + (int64_t{p} * d.cout + co0) * chunk;
      const float* vp = v + int64_t{p} * d.cin * vchunk;
      if (packed) {
        sgemm_packed(co1 - co0, static_cast<int>(cols), k_total, 1.f, u + p * packed_point, d.cout, co0,
                     GemmRows{vp, vchunk, d.cin, group_shift}, 0.f, mrow, static_cast<int>(chunk));
        continue;
      }
      for (int co = co0; co < co1; ++co) std::fill(mrow + (co - co0) * chunk, mrow + (co - co0) * chunk + cols, 0.f);
      for (int group = 0; group < groups; ++group)  // the plain loops: a GEMM per group
        sgemm_accumulate(false, co1 - co0, static_cast<int>(cols), d.cin, 1.f,
                         u + (int64_t{p} * d.cout + co0) * k_total + group * d.cin, k_total, vp + group * group_shift,
                         static_cast<int>(vchunk), mrow, static_cast<int>(chunk));
    }
    // y = alpha * (A^T M + bias) + beta * residual, for the outputs inside the signal; row i
    // of A^T over the chunk's tiles is computed into a contiguous row, then scattered at stride m.
    float* y = a.y + batch * d.cout * wo;
    const float* res = a.residual ? a.residual + batch * d.cout * wo : nullptr;
    for (int co = co0; co < co1; ++co) {
      const float bias = a.bias ? a.bias[co] : 0.f;
      for (int p = 0; p < n; ++p) mrows[p] = mp + (int64_t{p} * d.cout + co) * chunk;
      combine(at.data(), m, mrows.data(), taps, chunk, cols);
      float* yrow = y + co * wo;
      const float* rrow = res ? res + co * wo : nullptr;
      // Tiles u0 + k with shift <= m (u0 + k + qo[i]) + pho[i] < wv, k in [k0[i], k1[i]); as
      // K = k + qo[i], output m (u0 + K) + pho[i]. Where every row has its tile (K in [kc0,
      // kc1)) the rows are interleaved into their outputs; the ends are scattered.
      std::array<int64_t, kMaxPoints> k0{}, k1{};
      int64_t kc0 = INT64_MIN, kc1 = INT64_MAX;
      for (int i = 0; i < m; ++i) {
        const int64_t o0 = m * (u0 + qo[i]) + pho[i];
        k0[i] = o0 >= shift ? 0 : (shift - o0 + m - 1) / m;
        k1[i] = std::min<int64_t>(cols, o0 >= wv ? 0 : (wv - o0 + m - 1) / m);
        kc0 = std::max(kc0, k0[i] + qo[i]), kc1 = std::min(kc1, k1[i] + qo[i]);
      }
      if (!by_residue || kc0 >= kc1) kc0 = kc1 = INT64_MAX;  // no common run: scatter all
      for (int i = 0; i < m; ++i) {
        const float* out = taps + int64_t{i} * chunk;
        const int64_t o0 = m * (u0 + qo[i]) + pho[i];
        const auto scatter = [&](int64_t from, int64_t to) {
          for (int64_t k = from; k < to; ++k) {
            const int64_t o = o0 + m * k;
            yrow[o - shift] = d.alpha * (out[k] + bias) + (rrow ? d.beta * rrow[o - shift] : 0.f);
          }
        };
        if (kc0 == INT64_MAX) {
          scatter(k0[i], k1[i]);
        } else {
          scatter(k0[i], kc0 - qo[i]);
          scatter(kc1 - qo[i], k1[i]);
        }
      }
      if (kc0 != INT64_MAX) {
        std::array<const float*, 4> row{};
        for (int i = 0; i < m; ++i) row[pho[i]] = taps + int64_t{i} * chunk - qo[i];
        float* yk = yrow + m * u0 - shift;
        const float* rk = rrow ? rrow + m * u0 - shift : nullptr;
        if (m == 3)
          interleave_rows<3>(row.data(), kc0, kc1, d.alpha, bias, d.beta, rk, yk);
        else
          interleave_rows<4>(row.data(), kc0, kc1, d.alpha, bias, d.beta, rk, yk);
      }
    }
  }
}

}  // namespace cpu
}  // namespace xfv
