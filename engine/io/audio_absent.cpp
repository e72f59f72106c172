// engine/io/audio.h in a build without libsndfile or libsoxr: every call fails naming them,
// the in-memory ones too (they resample through libsoxr). ResamplerStream and
// resampled_length are in every build (resampler_stream.cpp).
#include "engine/io/absent.h"
#include "engine/io/audio.h"

namespace xfv {
namespace {
constexpr const char* kAudio = "audio codec (libsndfile and libsoxr)";
}  // namespace

MonoAudio read_mono_audio(const std::string& path) { codec_absent(path, kAudio); }
MonoAudio read_mono_audio_bytes(const std::vector<unsigned char>&, const std::string& name) {
  codec_absent(name, kAudio);
}
std::vector<float> resample(const std::vector<float>&, int, int) { codec_absent("resample", kAudio); }
std::vector<float> prepare_voice(const float*, int64_t, int, int, Gain) { codec_absent("prepare_voice", kAudio); }
std::vector<float> load_voice(const std::string& path, int, Gain) { codec_absent(path, kAudio); }
void save_wav(const std::string& path, const std::vector<float>&, int, WavEncoding) { codec_absent(path, kAudio); }

}  // namespace xfv
