// What a build without a codec library does where that codec is needed: the bare GPU profile
// builds `xfv` and the C API with each codec only where found (CMakeLists.txt, "io").
#pragma once

#include <stdexcept>
#include <string>

namespace xfv {

// Throws, naming what was asked (with its file, where there is one) and the missing library.
[[noreturn]] inline void codec_absent(const std::string& what, const char* library) {
  throw std::runtime_error(what + ": this build of xfv has no " + library +
                           " (a bare GPU build without it; rebuild where it is installed, docs/gpu-check.md)");
}

}  // namespace xfv
