// ConvTranspose1d on the cpu as a polyphase conv. Output o = m * stride + r - pad (phase r)
// takes the taps j = r + s * stride of the inputs m - s, s < S = ceil(k / stride), so all
// phases of one m are one GEMM column:
//   P (stride * cout, cin * S) . X (cin * S, columns m),
//   P[r * cout + co][ci * S + s] = w[ci][co][r + s * stride] (0 past k),
//   X[ci * S + s][m] = act(x[ci][m - s]) (0 outside the signal),
// and row r * cout + co of column m lands at y[co][m * stride + r - pad]. Columns go in
// chunks spread over the threads, as the 1-D convs do (conv2d.cpp).
#include <omp.h>

#include <algorithm>

#include "engine/cpu/activation.h"
#include "engine/cpu/conv2d_winograd.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/gemm.h"
#include "engine/cpu/parallel_for.h"
#include "engine/cpu/prepared_convs.h"

namespace xfv {
namespace cpu {

size_t polyphase_weights_size(const ConvTranspose1dDesc& d) {
  return static_cast<size_t>(d.stride) * d.cout * d.cin * ((d.k + d.stride - 1) / d.stride);
}

void polyphase_weights(const ConvTranspose1dDesc& d, const float* w, float* p) {
  const int u = d.stride, taps = (d.k + u - 1) / u, depth = d.cin * taps;
  std::fill(p, p + polyphase_weights_size(d), 0.f);
  for (int r = 0; r < u; ++r)
    for (int co = 0; co < d.cout; ++co)
      for (int ci = 0; ci < d.cin; ++ci)
        for (int s = 0; s < taps && r + s * u < d.k; ++s)
          p[(static_cast<size_t>(r) * d.cout + co) * depth + ci * taps + s] = w[(int64_t{ci} * d.cout + co) * d.k + r + s * u];
}

void run(const ConvTranspose1dArgs& a) { run(a, nullptr); }

void run(const ConvTranspose1dArgs& a, const PreparedConvs* prepared) {
  const ConvTranspose1dDesc& d = a.d;
  const int u = d.stride, taps = (d.k + u - 1) / u, wo = d.out_w();
  const int rows = u * d.cout, depth = d.cin * taps;
  // The columns m whose phases reach an output: o = 0 is m = pad / stride, o = wo - 1 the last.
  const int m0 = d.pad / u, m1 = (wo - 1 + d.pad) / u, columns = m1 - m0 + 1;
  const int chunk = std::clamp((1 << 18) / std::max(depth, rows) / 16 * 16, 64, columns);
  const int chunks = (columns + chunk - 1) / chunk;
  // P as `prepared` holds it, or made in the workspace's shared part: a stream's step
  // allocates nothing.
  const float* p = prepared ? prepared->find(a) : nullptr;
  const ThreadSlices workspace(static_cast<size_t>(depth + rows) * chunk, omp_get_max_threads(),
                               p ? 0 : polyphase_weights_size(d));
  if (!p) {
    polyphase_weights(d, a.w, workspace.shared());
    p = workspace.shared();
  }

  // Fewer chunks than threads (a stream's step): the GEMM's rows are split among the threads
  // instead, each gathering the chunk's columns itself; a row's sums are the same either way.
  const int64_t chunk_jobs = int64_t{d.n} * chunks;
  const int parts = chunk_jobs < workspace.threads() ? workspace.threads() : 1;
  const bool parallel = int64_t{rows} * depth * columns >= kParallelMin;
  parallel_for_dynamic(chunk_jobs * parts, workspace.threads(), parallel, [&](int64_t job) {
    const int64_t chunk_job = job / parts, part = job % parts;
    const int row0 = static_cast<int>(rows * part / parts), row1 = static_cast<int>(rows * (part + 1) / parts);
    const int n = static_cast<int>(chunk_job / chunks), c0 = static_cast<int>(chunk_job % chunks) * chunk;
    const int cols = std::min(chunk, columns - c0);
    float* x_cols = workspace.mine();
    float* y_cols = x_cols + int64_t{depth} * cols;
    const float* x = a.x + int64_t{n} * d.cin * d.w;
    for (int ci = 0; ci < d.cin; ++ci)
      for (int s = 0; s < taps; ++s) {
        float* out = x_cols + (int64_t{ci} * taps + s) * cols;
        for (int j = 0; j < cols; ++j) {
          const int i = m0 + c0 + j - s;
          out[j] = i >= 0 && i < d.w ? leaky_relu(x[int64_t{ci} * d.w + i], d.input_slope) : 0.f;
        }
      }
    std::fill(y_cols, y_cols + int64_t{row1 - row0} * cols, 0.f);
    sgemm_accumulate(false, row1 - row0, cols, depth, 1.f, p + int64_t{row0} * depth, depth, x_cols, cols, y_cols,
                     cols);
    float* y = a.y + int64_t{n} * d.cout * wo;
    for (int row = row0; row < row1; ++row) {  // row r * cout + co: output phase r of channel co
      const int r = row / d.cout, co = row % d.cout;
      const float bias = a.bias ? a.bias[co] : 0.f;
      const float* from = y_cols + int64_t{row - row0} * cols;
      for (int j = 0; j < cols; ++j) {
        const int o = (m0 + c0 + j) * u + r - d.pad;
        if (o >= 0 && o < wo) y[int64_t{co} * wo + o] = from[j] + bias;
      }
    }
  });
}

}  // namespace cpu
}  // namespace xfv
