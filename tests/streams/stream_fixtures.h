// What the stream tests share: the fixture folders CTest names in the environment
// (XFV_XFAVOT, XFV_HIFIGAN: made by its fixtures; XFV_SPEECH: ../shared/data/speech).
#pragma once

#include <cstdlib>
#include <string>

namespace xfv {

// `name` in the folder of environment variable `variable`; "" when it is unset (run outside
// CTest), for the tests to skip.
inline std::string fixture(const char* variable, const std::string& name) {
  const char* dir = std::getenv(variable);
  return dir ? std::string(dir) + "/" + name : "";
}

}  // namespace xfv
