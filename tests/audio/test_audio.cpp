// Audio I/O: round trips through every format, libsoxr resampling, channel mixing, the gain of
// load_voice (a source peak-normalized, a reference as recorded), and every file the loader
// must refuse. The tests write their
// own files: through save_wav, through libsndfile for the formats and contents save_wav does
// not write (FLAC, OGG, stereo, NaN), and byte by byte for the malformed ones.
#include <gtest/gtest.h>
#include <sndfile.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/io/audio.h"

namespace xfv {
namespace {

namespace fs = std::filesystem;
constexpr double kPi = 3.14159265358979323846;

class Audio : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("xfv_audio_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  // Writes interleaved frames through libsndfile in any format it encodes. Integer formats
  // are written from shorts: libsndfile's float writer scales by 32767, not 32768.
  template <typename Sample>
  std::string write_sf(const std::string& name, int format, int channels, int rate, const std::vector<Sample>& frames) {
    const std::string path = file(name);
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    EXPECT_NE(f, nullptr) << sf_strerror(nullptr);
    const auto count = static_cast<sf_count_t>(frames.size()) / channels;
    if constexpr (std::is_same_v<Sample, short>)
      EXPECT_EQ(sf_writef_short(f, frames.data(), count), count);
    else
      EXPECT_EQ(sf_writef_float(f, frames.data(), count), count);
    EXPECT_EQ(sf_close(f), 0);
    return path;
  }

  std::string write_bytes(const std::string& name, const std::string& bytes) const {
    std::ofstream(file(name), std::ios::binary) << bytes;
    return file(name);
  }

  fs::path dir_;
};

std::vector<float> sine(double freq, double amplitude, int rate, size_t n) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(amplitude * std::sin(2 * kPi * freq * double(i) / rate));
  return x;
}

// Values 16-bit PCM represents exactly, so that its round trips are exact.
std::vector<float> pcm16_values(size_t n) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> d(-32768, 32767);
  std::vector<float> x(n);
  for (float& v : x) v = static_cast<float>(d(rng)) / 32768.0f;
  return x;
}

std::string le32(uint32_t v) { return {char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; }
std::string le16(uint16_t v) { return {char(v), char(v >> 8)}; }

// A mono 16-bit WAV whose data chunk claims data_len bytes but holds `data`.
std::string wav_bytes(uint32_t data_len, const std::string& data) {
  const std::string fmt = le16(1) + le16(1) + le32(24000) + le32(48000) + le16(2) + le16(16);
  const std::string body = "WAVEfmt " + le32(16) + fmt + "data" + le32(data_len) + data;
  return "RIFF" + le32(static_cast<uint32_t>(body.size())) + body;
}

TEST_F(Audio, Pcm16RoundTripIsExact) {
  const std::vector<float> x = pcm16_values(5000);
  save_wav(file("a.wav"), x, 22050);
  const MonoAudio back = read_mono_audio(file("a.wav"));
  EXPECT_EQ(back.rate, 22050);
  EXPECT_EQ(back.samples, x);
}

TEST_F(Audio, Pcm16ClipsInsteadOfWrapping) {
  save_wav(file("a.wav"), {1.5f, -1.5f, 1.0f}, 24000);
  EXPECT_EQ(read_mono_audio(file("a.wav")).samples, (std::vector<float>{32767 / 32768.0f, -1.0f, 32767 / 32768.0f}));
}

TEST_F(Audio, FloatRoundTripIsExact) {
  std::mt19937 rng(3);
  std::normal_distribution<float> d(0.0f, 2.0f);  // float WAV keeps values beyond [-1, 1]
  std::vector<float> x(3000);
  for (float& v : x) v = d(rng);
  save_wav(file("a.wav"), x, 48000, WavEncoding::Float32);
  const MonoAudio back = read_mono_audio(file("a.wav"));
  EXPECT_EQ(back.rate, 48000);
  EXPECT_EQ(back.samples, x);
}

TEST_F(Audio, SaveLeavesNoTemporaryAndReplacesAtomically) {
  save_wav(file("a.wav"), {0.5f}, 24000);
  save_wav(file("a.wav"), {0.25f, 0.25f}, 24000);
  EXPECT_EQ(read_mono_audio(file("a.wav")).samples.size(), 2u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
  EXPECT_THROW(save_wav(file("missing/a.wav"), {0.5f}, 24000), FileError);
}

TEST_F(Audio, SaveRefusesBadArguments) {
  EXPECT_THROW(save_wav(file("a.wav"), {0.5f}, 0), std::invalid_argument);
  EXPECT_THROW(save_wav(file("a.wav"), {0.5f, std::nanf("")}, 24000), std::invalid_argument);
  EXPECT_THROW(save_wav(file("a.wav"), {std::numeric_limits<float>::infinity()}, 24000), std::invalid_argument);
  EXPECT_FALSE(fs::exists(file("a.wav")));
}

TEST_F(Audio, ReadsFlacExactlyAndOggClosely) {
  const std::vector<float> x = pcm16_values(4000);
  std::vector<short> pcm(x.size());
  for (size_t i = 0; i < x.size(); ++i) pcm[i] = static_cast<short>(x[i] * 32768);
  EXPECT_EQ(read_mono_audio(write_sf("a.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 1, 16000, pcm)).samples, x);
  const std::vector<float> s = sine(440, 0.5, 24000, 24000);
  const MonoAudio ogg = read_mono_audio(write_sf("a.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 1, 24000, s));
  EXPECT_EQ(ogg.rate, 24000);
  ASSERT_EQ(ogg.samples.size(), s.size());
  double err = 0, ref = 0;  // Vorbis is lossy: the signal-to-error ratio, well over 30 dB
  for (size_t i = 0; i < s.size(); ++i) {
    err += (ogg.samples[i] - s[i]) * double(ogg.samples[i] - s[i]);
    ref += s[i] * double(s[i]);
  }
  EXPECT_GT(10 * std::log10(ref / err), 30.0);
}

TEST_F(Audio, MixesChannelsToTheirMean) {
  const std::vector<float> l = pcm16_values(1000), r = sine(300, 0.7, 44100, 1000);
  std::vector<float> frames, three;
  for (size_t i = 0; i < l.size(); ++i) {
    frames.insert(frames.end(), {l[i], r[i]});
    three.insert(three.end(), {l[i], r[i], -l[i]});
  }
  const MonoAudio two = read_mono_audio(write_sf("s.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 2, 44100, frames));
  const MonoAudio tri = read_mono_audio(write_sf("t.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 3, 44100, three));
  ASSERT_EQ(two.samples.size(), l.size());
  ASSERT_EQ(tri.samples.size(), l.size());
  for (size_t i = 0; i < l.size(); ++i) {
    EXPECT_EQ(two.samples[i], static_cast<float>((double(l[i]) + r[i]) / 2));
    EXPECT_EQ(tri.samples[i], static_cast<float>((double(l[i]) + r[i] - l[i]) / 3));
  }
}

// A sine resampled at HQ stays the same sine at the new rate: frequency and level kept to
// within libsoxr's passband, away from the edges where the filter starts up.
TEST(Resample, SineKeepsFrequencyAndLevel) {
  for (const auto& [from, to] : {std::pair{44100, 24000}, {16000, 24000}, {48000, 24000}, {22050, 24000}}) {
    const size_t n = static_cast<size_t>(from);  // one second
    const std::vector<float> y = resample(sine(1000, 0.8, from, n), from, to);
    ASSERT_EQ(y.size(), static_cast<size_t>(std::ceil(double(n) * to / from))) << from;
    const std::vector<float> want = sine(1000, 0.8, to, y.size());
    double max_err = 0;
    for (size_t i = 200; i + 200 < y.size(); ++i) max_err = std::max(max_err, std::fabs(double(y[i]) - want[i]));
    EXPECT_LT(max_err, 1e-3) << from << " -> " << to;
  }
  const std::vector<float> same = pcm16_values(100);
  EXPECT_EQ(resample(same, 24000, 24000), same);
  EXPECT_THROW(resample(same, 0, 24000), std::invalid_argument);
}

float peak_of(const std::vector<float>& wave) {
  float peak = 0;
  for (const float v : wave) peak = std::max(peak, std::fabs(v));
  return peak;
}

// The stream gives resample()'s samples on the whole, for any chunking, at rates up and down
// and the same rate; reset() starts anew; a push after flush() is refused.
TEST(ResamplerStream, GivesTheWholeResampleForAnyChunking) {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<float> u(-0.8f, 0.8f);
  std::vector<float> x(30011);
  for (float& v : x) v = u(rng);
  for (const auto& [from, to] : {std::pair{48000, 24000}, std::pair{16000, 24000}, std::pair{44100, 22050},
                                 std::pair{22050, 22050}}) {
    const std::vector<float> want = resample(x, from, to);
    ResamplerStream s(from, to);
    for (const int max_chunk : {1 + static_cast<int>(x.size()), 480, 7}) {
      s.reset();
      std::vector<float> got;
      for (size_t i = 0; i < x.size();) {
        const size_t n = std::min(x.size() - i, static_cast<size_t>(1 + rng() % static_cast<uint64_t>(max_chunk)));
        s.push(x.data() + i, static_cast<int64_t>(n), got);
        i += n;
      }
      EXPECT_GE(s.delay_samples(), 0.0);
      s.flush(got);
      EXPECT_EQ(got, want) << from << " -> " << to << ", chunks up to " << max_chunk;
      EXPECT_THROW(s.push(x.data(), 1, got), std::logic_error);
    }
  }
  EXPECT_THROW(ResamplerStream(0, 24000), std::invalid_argument);
}

TEST_F(Audio, LoadVoiceResamplesMixesAndPeakNormalizes) {
  const std::vector<float> s = sine(500, 0.3, 16000, 8000);
  std::vector<float> frames;
  for (const float v : s) frames.insert(frames.end(), {v, v});
  const std::string path = write_sf("v.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 2, 16000, frames);
  const std::vector<float> wave = load_voice(path, kVoiceRate, Gain::kPeakNormalize);
  ASSERT_EQ(wave.size(), 12000u);
  EXPECT_FLOAT_EQ(peak_of(wave), 1.0f);
  const std::vector<float> want = sine(500, 1.0, kVoiceRate, wave.size());
  for (size_t i = 300; i + 300 < wave.size(); ++i) ASSERT_NEAR(wave[i], want[i], 2e-3) << i;

  // As recorded (a reference): the same resampled samples at their own level, which the
  // normalized ones are divided from.
  const std::vector<float> as_recorded = load_voice(path, kVoiceRate, Gain::kAsRecorded);
  ASSERT_EQ(as_recorded.size(), wave.size());
  const float peak = peak_of(as_recorded);
  EXPECT_NEAR(peak, 0.3f, 2e-3f);
  for (size_t i = 0; i < wave.size(); ++i) ASSERT_EQ(wave[i], as_recorded[i] / peak) << i;
}

// Refused as a source and as a reference alike (silence too: a reference of it has no voice).
void expect_file_error(const std::string& path, const std::string& what) {
  for (const Gain gain : {Gain::kPeakNormalize, Gain::kAsRecorded}) {
    try {
      load_voice(path, kVoiceRate, gain);
      ADD_FAILURE() << path << ": loaded";
    } catch (const FileError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(path, 0), 0u) << message;  // names the file first
      EXPECT_NE(message.find(what), std::string::npos) << message;
    }
  }
}

TEST_F(Audio, RefusesBadFiles) {
  expect_file_error(file("missing.wav"), "cannot read");
  expect_file_error(write_bytes("empty.wav", ""), "empty file");
  expect_file_error(write_bytes("text.wav", "this is not audio\n"), "not a readable audio file");
  const std::string data = le16(1000) + le16(2000) + le16(3000);
  expect_file_error(write_bytes("header.wav", wav_bytes(6000, data)), "more audio data than the file holds");
  expect_file_error(write_bytes("nodata.wav", wav_bytes(0, "")), "no audio samples");
  const float inf = std::numeric_limits<float>::infinity();
  const int float_wav = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  expect_file_error(write_sf("nan.wav", float_wav, 1, 24000, std::vector<float>{0.5f, std::nanf("")}), "not finite");
  expect_file_error(write_sf("inf.wav", float_wav, 2, 24000, std::vector<float>{0.5f, 0.5f, 0.1f, -inf}),
                    "sample 1 is not finite");
  expect_file_error(write_sf("silent.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 24000, std::vector<short>(100)),
                    "silent");
  // A compressed stream cut short: its header's frame count is more than the data holds.
  const int flac16 = SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
  const std::string flac = write_sf("cut.flac", flac16, 1, 24000, sine(440, 0.5, 24000, 48000));
  fs::resize_file(flac, fs::file_size(flac) / 2);
  expect_file_error(flac, "truncated");
  // Digital silence compresses to almost nothing and is still read in full.
  const std::string quiet = write_sf("quiet.flac", flac16, 1, 24000, std::vector<short>(100000));
  EXPECT_EQ(read_mono_audio(quiet).samples, std::vector<float>(100000));
  expect_file_error(quiet, "silent");
  // The well-formed control: the same header with the data it claims loads.
  EXPECT_EQ(load_voice(write_bytes("ok.wav", wav_bytes(6, data)), kVoiceRate, Gain::kPeakNormalize).size(), 3u);
}

}  // namespace
}  // namespace xfv
