// The two builds of the kernel backend (engine/device_backend.cpp), as the registry sees
// them; neither needs CUDA headers to be named.
#pragma once

#include <memory>
#include <string>

#include "engine/backend.h"
#include "engine/roofline.h"

namespace xfv {
namespace cuda {
bool available(std::string* why);
std::unique_ptr<Backend> make_backend();
// The current device's properties that make its peaks (engine/roofline.h).
GpuSpec device_spec();
}  // namespace cuda
namespace sim {
bool available(std::string* why);
std::unique_ptr<Backend> make_backend();
}  // namespace sim
}  // namespace xfv
