// Fuzz target: the reference dumps `xfv validate` reads: a safetensors file read whole, then
// the network and the batch, domain and length its inputs imply (dump_run). A FileError
// naming the file is the refusal; anything else is a finding.
#include <string>

#include "engine/safetensors.h"
#include "engine/tasks/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xfv;
  const std::string path = "fuzz.dump.safetensors";
  try {
    const TensorFile dump = read_safetensors_bytes(std::string(reinterpret_cast<const char*>(data), size), path);
    dump_run(dump, path);
  } catch (const FileError&) {
  }
  return 0;
}
