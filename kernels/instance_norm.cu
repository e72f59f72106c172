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

// The plane's moments: all of it, or (PRIOR) its columns [from, w) of each row merged with
// the prior's. Apart, so that the plain kernel keeps its registers (32, not 46-63).
template <int BLOCK, bool PRIOR>
__device__ Moments<float> plane_moments(const InstanceNormArgs& a, const float* x, int64_t plane) {
  const InstanceNormDesc& d = a.d;
  if constexpr (!PRIOR) {
    return block_moments<BLOCK>(d.hw, [x](int64_t i) { return x[i]; });
  } else {
    const float* prior = a.prior + plane * kPriorFields;
    const int64_t w = d.w > 0 ? d.w : d.hw;
    const int64_t asked = static_cast<int64_t>(prior[kPriorFrom]);
    const int64_t from = asked < 0 ? 0 : asked > w ? w : asked;
    const int64_t cols = w - from;
    const Moments<float> own = from == 0 ? block_moments<BLOCK>(d.hw, [x](int64_t i) { return x[i]; })
                                         : block_moments<BLOCK>(d.hw / w * cols, [=](int64_t i) {
                                             return x[i / cols * w + from + i % cols];
                                           });
    return merge(Moments<float>{prior[kPriorCount], prior[kPriorMean], prior[kPriorM2]}, own);
  }
}

template <int BLOCK, bool PRIOR>
__device__ void instance_norm(const InstanceNormArgs& a) {
  const InstanceNormDesc& d = a.d;
  const int64_t plane = blockIdx.x;
  const float* x = a.x + plane * d.hw;
  float* y = a.y + plane * d.hw;
  const Moments<float> m = plane_moments<BLOCK, PRIOR>(a, x, plane);
  const float mean = m.mean;
  const float var = m.count > 0 ? m.m2 / m.count : 0.f;

  // No gamma means scale 1 whatever gamma_bias is (plain instance norm).
  const int64_t p = plane / d.c * d.param_stride + plane % d.c;
  const float scale = a.gamma ? d.gamma_bias + a.gamma[p] : 1.f;
  const float shift = a.beta ? a.beta[p + d.beta_offset] : 0.f;
  // Normalize as (x - mean) * g: folding the mean into the shift would cancel badly when
  // |mean| >> std.
  const float g = scale / sqrtf(var + d.eps);
  ilp_loop(static_cast<int64_t>(threadIdx.x), BLOCK, d.hw, [x](int64_t i) { return x[i]; }, [&](int64_t i, float v) {
    const float r = (v - mean) * g + shift;
    y[i] = d.leaky ? leaky_relu(r, d.slope) : r;
  });
}

template <int BLOCK>
__global__ void __launch_bounds__(BLOCK) instance_norm_kernel(InstanceNormArgs a) {
  instance_norm<BLOCK, false>(a);
}
template <int BLOCK>
__global__ void __launch_bounds__(BLOCK) instance_norm_prior_kernel(InstanceNormArgs a) {
  instance_norm<BLOCK, true>(a);
}

template <int BLOCK>
void launch(const InstanceNormArgs& a, cudaStream_t stream) {
  const unsigned grid = static_cast<unsigned>(int64_t{a.d.n} * a.d.c);
  if (a.prior)
    XFV_LAUNCH(instance_norm_prior_kernel<BLOCK>, grid, BLOCK, 0, stream, a);
  else
    XFV_LAUNCH(instance_norm_kernel<BLOCK>, grid, BLOCK, 0, stream, a);
}

}  // namespace

void run(const InstanceNormArgs& a, cudaStream_t stream) {
  const int64_t planes = static_cast<int64_t>(a.d.n) * a.d.c;
  if (planes == 0 || a.d.hw == 0) return;
  // 8+ elements per thread at 1024 threads, 4+ at 256; 64 threads for small planes.
  if (a.d.hw >= 8192)
    launch<1024>(a, stream);
  else if (a.d.hw >= 1024)
    launch<256>(a, stream);
  else
    launch<64>(a, stream);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
