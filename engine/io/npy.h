// NumPy .npy files of float32 (latents, noise): the little-endian '<f4' C-order subset.
#pragma once

#include <string>

#include "engine/safetensors.h"  // FileError
#include "engine/tensor.h"

namespace xfv {

// Throws FileError naming the file and the problem.
HostTensor read_npy(const std::string& path);
// The same from bytes in memory (the fuzz targets' entry); `name` stands for the path in errors.
HostTensor read_npy_bytes(const std::string& bytes, const std::string& name);

}  // namespace xfv
