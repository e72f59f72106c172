// NumPy .npy files of float32 (latents, noise): the little-endian '<f4' C-order subset.
#pragma once

#include <string>

#include "engine/safetensors.h"  // FileError
#include "engine/tensor.h"

namespace xfv {

HostTensor read_npy(const std::string& path);

}  // namespace xfv
