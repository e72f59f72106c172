// Safetensors files: the engine's weight format (weights/README.md) and its tensor dumps.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

#include "engine/tensor.h"

namespace xfv {

// A file that cannot be read as what it claims to be; the message names the file.
struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TensorFile {
  std::map<std::string, HostTensor> tensors;
  std::map<std::string, std::string> metadata;
};

// Reads a whole safetensors file of float32 tensors (up to 4 dims). Every size the header
// claims is checked against the file before anything is allocated from it.
TensorFile read_safetensors(const std::string& path);

// Writes to a temporary name and renames, so a failure leaves no partial file.
void write_safetensors(const std::string& path, const TensorFile& file);

}  // namespace xfv
