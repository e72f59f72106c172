// Face images in and out, as the StarGAN v2 reference preprocesses and saves them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/safetensors.h"  // FileError
#include "engine/tensor.h"

namespace xfv {

// Reads a JPEG or PNG of any size and channel count (gray, gray+alpha, RGB, RGBA: converted to
// RGB as PIL's convert("RGB") does), resizes it to size x size as torchvision's Resize does on
// a PIL image (PIL's antialiased bilinear), and maps it to [-1, 1]: a (1, 3, size, size)
// tensor. Throws FileError naming the file and the problem.
HostTensor load_face_image(const std::string& path, int size);
// The same from a file's bytes in memory (the fuzz targets' entry); `name` stands for the path.
HostTensor load_face_image_bytes(const std::vector<unsigned char>& bytes, const std::string& name, int size);

// The same preprocessing from 8-bit interleaved RGB pixels in memory (the C API's input).
HostTensor face_from_rgb8(const uint8_t* rgb, int width, int height, int size);
// A (1, 3, H, W) image in [-1, 1] as 8-bit interleaved RGB, as save_png quantizes it.
std::vector<uint8_t> face_to_rgb8(const HostTensor& image);

// Writes a (1, 3, H, W) image in [-1, 1] as an 8-bit PNG: (x + 1) / 2, clamped to [0, 1].
// Written to a temporary name and renamed: a failure leaves no partial file.
void save_png(const std::string& path, const HostTensor& image);

// Writes a mel spectrogram (1, 1, bands, frames) as a gray PNG, frames across, the lowest
// band at the bottom, its range [min, max] mapped to [0, 255]; atomically as save_png.
void save_mel_png(const std::string& path, const HostTensor& mel);

}  // namespace xfv
