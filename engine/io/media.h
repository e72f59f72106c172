// Which modality a reference file holds, read from its content, not its name: a face photo
// (PNG, JPEG) or a recording (anything else is left to the audio reader to accept or refuse).
#pragma once

#include <string>

#include "engine/safetensors.h"  // FileError

namespace xfv {

enum class Media { kFace, kVoice };

// Throws FileError naming the file when it cannot be opened.
Media media_of(const std::string& path);
const char* media_name(Media m);

}  // namespace xfv
