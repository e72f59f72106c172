// What the sim tests share (test_sim.cpp, test_sim_mma.cpp): device arrays, and the report of
// a launch that must fail. Included after common.cuh, with XFV_SIM defined.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

namespace xfv {
namespace sim {

// Device memory owned by a test, filled from and read back to host vectors.
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

// The message of the DeviceError that `launch` throws; fails the test if it throws none.
inline std::string launch_error(const std::function<void()>& launch) {
  try {
    launch();
  } catch (const DeviceError& e) {
    return e.what();
  }
  ADD_FAILURE() << "the launch did not fail";
  return {};
}

inline void expect_mentions(const std::string& message,
                            std::initializer_list<const char*> parts) {
  for (const char* part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << "no \"" << part << "\" in:\n" << message;
}

}  // namespace sim
}  // namespace xfv
