// Shared by the cpu ops that fuse an activation.
#pragma once

namespace xfv {
namespace cpu {

inline float leaky_relu(float v, float slope) { return v > 0.f ? v : v * slope; }

}  // namespace cpu
}  // namespace xfv
