// What the parts of the sim runtime share among themselves; kernels never include it.
#pragma once

#include <cstddef>
#include <string>

#include "cuda_sim.h"

namespace xfv::sim::detail {

// CUDA's limits on dynamic shared memory per block: the default, and what
// cudaFuncSetAttribute(..., cudaFuncAttributeMaxDynamicSharedMemorySize, ...) may raise it to.
constexpr std::size_t kDefaultDynamicSmem = 48 << 10;
constexpr std::size_t kMaxDynamicSmem = 227 << 10;

// Runs one block of `spec` on the calling worker thread. Returns the report of what went
// wrong, or an empty string when every thread of the block finished cleanly.
std::string run_block(const LaunchSpec& spec, uint3 block_idx);

// Sets the calling thread's last error; `report` is what cudaGetErrorString returns for it.
void set_error(cudaError_t code, std::string report);

// The most dynamic shared memory a launch of `kernel` may ask for.
std::size_t dynamic_smem_limit(const void* kernel);

// A warp-wide matrix operation (mma.sync, ldmatrix): every lane of the warp joins with its
// own `lane_data`, at the same call site; the last lane to arrive calls `combine` with the
// 32 lanes' data in lane order, then all go on. `name` is the instruction, for reports.
using WarpCombine = void (*)(void* const lanes[32]);
void warp_matrix(const char* name, WarpCombine combine, void* lane_data, const char* file,
                 int line);

// Fails the launch from kernel code with `what`, naming the kernel, block and thread.
[[noreturn]] void kernel_fault(const std::string& what);

std::string to_string(uint3 v);
std::string to_string(dim3 v);

}  // namespace xfv::sim::detail
