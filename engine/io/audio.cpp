#include "engine/io/audio.h"

#include <sndfile.h>
#include <soxr.h>

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "engine/io/atomic_write.h"
#include "engine/limits.h"

namespace xfv {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw FileError(path + ": " + what); }

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using Sndfile = std::unique_ptr<SNDFILE, SndfileCloser>;

// libsndfile silently shortens a WAV whose data chunk claims more bytes than the file holds,
// noting "data : N (should be M)" in its log only; the reference's decoder would read other
// samples (or fail), so such a file is refused rather than half-read. Other chunks' sizes
// (a streamed file's RIFF size, say) do not matter to the samples and are not checked.
bool header_overstates_data(SNDFILE* file) {
  char log[8192] = {};
  sf_command(file, SFC_GET_LOG_INFO, log, sizeof log);
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("data :", 0) == 0 && line.find("should be") != std::string::npos) return true;
  return false;
}

}  // namespace

namespace {

// Bytes in memory as a file to libsndfile (its virtual I/O): read_mono_audio_bytes' source.
struct MemoryFile {
  const unsigned char* data;
  sf_count_t size;
  sf_count_t at = 0;
};

sf_count_t memory_length(void* user) { return static_cast<MemoryFile*>(user)->size; }

// As lseek: past the end is allowed (reads there give nothing), before the start is an error.
sf_count_t memory_seek(sf_count_t offset, int whence, void* user) {
  auto* m = static_cast<MemoryFile*>(user);
  const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->at : m->size;
  if (offset < -base || offset > INT64_MAX - base) return -1;
  m->at = base + offset;
  return m->at;
}

sf_count_t memory_read(void* out, sf_count_t count, void* user) {
  auto* m = static_cast<MemoryFile*>(user);
  const sf_count_t n = m->at >= m->size || count <= 0 ? 0 : std::min(count, m->size - m->at);
  if (n > 0) std::memcpy(out, m->data + m->at, static_cast<size_t>(n));
  m->at += n;
  return n;
}

sf_count_t memory_write(const void*, sf_count_t, void*) { return 0; }
sf_count_t memory_tell(void* user) { return static_cast<MemoryFile*>(user)->at; }

// Both entries' decoding of an open file; `path` names it in errors.
MonoAudio read_mono(SNDFILE* opened, const SF_INFO& info, const std::string& path) {
  Sndfile file(opened);
  if (!file) fail(path, std::string("not a readable audio file: ") + sf_strerror(nullptr));
  if (header_overstates_data(file.get())) fail(path, "the header claims more audio data than the file holds");
  if (info.channels < 1 || info.samplerate < 1)
    fail(path, "bad header: " + std::to_string(info.channels) + " channels at " + std::to_string(info.samplerate) +
                   " Hz");
  if (info.samplerate < kMinAudioRate || info.samplerate > kMaxAudioRate)
    fail(path, "its rate is " + std::to_string(info.samplerate) + " Hz; " + std::to_string(kMinAudioRate) + " to " +
                   std::to_string(kMaxAudioRate) + " Hz are accepted");
  if (info.frames <= 0) fail(path, "no audio samples");
  if (info.frames > kMaxAudioFrames)
    fail(path, "the header claims " + std::to_string(info.frames) + " frames; at most " +
                   std::to_string(kMaxAudioFrames) + " are accepted");

  // Read in blocks rather than all at once: a compressed stream's frame count is only the
  // header's claim, and must not size an allocation before the data bears it out.
  constexpr sf_count_t kBlock = 1 << 12;
  const size_t channels = static_cast<size_t>(info.channels);
  std::vector<float> block(static_cast<size_t>(kBlock) * channels);
  MonoAudio audio{{}, info.samplerate};
  for (sf_count_t got; (got = sf_readf_float(file.get(), block.data(), kBlock)) > 0;) {
    if (static_cast<int64_t>(audio.samples.size()) + got > info.frames)
      fail(path, "holds more than the " + std::to_string(info.frames) + " frames its header claims");
    for (sf_count_t f = 0; f < got; ++f) {
      // Summed in double: the mean of many channels stays the float nearest the exact mean.
      double sum = 0;
      for (size_t c = 0; c < channels; ++c) {
        const float x = block[static_cast<size_t>(f) * channels + c];
        if (!std::isfinite(x)) fail(path, "sample " + std::to_string(audio.samples.size()) + " is not finite");
        sum += x;
      }
      audio.samples.push_back(static_cast<float>(sum / static_cast<double>(channels)));
    }
  }
  if (audio.samples.size() != static_cast<size_t>(info.frames))
    fail(path, "truncated: read " + std::to_string(audio.samples.size()) + " of " + std::to_string(info.frames) +
                   " frames");
  return audio;
}

}  // namespace

MonoAudio read_mono_audio(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "cannot read: " + ec.message());
  if (size == 0) fail(path, "empty file");
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  return read_mono(file, info, path);
}

MonoAudio read_mono_audio_bytes(const std::vector<unsigned char>& bytes, const std::string& name) {
  if (bytes.empty()) fail(name, "empty file");
  SF_VIRTUAL_IO io{memory_length, memory_seek, memory_read, memory_write, memory_tell};
  MemoryFile memory{bytes.data(), static_cast<sf_count_t>(bytes.size())};
  SF_INFO info{};
  SNDFILE* file = sf_open_virtual(&io, SFM_READ, &info, &memory);
  return read_mono(file, info, name);
}

std::vector<float> resample(const std::vector<float>& samples, int from_rate, int to_rate) {
  if (from_rate < 1 || to_rate < 1)
    throw std::invalid_argument("resample: bad rates " + std::to_string(from_rate) + " -> " + std::to_string(to_rate));
  if (from_rate == to_rate) return samples;
  const auto out_len = static_cast<size_t>(resampled_length(static_cast<int64_t>(samples.size()), from_rate, to_rate));
  std::vector<float> out(out_len, 0.0f);  // soxr may deliver a few short: zero-filled, as librosa pads
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  size_t done = 0;
  const soxr_error_t error = soxr_oneshot(from_rate, to_rate, 1, samples.data(), samples.size(), nullptr,
                                          out.data(), out.size(), &done, &io, &quality, nullptr);
  if (error) throw std::runtime_error(std::string("resample: libsoxr: ") + error);
  return out;
}

std::vector<float> prepare_voice(const float* samples, int64_t count, int rate, int to_rate, Gain gain) {
  if (count < 1 || !samples) throw std::invalid_argument("no audio samples");
  if (rate < kMinAudioRate || rate > kMaxAudioRate || to_rate < kMinAudioRate || to_rate > kMaxAudioRate)
    throw std::invalid_argument("cannot resample audio at " + std::to_string(rate) + " Hz to " +
                                std::to_string(to_rate) + " Hz (" + std::to_string(kMinAudioRate) + " to " +
                                std::to_string(kMaxAudioRate) + " Hz are accepted)");
  if (count > kMaxAudioFrames || resampled_length(count, rate, to_rate) > kMaxAudioFrames)
    throw std::invalid_argument(std::to_string(count) + " samples at " + std::to_string(rate) + " Hz are more than " +
                                std::to_string(kMaxAudioFrames) + " at " + std::to_string(to_rate) + " Hz");
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(samples[i])) throw std::invalid_argument("sample " + std::to_string(i) + " is not finite");
  std::vector<float> wave = resample(std::vector<float>(samples, samples + count), rate, to_rate);
  float peak = 0;
  for (const float x : wave) peak = std::max(peak, std::fabs(x));
  if (peak == 0)
    throw std::invalid_argument(gain == Gain::kPeakNormalize
                                    ? "silent: every sample is zero, so it cannot be peak-normalized"
                                    : "silent: every sample is zero, so it has no voice to take a style from");
  if (gain == Gain::kPeakNormalize)
    for (float& x : wave) x /= peak;
  return wave;
}

std::vector<float> load_voice(const std::string& path, int rate, Gain gain) {
  const MonoAudio audio = read_mono_audio(path);
  try {
    return prepare_voice(audio.samples.data(), static_cast<int64_t>(audio.samples.size()), audio.rate, rate, gain);
  } catch (const std::invalid_argument& e) {
    fail(path, e.what());
  }
}

void save_wav(const std::string& path, const std::vector<float>& samples, int rate, WavEncoding encoding) {
  if (rate < 1) throw std::invalid_argument(path + ": cannot write audio at " + std::to_string(rate) + " Hz");
  for (size_t i = 0; i < samples.size(); ++i)
    if (!std::isfinite(samples[i]))
      throw std::invalid_argument(path + ": sample " + std::to_string(i) + " is not finite");

  write_file_atomically(path, [&](const std::string& tmp) {
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | (encoding == WavEncoding::Pcm16 ? SF_FORMAT_PCM_16 : SF_FORMAT_FLOAT);
    Sndfile file(sf_open(tmp.c_str(), SFM_WRITE, &info));
    if (!file) fail(path, "cannot create " + tmp + ": " + sf_strerror(nullptr));
    const auto count = static_cast<sf_count_t>(samples.size());
    sf_count_t written = 0;
    if (encoding == WavEncoding::Pcm16) {
      // Scaled by 32768, the factor reading divides by (libsndfile's own float writer uses
      // 32767), so that a 16-bit file read and saved again keeps its samples exactly.
      std::vector<short> pcm(samples.size());
      for (size_t i = 0; i < samples.size(); ++i)
        pcm[i] = static_cast<short>(std::lrint(std::clamp(samples[i] * 32768.0f, -32768.0f, 32767.0f)));
      written = sf_write_short(file.get(), pcm.data(), count);
    } else {
      written = sf_write_float(file.get(), samples.data(), count);
    }
    if (written != count) fail(path, "cannot write " + tmp + ": " + sf_strerror(file.get()));
    // sf_close flushes the header and any buffered samples: its error is the write's.
    if (sf_close(file.release()) != 0) fail(path, "cannot write " + tmp);
  });
}

}  // namespace xfv
