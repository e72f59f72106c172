// Fuzz target: the .npy reader (latents, noise) on any bytes. A FileError naming the file is
// the refusal; anything else (a crash, another exception) is a finding.
#include <string>

#include "engine/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    xfv::read_npy_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz.npy");
  } catch (const xfv::FileError&) {
  }
  return 0;
}
