// engine/io/audio.h in a build without libsndfile or libsoxr: every call fails naming them,
// the in-memory ones too (they resample through libsoxr).
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
int64_t resampled_length(int64_t, int, int) { codec_absent("resampled_length", kAudio); }
std::vector<float> prepare_voice(const float*, int64_t, int, int, Gain) { codec_absent("prepare_voice", kAudio); }
std::vector<float> load_voice(const std::string& path, int, Gain) { codec_absent(path, kAudio); }
ResamplerStream::ResamplerStream(int, int) : from_(0), to_(0) { codec_absent("ResamplerStream", kAudio); }
ResamplerStream::~ResamplerStream() = default;
void ResamplerStream::push(const float*, int64_t, std::vector<float>&) { codec_absent("ResamplerStream", kAudio); }
void ResamplerStream::flush(std::vector<float>&) { codec_absent("ResamplerStream", kAudio); }
void ResamplerStream::reset() { codec_absent("ResamplerStream", kAudio); }
double ResamplerStream::delay_samples() const { return 0; }
void save_wav(const std::string& path, const std::vector<float>&, int, WavEncoding) { codec_absent(path, kAudio); }

}  // namespace xfv
