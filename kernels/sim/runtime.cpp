// The CUDA runtime API subset of sim: memory, streams, events, errors, function attributes.
// Device memory is host memory (so ASan watches global memory); everything is synchronous.

#include <chrono>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>

#include "internal.h"

namespace xfv::sim {

struct StreamObject {};

struct EventObject {
  std::chrono::steady_clock::time_point time;
  bool recorded = false;
};

namespace {

constexpr std::align_val_t kAllocAlignment{256};  // what cudaMalloc guarantees

// CUDA's last error is per host thread, and so is the report that explains it.
thread_local cudaError_t last_error = cudaSuccess;
thread_local cudaError_t report_code = cudaSuccess;
thread_local std::string report_text;

cudaError_t fail(cudaError_t code) {
  detail::set_error(code, {});
  return code;
}

std::mutex limits_mutex;
std::unordered_map<const void*, std::size_t> smem_limits;  // kernel -> raised limit

}  // namespace

namespace detail {

void set_error(cudaError_t code, std::string report) {
  last_error = code;
  report_code = code;
  report_text = std::move(report);
}

std::size_t dynamic_smem_limit(const void* kernel) {
  std::lock_guard<std::mutex> lock(limits_mutex);
  auto it = smem_limits.find(kernel);
  return it == smem_limits.end() ? kDefaultDynamicSmem : it->second;
}

}  // namespace detail

// ---- memory ------------------------------------------------------------------------------

cudaError_t cudaMalloc(void** ptr, std::size_t bytes) {
  if (ptr == nullptr) return fail(cudaErrorInvalidValue);
  *ptr = nullptr;
  if (bytes == 0) return cudaSuccess;
  void* p = ::operator new(bytes, kAllocAlignment, std::nothrow);
  if (p == nullptr) return fail(cudaErrorMemoryAllocation);
  // Fresh device memory is garbage on the GPU; all-ones bytes (NaN as float) make a kernel
  // that reads what nobody wrote fail here too.
  std::memset(p, 0xff, bytes);
  *ptr = p;
  return cudaSuccess;
}

cudaError_t cudaFree(void* ptr) {
  if (ptr != nullptr) ::operator delete(ptr, kAllocAlignment);
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind) {
  if (static_cast<int>(kind) < 0 || static_cast<int>(kind) > cudaMemcpyDefault)
    return fail(cudaErrorInvalidValue);
  if (bytes == 0) return cudaSuccess;
  if (dst == nullptr || src == nullptr) return fail(cudaErrorInvalidValue);
  std::memcpy(dst, src, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t) {
  return cudaMemcpy(dst, src, bytes, kind);
}

cudaError_t cudaMemset(void* ptr, int value, std::size_t bytes) {
  if (bytes == 0) return cudaSuccess;
  if (ptr == nullptr) return fail(cudaErrorInvalidValue);
  std::memset(ptr, value, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* ptr, int value, std::size_t bytes, cudaStream_t) {
  return cudaMemset(ptr, value, bytes);
}

// ---- streams and events ------------------------------------------------------------------

cudaError_t cudaStreamCreate(cudaStream_t* stream) {
  if (stream == nullptr) return fail(cudaErrorInvalidValue);
  *stream = new StreamObject;
  return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  if (stream == nullptr) return fail(cudaErrorInvalidResourceHandle);
  delete stream;
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  if (event == nullptr) return fail(cudaErrorInvalidValue);
  *event = new EventObject;
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  if (event == nullptr) return fail(cudaErrorInvalidResourceHandle);
  delete event;
  return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t) {
  if (event == nullptr) return fail(cudaErrorInvalidResourceHandle);
  event->time = std::chrono::steady_clock::now();
  event->recorded = true;
  return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  return event == nullptr ? fail(cudaErrorInvalidResourceHandle) : cudaSuccess;
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (ms == nullptr) return fail(cudaErrorInvalidValue);
  if (start == nullptr || end == nullptr || !start->recorded || !end->recorded)
    return fail(cudaErrorInvalidResourceHandle);
  *ms = std::chrono::duration<float, std::milli>(end->time - start->time).count();
  return cudaSuccess;
}

// ---- errors and device -------------------------------------------------------------------

cudaError_t cudaGetLastError() {
  const cudaError_t e = last_error;
  last_error = cudaSuccess;
  return e;
}

cudaError_t cudaPeekAtLastError() { return last_error; }

const char* cudaGetErrorString(cudaError_t error) {
  if (error == report_code && !report_text.empty()) return report_text.c_str();
  switch (error) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorNotReady: return "device not ready";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
  }
  return "unrecognized error code";
}

cudaError_t cudaGetDeviceCount(int* count) {
  if (count == nullptr) return fail(cudaErrorInvalidValue);
  *count = 1;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  return device == 0 ? cudaSuccess : fail(cudaErrorInvalidDevice);
}

cudaError_t cudaFuncSetAttribute(const void* kernel, cudaFuncAttribute attr, int value) {
  if (kernel == nullptr || attr != cudaFuncAttributeMaxDynamicSharedMemorySize || value < 0 ||
      static_cast<std::size_t>(value) > detail::kMaxDynamicSmem)
    return fail(cudaErrorInvalidValue);
  std::lock_guard<std::mutex> lock(limits_mutex);
  smem_limits[kernel] = static_cast<std::size_t>(value);
  return cudaSuccess;
}

}  // namespace xfv::sim
