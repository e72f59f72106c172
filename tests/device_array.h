// Device memory owned by a host test, filled from and read back to host vectors, on whichever
// backend the including file is built for (sim's tests; tests/mma_check_kernels.cu, which nvcc
// builds too). Included after common.cuh.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

namespace xfv {
namespace XFV_DEVICE_NS {

template <class T>
class DeviceArray {
 public:
  explicit DeviceArray(std::size_t n) : n_(n) {
    XFV_CHECK(cudaMalloc(&ptr_, n * sizeof(T)));
    XFV_CHECK(cudaMemset(ptr_, 0, n * sizeof(T)));
  }
  explicit DeviceArray(const std::vector<T>& host) : DeviceArray(host.size()) {
    XFV_CHECK(cudaMemcpy(ptr_, host.data(), n_ * sizeof(T), cudaMemcpyHostToDevice));
  }
  // An output poisoned before the kernel runs: NaN, or the type's largest value.
  static DeviceArray poisoned(std::size_t n) {
    return DeviceArray(std::vector<T>(n, std::numeric_limits<T>::has_quiet_NaN
                                             ? std::numeric_limits<T>::quiet_NaN()
                                             : std::numeric_limits<T>::max()));
  }
  ~DeviceArray() { cudaFree(ptr_); }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;

  T* get() const { return ptr_; }
  std::vector<T> download() const {
    std::vector<T> host(n_);
    XFV_CHECK(cudaMemcpy(host.data(), ptr_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }

 private:
  T* ptr_ = nullptr;
  std::size_t n_;
};

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
