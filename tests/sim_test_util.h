// What the sim tests share (test_sim.cpp, test_sim_mma.cpp): device arrays, and the report of
// a launch that must fail. Included after common.cuh, with XFV_SIM defined.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <string>

#include "device_array.h"

namespace xfv {
namespace sim {

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
