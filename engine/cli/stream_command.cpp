#include "engine/cli/stream_command.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "engine/io/atomic_write.h"
#include "engine/io/audio.h"
#include "engine/opcheck.h"
#include "engine/percentile.h"
#include "engine/tasks/voice_stream.h"

namespace xfv {
namespace {

// The source: a recording (its own rate) or raw PCM on stdin ("-", at --rate).
struct Source {
  std::vector<float> samples;  // a recording, whole; empty for stdin
  int rate = 0;
  bool pipe = false;
};

Source open_source(const StreamOptions& o) {
  Source s;
  const std::string& path = o.task.sources.at(0);
  if (path == "-") {
    if (o.rate < 1) throw std::invalid_argument("stream: --source - (raw PCM on stdin) needs --rate");
    s.rate = o.rate, s.pipe = true;
    return s;
  }
  MonoAudio a = read_mono_audio(path);
  if (o.compare_offline) {  // both runs see the same samples: the whole conversion's peak-normalized ones
    float peak = 0;
    for (float v : a.samples) peak = std::max(peak, std::abs(v));
    if (peak == 0) throw FileError(path + ": silent, nothing to compare");
    for (float& v : a.samples) v /= peak;
  }
  s.samples = std::move(a.samples), s.rate = a.rate;
  return s;
}

// Up to n samples of raw PCM from stdin; fewer at its end. A partial sample at the end is an error.
int64_t read_pcm(const std::string& format, int64_t n, std::vector<float>& out) {
  const size_t width = format == "s16" ? 2 : 4;
  std::vector<char> bytes(static_cast<size_t>(n) * width);
  const size_t got = std::fread(bytes.data(), 1, bytes.size(), stdin);
  if (got % width) throw std::invalid_argument("stream: stdin ended inside a sample (" + format + ")");
  out.resize(got / width);
  for (size_t i = 0; i < out.size(); ++i) {
    if (width == 2) {
      int16_t v;
      std::memcpy(&v, bytes.data() + 2 * i, 2);
      out[i] = static_cast<float>(v) / 32768.f;
    } else {
      std::memcpy(&out[i], bytes.data() + 4 * i, 4);
    }
  }
  return static_cast<int64_t>(out.size());
}

void write_pcm(const std::string& format, const float* x, int64_t n) {
  if (format == "s16") {
    std::vector<int16_t> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      v[static_cast<size_t>(i)] = static_cast<int16_t>(std::lround(std::clamp(x[i] * 32768.f, -32768.f, 32767.f)));
    std::fwrite(v.data(), 2, v.size(), stdout);
  } else {
    std::fwrite(x, 4, static_cast<size_t>(n), stdout);
  }
  std::fflush(stdout);
}

// --stats window:N (a window of N frames), running or fixed:FILE (a calibration recording,
// loaded as a source is), the last two on windows of --window-frames.
ConversionStreamOptions conversion_options(const StreamOptions& o, VoiceConverter& voices) {
  ConversionStreamOptions c;
  c.step_blocks = o.step_blocks, c.lookahead_blocks = o.lookahead_blocks;
  if (o.window_frames) c.window_frames = o.window_frames;
  const std::string window = "window:", fixed = "fixed:";
  if (o.stats.rfind(window, 0) == 0) {
    const std::string n = o.stats.substr(window.size());
    if (n.empty() || n.size() > 6 || n.find_first_not_of("0123456789") != std::string::npos)
      throw std::invalid_argument("--stats " + o.stats + ": window:N takes a frame count N");
    if (o.window_frames && o.window_frames != std::stoi(n))
      throw std::invalid_argument("--stats " + o.stats + " and --window-frames " + std::to_string(o.window_frames) +
                                  " name two windows");
    c.window_frames = std::stoi(n);
  } else if (o.stats == "running") {
    c.stats = StreamStats::kRunning;
  } else if (o.stats.rfind(fixed, 0) == 0 && o.stats.size() > fixed.size()) {
    c.stats = StreamStats::kFixed;
    c.calibration_name = o.stats.substr(fixed.size());
    c.calibration = load_voice(c.calibration_name, voices.rate(), Gain::kPeakNormalize);
  } else {
    throw std::invalid_argument("--stats " + o.stats + ": window:N, running or fixed:FILE (docs/streaming.md)");
  }
  return c;
}

}  // namespace

CLI::App* add_stream_command(CLI::App& app, StreamOptions& o) {
  o.task.task = "voice";
  auto* cmd = app.add_subcommand("stream", "a voice converted as a live stream, in chunks, with its latency (docs/streaming.md)");
  cmd->add_option("--weights", o.task.weights, "weight file (a bundle, weights/README.md)")->required();
  cmd->add_option("--source", o.task.sources, "a recording (WAV, FLAC or OGG, any rate), or - for raw PCM on stdin")
      ->required()->expected(1);
  auto* ref = cmd->add_option("--reference", o.task.references, "a face photo or a recording whose style to take")->expected(1);
  auto* lat = cmd->add_option("--latent", o.task.latent, "a latent code (.npy, float32, (1, latent_dim))");
  auto* sd = cmd->add_option("--seed", o.task.seed, "a seed for the latent code");
  ref->excludes(lat)->excludes(sd);
  lat->excludes(sd);
  cmd->add_option("--domain", o.task.domain, "domain name or index, in the network that makes the style")->required();
  cmd->add_option("--backend", o.task.backend, "cpu, sim or cuda")->check(CLI::IsMember({"cpu", "sim", "cuda"}));
  cmd->add_option("--out", o.task.out, "output WAV, or - for raw PCM on stdout")->required();
  cmd->add_option("--chunk-ms", o.chunk_ms, "the source's chunks, in ms")->check(CLI::PositiveNumber);
  cmd->add_option("--step-blocks", o.step_blocks, "generator blocks (4 frames) per step")->check(CLI::PositiveNumber);
  cmd->add_option("--lookahead-blocks", o.lookahead_blocks, "blocks each step looks ahead")->check(CLI::NonNegativeNumber);
  cmd->add_option("--gain", o.gain, "fixed (--fixed-gain, default 1) or running (the running peak)")
      ->check(CLI::IsMember({"fixed", "running"}));
  cmd->add_option("--fixed-gain", o.fixed_gain, "the source's gain with --gain fixed")->check(CLI::PositiveNumber);
  cmd->add_option("--stats", o.stats,
                  "the instance norms' statistics: window:N (the N frames each step sees), running (the "
                  "utterance so far) or fixed:FILE (a calibration recording's)");
  cmd->add_option("--window-frames", o.window_frames, "frames each step sees with --stats running or fixed (192)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--noise-seed", o.task.noise_seed, "seed of a Parallel WaveGAN vocoder's noise");
  cmd->add_flag("--exact-tiles", o.exact_tiles,
                "the vocoder's Winograd tiles on the whole run's grid: its bits, more look-ahead (docs/streaming.md)");
  cmd->add_option("--report", o.report, "write latency, compute per chunk and deviation as JSON");
  cmd->add_flag("--compare-offline", o.compare_offline,
                "also convert the whole source at once (both peak-normalized) and report the deviation");
  cmd->add_option("--rate", o.rate, "raw PCM's rate on stdin")->check(CLI::PositiveNumber);
  cmd->add_option("--format", o.format, "raw PCM's samples: f32 or s16")->check(CLI::IsMember({"f32", "s16"}));
  cmd->add_flag("--float-wav", o.task.float_wav, "write 32-bit float samples, not 16-bit PCM");
  return cmd;
}

int stream_command(const StreamOptions& o) {
  if (o.task.references.empty() + o.task.latent.empty() + o.task.seed.empty() != 2)
    throw std::invalid_argument("stream: give one of --reference, --latent or --seed");
  if (o.compare_offline && o.task.sources.at(0) == "-")
    throw std::invalid_argument("stream: --compare-offline needs a recording, not stdin");
  Bundle b(o.task.weights, o.task.backend);
  Source source = open_source(o);
  VoiceStreamOptions so;
  so.input_rate = source.rate;
  so.chunk_samples = std::max(1, static_cast<int>(std::lround(o.chunk_ms * source.rate / 1000)));
  so.gain = o.gain == "running" ? StreamGain::kRunningPeak : StreamGain::kFixed;
  so.fixed_gain = o.fixed_gain;
  so.conversion = conversion_options(o, b.voices());
  so.noise_seed = o.task.noise_seed;
  so.exact_vocoder_tiles = o.exact_tiles;
  const HostTensor style = styles_for(o.task, b, 1, {});
  VoiceStream stream(b.models(), style, so);

  const bool to_stdout = o.task.out == "-";
  std::vector<float> output, pulled(static_cast<size_t>(stream.rate()));
  std::vector<double> compute_ms;
  std::vector<float> chunk;
  const auto take = [&] {
    for (int64_t n; (n = stream.pull(pulled.data(), static_cast<int64_t>(pulled.size()))) > 0;) {
      if (to_stdout) write_pcm(o.format, pulled.data(), n);
      else output.insert(output.end(), pulled.begin(), pulled.begin() + n);
    }
  };
  const auto timed = [&](auto&& body) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    compute_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  };
  int64_t pushed = 0;
  for (;;) {
    if (source.pipe) {
      if (read_pcm(o.format, so.chunk_samples, chunk) == 0) break;
    } else {
      if (pushed >= static_cast<int64_t>(source.samples.size())) break;
      const int64_t n = std::min<int64_t>(so.chunk_samples, static_cast<int64_t>(source.samples.size()) - pushed);
      chunk.assign(source.samples.begin() + pushed, source.samples.begin() + pushed + n);
    }
    pushed += static_cast<int64_t>(chunk.size());
    timed([&] { stream.push(chunk.data(), static_cast<int64_t>(chunk.size())); });
    take();
  }
  stream.flush();
  take();
  if (!to_stdout) save_wav(o.task.out, output, stream.rate(), o.task.float_wav ? WavEncoding::Float32 : WavEncoding::Pcm16);

  nlohmann::json r;
  const double chunk_duration = 1000.0 * so.chunk_samples / source.rate, audio_ms = 1000.0 * static_cast<double>(pushed) / source.rate;
  double total = 0;
  for (double t : compute_ms) total += t;
  r["algorithmic_latency_samples"] = stream.latency_samples();
  r["algorithmic_latency_ms"] = 1000.0 * static_cast<double>(stream.latency_samples()) / stream.rate();
  r["chunk_ms"] = chunk_duration;
  r["chunks"] = compute_ms.size();
  r["compute_ms"] = {{"p50", percentile(compute_ms, 0.5)}, {"p95", percentile(compute_ms, 0.95)},
                     {"p99", percentile(compute_ms, 0.99)}, {"max", percentile(compute_ms, 1.0)}};
  r["real_time_factor"] = audio_ms > 0 ? total / audio_ms : 0;
  r["options"] = {{"step_blocks", o.step_blocks}, {"lookahead_blocks", o.lookahead_blocks}, {"gain", o.gain},
                  {"stats", o.stats}, {"window_frames", so.conversion.window_frames}, {"exact_tiles", o.exact_tiles},
                  {"backend", o.task.backend}};
  if (o.compare_offline) {
    std::vector<float> whole = b.convert_recordings({resample(source.samples, source.rate, b.voices().rate())},
                                                    style, {}, o.task.noise_seed, {o.task.sources[0]}, {})
                                   .at(0);
    const size_t n = std::min(whole.size(), output.size());
    if (whole.size() != output.size())
      throw std::logic_error("the stream gave " + std::to_string(output.size()) + " samples, the whole conversion " +
                             std::to_string(whole.size()));
    // The log-mel distance: RMS of the difference of the two outputs' ln-mels (the voice front
    // end's normalized log-mel is (ln mel + 4) / 4).
    const HostTensor a = b.voices().mel(HostTensor(Shape{1, static_cast<int64_t>(n)}, output));
    const HostTensor c = b.voices().mel(HostTensor(Shape{1, static_cast<int64_t>(n)}, whole));
    double sq = 0;
    for (size_t i = 0; i < a.data.size(); ++i) sq += std::pow(4.0 * (a.data[i] - c.data[i]), 2);
    r["compare_offline"] = {{"waveform_relative_l2", relative_l2(output, whole)},
                            {"log_mel_distance", std::sqrt(sq / static_cast<double>(a.data.size()))}};
  }
  std::fprintf(stderr, "%s\n", r.dump(2).c_str());
  if (!o.report.empty()) write_atomically(o.report, {r.dump(2), "\n"});
  return 0;
}

}  // namespace xfv
