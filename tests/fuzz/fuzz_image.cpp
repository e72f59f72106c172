// Fuzz target: the face image loader (PNG through stb, JPEG through libjpeg-turbo) on any
// bytes, decoded and resized to a 64 x 64 face. A FileError naming the file is the refusal.
#include <vector>

#include "engine/io/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    xfv::load_face_image_bytes(std::vector<unsigned char>(data, data + size), "fuzz.png", 64);
  } catch (const xfv::FileError&) {
  }
  return 0;
}
