// Instance norm (plain, affine, AdaIN) with its LeakyReLU, one block per (n, c) plane.
//
// Three passes over the plane: the mean, then the biased variance as the mean of squared
// deviations (two-pass, so no cancellation when |mean| >> std), then the normalized and
// modulated output. With a prior (stream statistics, kernels/ops.h) the first two passes
// cover the plane's counted columns, merged with the prior's moments. The models' planes
// are at most 64K floats, so the second and third passes read the plane from L2. The block
// size grows with the plane, so that small planes (4x4) do not idle 1024 threads and large
// ones (256x256) still have enough loads in flight.
#include "device_util.cuh"
#include "launchers.h"
#include "moments.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

// The block's moments in float of the `count` elements load(0..count), two-pass.
template <int BLOCK, class Load>
__device__ Moments<float> block_moments(int64_t count, Load load) {
  if (count == 0) return {};
  const int tid = threadIdx.x;
  float sum = 0.f;
  ilp_loop(tid, BLOCK, count, load, [&](int64_t, float v) { sum += v; });
  const float n = static_cast<float>(count);
  const float mean = block_reduce<BLOCK>(sum, SumOp()) / n;
  float sq = 0.f;
  ilp_loop(tid, BLOCK, count, load, [&](int64_t, float v) { sq += (v - mean) * (v - mean); });
  return {n, mean, block_reduce<BLOCK>(sq, SumOp())};
}

template <int BLOCK>
__global__ void __launch_bounds__(BLOCK) instance_norm_kernel(InstanceNormArgs a) {
  const InstanceNormDesc& d = a.d;
  const int64_t plane = blockIdx.x;
  const float* x = a.x + plane * d.hw;
  float* y = a.y + plane * d.hw;
  const int tid = threadIdx.x;
  auto load = [&](int64_t i) { return x[i]; };

  // With a prior: columns [from, w) of each row, merged with the prior's moments.
  const float* prior = a.prior ? a.prior + plane * kPriorFields : nullptr;
  const int64_t w = d.w > 0 ? d.w : d.hw;
  const int64_t asked = prior ? static_cast<int64_t>(prior[kPriorFrom]) : 0;
  const int64_t from = asked < 0 ? 0 : asked > w ? w : asked;
  const int64_t cols = w - from;
  Moments<float> m = from == 0 ? block_moments<BLOCK>(d.hw, load)
                               : block_moments<BLOCK>(d.hw / w * cols, [&](int64_t i) {
                                   return x[i / cols * w + from + i % cols];
                                 });
  if (prior) m = merge(Moments<float>{prior[kPriorCount], prior[kPriorMean], prior[kPriorM2]}, m);
  const float mean = m.mean;
  const float var = m.count > 0 ? m.m2 / m.count : 0.f;

  // No gamma means scale 1 whatever gamma_bias is (plain instance norm).
  const int64_t p = plane / d.c * d.param_stride + plane % d.c;
  const float scale = a.gamma ? d.gamma_bias + a.gamma[p] : 1.f;
  const float shift = a.beta ? a.beta[p + d.beta_offset] : 0.f;
  // Normalize as (x - mean) * g: folding the mean into the shift would cancel badly when
  // |mean| >> std.
  const float g = scale / sqrtf(var + d.eps);
  ilp_loop(tid, BLOCK, d.hw, load, [&](int64_t i, float v) {
    const float r = (v - mean) * g + shift;
    y[i] = d.leaky ? leaky_relu(r, d.slope) : r;
  });
}

}  // namespace

void run(const InstanceNormArgs& a, cudaStream_t stream) {
  const int64_t planes = static_cast<int64_t>(a.d.n) * a.d.c;
  if (planes == 0 || a.d.hw == 0) return;
  const unsigned grid = static_cast<unsigned>(planes);
  // 8+ elements per thread at 1024 threads, 4+ at 256; 64 threads for small planes.
  if (a.d.hw >= 8192)
    XFV_LAUNCH(instance_norm_kernel<1024>, grid, 1024, 0, stream, a);
  else if (a.d.hw >= 1024)
    XFV_LAUNCH(instance_norm_kernel<256>, grid, 256, 0, stream, a);
  else
    XFV_LAUNCH(instance_norm_kernel<64>, grid, 64, 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
