#include "engine/io/media.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace xfv {

Media media_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path + ": cannot open: " + std::strerror(errno));
  unsigned char head[8] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  const auto got = in.gcount();
  const bool png = got >= 8 && std::memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0;
  const bool jpeg = got >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF;
  return png || jpeg ? Media::kFace : Media::kVoice;
}

const char* media_name(Media m) { return m == Media::kFace ? "face" : "voice"; }

}  // namespace xfv
