// engine/io/image.h in a build without stb (PNG): every call fails naming stb.
#include "engine/io/absent.h"
#include "engine/io/image.h"

namespace xfv {
namespace {
constexpr const char* kStb = "image codec (stb, for PNG)";
}  // namespace

HostTensor load_face_image(const std::string& path, int) { codec_absent(path, kStb); }
HostTensor load_face_image_bytes(const std::vector<unsigned char>&, const std::string& name, int) {
  codec_absent(name, kStb);
}
HostTensor face_from_rgb8(const uint8_t*, int, int, int) { codec_absent("face_from_rgb8", kStb); }
std::vector<uint8_t> face_to_rgb8(const HostTensor&) { codec_absent("face_to_rgb8", kStb); }
void save_png(const std::string& path, const HostTensor&) { codec_absent(path, kStb); }
void save_mel_png(const std::string& path, const HostTensor&) { codec_absent(path, kStb); }

}  // namespace xfv
