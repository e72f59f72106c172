// The launchers of the hand-written kernels, one overload of `run` per op family
// (kernels/ops.h). The same declarations serve both builds of the kernels: xfv::cuda
// (nvcc, a real GPU) and xfv::sim (host compiler, kernels/sim). Each launcher checks its
// launch and throws xfv::DeviceError on failure; it does not synchronize.
#pragma once

#include "common.cuh"
#include "ops.h"

namespace xfv {
namespace XFV_DEVICE_NS {

void run(const Conv2dArgs& a, cudaStream_t stream);
void run(const ConvTranspose1dArgs& a, cudaStream_t stream);
void run(const InstanceNormArgs& a, cudaStream_t stream);
void run(const ChannelAffineArgs& a, cudaStream_t stream);
void run(const UnaryArgs& a, cudaStream_t stream);
void run(const BinaryArgs& a, cudaStream_t stream);
void run(const ConcatArgs& a, cudaStream_t stream);
void run(const ReduceArgs& a, cudaStream_t stream);
void run(const AvgPoolArgs& a, cudaStream_t stream);
void run(const UpsampleNearestArgs& a, cudaStream_t stream);
void run(const UpsampleFirArgs& a, cudaStream_t stream);
void run(const ResizeBilinearArgs& a, cudaStream_t stream);
void run(const Depthwise3x3Args& a, cudaStream_t stream);
void run(const LinearArgs& a, cudaStream_t stream);
void run(const GaussianArgs& a, cudaStream_t stream);
void run(const LandmarkMaskArgs& a, cudaStream_t stream);
void run(const GatedActivationArgs& a, cudaStream_t stream);
void run(const MaxPoolArgs& a, cudaStream_t stream);
void run(const AdaptiveAvgPoolArgs& a, cudaStream_t stream);
void run(const ReplicationPadArgs& a, cudaStream_t stream);
void run(const TransposeArgs& a, cudaStream_t stream);
void run(const MelSpectrogramArgs& a, cudaStream_t stream);
void run(const TimeWindowArgs& a, cudaStream_t stream);

// A conv, linear layer or transposed conv at a reduced precision, on tensor cores (conv_mma.cu).
// `stored`: its weights as the backend stored them at that precision, read instead of a.w
// (engine/stored_weights.h: bf16 or fp16 bits, TF32-rounded fp32), or null: a.w itself.
void run_mma(const Conv2dArgs& a, const void* stored, cudaStream_t stream);
void run_mma(const LinearArgs& a, const void* stored, cudaStream_t stream);
void run_mma(const ConvTranspose1dArgs& a, const void* stored, cudaStream_t stream);

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
