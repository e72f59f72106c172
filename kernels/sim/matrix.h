// sim's tensor-core warp operations, which kernels/mma.cuh calls under XFV_SIM
// (matrix.cpp: the fragment layouts, the arithmetic and the checks).
#pragma once

#include <cstdint>

namespace xfv::sim::detail {

enum class MmaShape : unsigned char { M16N8K8Tf32, M16N8K16Bf16, M16N8K16F16 };

// mma.sync.aligned.<shape>.row.col.f32.<type>.<type>.f32 for the calling lane: a[4], b[2] and
// c[4] are its fragment registers, d[4] receives its part of D = A * B + C.
void mma_sync(MmaShape shape, float* d, const std::uint32_t* a, const std::uint32_t* b,
              const float* c, const char* file, int line);

// ldmatrix.sync.aligned.m8n8.x<count>{.trans}.shared.b16 for the calling lane: `row` is the
// address of the 16-byte matrix row this lane supplies (null for a lane past 8 * count, whose
// address the instruction does not use); r[count] receives the lane's fragments.
void ldmatrix_sync(int count, bool trans, std::uint32_t* r, const void* row, const char* file,
                   int line);

// The calling thread's lane in its warp.
int lane_id();

}  // namespace xfv::sim::detail
