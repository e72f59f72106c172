// The `xfv` command line.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/cli/stream_command.h"
#include "engine/cli/task_commands.h"
#include "engine/io/audio.h"
#include "engine/io/image.h"
#include "engine/io/npy.h"
#include "engine/models/hifigan.h"
#include "engine/models/networks.h"
#include "engine/models/voice_settings.h"
#include "engine/op_traits.h"
#include "engine/profile.h"
#include "engine/opcheck.h"
#include "engine/percentile.h"
#include "engine/tasks/validate.h"
#include "engine/tasks/vocoder_stream.h"

namespace {

using namespace xfv;

// The op families of the cases, in case order (OpTraits::family).
std::vector<std::string> op_families(const std::vector<OpCase>& cases) {
  std::vector<std::string> families;
  for (const OpCase& c : cases) {
    const std::string f = traits_of(c.op).family;
    if (std::find(families.begin(), families.end(), f) == families.end()) families.push_back(f);
  }
  return families;
}

// Every op case (of the chosen families: all when none) on every chosen backend against cpu:
// error and time per run. A family that names no case is an error, not an empty pass.
int check_ops(std::vector<std::string> backends, const std::vector<std::string>& families, uint64_t seed) {
  const std::vector<OpCase> cases = op_cases(seed);
  const std::vector<std::string> known = op_families(cases);
  for (const std::string& f : families)
    if (std::find(known.begin(), known.end(), f) == known.end())
      throw std::invalid_argument("ops: no op family '" + f + "' (xfv ops --list-families names them)");
  // A backend named by --backend must run; of the default list, one that cannot is skipped.
  const bool named = !backends.empty();
  if (!named) backends = compiled_backends();
  auto cpu = make_backend("cpu");
  std::vector<std::unique_ptr<Backend>> targets;
  for (const std::string& name : backends) {
    std::string why;
    if (!backend_available(name, &why)) {
      if (named) throw std::runtime_error("ops: backend " + name + " cannot run here: " + why);
      std::printf("backend %s skipped: %s\n", name.c_str(), why.c_str());
      continue;
    }
    targets.push_back(make_backend(name));
  }
  int failures = 0, runs = 0;
  std::printf("%-58s %-5s %10s %10s  %s\n", "op", "on", "rel L2", "ms", "");
  for (const OpCase& c : cases) {
    if (!families.empty() && std::find(families.begin(), families.end(), traits_of(c.op).family) == families.end())
      continue;
    const OpRun want = run_case(c, *cpu);
    for (auto& target : targets) {
      const OpRun got = target->name() == "cpu" ? want : run_case(c, *target);
      const double err = relative_l2(got.output, want.output);
      const bool ok = err <= c.tolerance;  // NaN fails
      failures += !ok, ++runs;
      std::printf("%-58s %-5s %10.2e %10.3f  %s\n", describe(c.op).c_str(), target->name().c_str(), err, got.ms,
                  ok ? "ok" : "FAIL");
    }
  }
  std::printf("%d passed, %d failed\n", runs - failures, failures);
  return failures ? 1 : 0;
}

int list_backends() {
  for (const std::string& name : compiled_backends()) {
    std::string why;
    const bool ok = backend_available(name, &why);
    std::printf("%-5s %s\n", name.c_str(), ok ? "available" : ("unavailable: " + why).c_str());
  }
  return 0;
}

// The length a network's arena is reported at: one second of frames for the voice networks
// (at the rate and hop of the file's mel), the network's own size otherwise.
int second_of_frames(const TensorFile& w, const std::string& path, const std::string& network) {
  if (network == "vocoder" && is_hifigan(w, path)) {
    const HifiGanConfig c = hifigan_config(w, path);
    return c.sampling_rate / c.hop_size;
  }
  if (network == "vocoder" || network == "audio_generator" || network == "audio_style_encoder" || network == "f0_model") {
    const VoiceMel mel = voice_settings(w, path).mel;
    return mel.sampling_rate / mel.hop_size;
  }
  return 0;
}

int info(const std::string& path) {
  const TensorFile w = read_safetensors(path);
  const std::map<std::string, size_t> weights = weight_bytes_per_network(w);
  std::printf("%s: %zu tensors\n", path.c_str(), w.tensors.size());
  for (const std::string& network : networks_in(w, path)) {
    const auto config = w.metadata.find("xfv.config." + network);
    const auto domains = w.metadata.find("xfv.domains." + network);
    std::printf("  %s\n    config %s\n", network.c_str(), config == w.metadata.end() ? "-" : config->second.c_str());
    if (domains != w.metadata.end()) std::printf("    domains %s\n", domains->second.c_str());
    const int length = second_of_frames(w, path, network);
    const NetworkGraph net = build_network(w, path, network, 1, 0, length);
    const size_t arena = Runner::plan(*net.graph, false).total_bytes;
    std::printf("    weights %.1f MB, arena %.1f MB at batch 1%s\n", (weights.count(network) ? weights.at(network) : 0) * 1e-6,
                arena * 1e-6, length ? (", " + std::to_string(length) + " frames (1 s)").c_str() : "");
  }
  return 0;
}

int validate(const std::string& dump, const std::string& weights, const std::string& backend, bool isolate) {
  const ValidationReport r = validate_dump(dump, weights, backend, isolate);
  std::printf("%s, %s on %s, tolerance %.0e (relative L2)\n", r.network.c_str(), isolate ? "isolated" : "chained",
              backend.c_str(), r.tolerance);
  std::printf("%-52s %12s %12s\n", "dump point", "max abs", "rel L2");
  for (const PointReport& p : r.points) {
    std::printf("%-52s %12.3e %12.3e  %s", p.name.c_str(), p.max_abs, p.rel_l2, p.ok ? "ok" : "OVER");
    if (p.tolerance != r.tolerance) std::printf(" (tolerance %.0e: past a threshold)", p.tolerance);
    std::printf("\n");
  }
  if (r.points.empty()) std::printf("no dump point of the dump matches a node of the network\n");
  if (!r.first_over.empty()) std::printf("first point over the tolerance: %s\n", r.first_over.c_str());
  std::printf("%zu points, %s\n", r.points.size(), r.ok() ? "all within tolerance" : "FAILED");
  return r.ok() ? 0 : 1;
}

struct VocodeOptions {
  std::string weights, input, out, backend = "cpu", dump, profile_json, trace, peaks, precision = "fp32";
  bool profile = false, float_wav = false;
  int64_t budget_mb = 0;
  int max_frames = 0;  // 0: the family's default window (vocoder_chunker)
  bool stream = false, compare_offline = false, rounded_tiles = false;
  double chunk_ms = 20;
};

bool is_npy(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".npy" || ext == ".NPY";
}

// The mel (bands, T) through a VocoderStream in chunks of the step nearest chunk_ms, as a
// live caller would push it, timing each push; the report on stdout (docs/streaming.md).
// With a profile, it holds the nodes of the last step run before the flush.
std::vector<float> vocode_streaming(const VocodeOptions& o, const HostTensor& mel, const HifiGanConfig& c,
                                    Profile* profile) {
  const int step = std::max(1, static_cast<int>(std::lround(o.chunk_ms / 1000 * c.sampling_rate / c.hop_size)));
  VocoderStream stream(std::make_shared<const Model>(o.weights, o.backend), step, 0, !o.rounded_tiles);
  const int64_t frames = mel.shape[mel.shape.rank - 1], bands = c.num_mels;
  std::vector<float> frame_major(static_cast<size_t>(frames * bands));
  for (int64_t t = 0; t < frames; ++t)
    for (int64_t m = 0; m < bands; ++m) frame_major[static_cast<size_t>(t * bands + m)] = mel.data[static_cast<size_t>(m * frames + t)];
  std::vector<float> out(static_cast<size_t>(frames * c.hop_size));
  int64_t got = 0;
  std::vector<double> ms;
  const auto timed = [&](const auto& work) {
    const auto t0 = std::chrono::steady_clock::now();
    work();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    got += stream.pull(out.data() + got, static_cast<int64_t>(out.size()) - got);
  };
  if (profile) stream.set_profile_hook(profile->hook());
  for (int64_t at = 0; at < frames; at += step) {
    const int64_t count = std::min<int64_t>(step, frames - at);  // completes at most one step
    if (profile && count >= stream.frames_until_step()) profile->clear();
    timed([&] { stream.push(frame_major.data() + at * bands, count); });
  }
  stream.set_profile_hook(nullptr);
  timed([&] { stream.flush(); });
  double total = 0;
  for (double v : ms) total += v;
  const double chunk = 1000.0 * step * c.hop_size / c.sampling_rate, rate = c.sampling_rate / 1000.0;
  std::printf("stream: step %d frames (%.2f ms), %s tiles, algorithmic latency %lld samples (%.1f ms): "
              "look-ahead %lld + step buffering %lld\n",
              step, chunk, o.rounded_tiles ? "rounded" : "exact", static_cast<long long>(stream.latency_samples()),
              static_cast<double>(stream.latency_samples()) / rate, static_cast<long long>(stream.lag_samples()),
              static_cast<long long>(stream.latency_samples() - stream.lag_samples()));
  std::printf("compute per chunk (%zu chunks, the flush last): p50 %.2f ms, p95 %.2f, p99 %.2f, max %.2f; "
              "real-time factor %.3f\n",
              ms.size(), percentile(ms, 0.5), percentile(ms, 0.95), percentile(ms, 0.99), percentile(ms, 1.0),
              total / (1000.0 * static_cast<double>(frames * c.hop_size) / c.sampling_rate));
  return out;
}

// A mel (.npy) or a recording (copy synthesis) to a waveform at the vocoder's rate.
int vocode(const VocodeOptions& o) {
  Bundle bundle(o.weights, o.backend);
  set_budget(bundle, o.budget_mb);
  if (o.stream && o.precision != "fp32")
    throw std::invalid_argument("--precision " + o.precision + ": a stream's graphs run fp32 for now (docs/kernels.md)");
  set_precision(bundle, o.precision);
  HifiGanVocoder& v = bundle.hifigan();
  if (o.max_frames) v.set_max_frames(o.max_frames);
  const HifiGanConfig& c = v.config();
  TensorFile dump;
  Profile profile(o.backend);
  const bool profiling = o.profile || !o.profile_json.empty() || !o.trace.empty();
  if (profiling) profile.set_peaks(profile_peaks(o.backend, o.peaks));
  const RunOptions how{o.dump.empty() ? nullptr : &dump, profiling ? profile.hook() : NodeHook()};
  HostTensor mel;
  if (is_npy(o.input)) {
    mel = read_npy(o.input);
    try {
      v.check_mel(mel);
    } catch (const std::invalid_argument& e) {
      throw FileError(o.input + ": " + e.what());
    }
  } else {
    const MonoAudio audio = read_mono_audio(o.input);
    const std::vector<float> wave = resample(audio.samples, audio.rate, c.sampling_rate);
    if (static_cast<int64_t>(wave.size()) < c.min_samples())
      throw FileError(o.input + ": " + std::to_string(wave.size()) + " samples at " + std::to_string(c.sampling_rate) +
                      " Hz are too short; the mel front end needs at least " + std::to_string(c.min_samples()));
    mel = v.mel(wave, how);
  }
  std::vector<float> wave;
  if (o.stream) {
    HostTensor bands_by_frames = mel;
    bands_by_frames.shape = Shape{c.num_mels, mel.shape[mel.shape.rank - 1]};
    wave = vocode_streaming(o, bands_by_frames, c, profiling ? &profile : nullptr);
    if (o.compare_offline) {
      const std::vector<float> whole = v.vocode(mel, RunOptions{how.dump, nullptr});  // the profile: the stream's
      std::printf("against the whole run: relative L2 %.3g, max abs %.3g\n", relative_l2(wave, whole),
                  max_abs_diff(wave, whole));
    }
  } else {
    wave = v.vocode(mel, how);
  }
  save_wav(o.out, wave, c.sampling_rate, o.float_wav ? WavEncoding::Float32 : WavEncoding::Pcm16);
  if (!o.dump.empty()) write_safetensors(o.dump, dump);
  profile.set_memory(bundle.models().memory());
  if (o.profile) profile.print(stdout);
  if (!o.profile_json.empty()) profile.write_json(o.profile_json);
  if (!o.trace.empty()) profile.write_trace(o.trace);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xfv: cross-modal face and voice style transfer inference engine"};
  app.require_subcommand(1);

  auto* ops = app.add_subcommand("ops", "run every op on every backend against cpu, with its time");
  std::vector<std::string> backends;
  uint64_t seed = 1;
  ops->add_option("--backend", backends, "backends to check (default: every one built in)")
      ->check(CLI::IsMember({"cpu", "sim", "cuda"}));
  ops->add_option("--seed", seed, "seed of the random inputs");
  std::vector<std::string> families;
  bool list_families = false;
  ops->add_option("--family", families, "op families to check (default: every one; --list-families names them)");
  ops->add_flag("--list-families", list_families, "print the op families, one a line, and check nothing");

  auto* list = app.add_subcommand("backends", "list the backends and whether each can run here");

  auto* info_cmd = app.add_subcommand("info", "a weight file's networks, configuration and domains");
  std::string info_path;
  info_cmd->add_option("weights", info_path, "weight file (.safetensors)")->required();

  auto* val = app.add_subcommand("validate", "rerun a reference dump and compare every dump point");
  std::string dump_path, weights_path, backend = "cpu";
  bool isolate = false;
  val->add_option("dump", dump_path, "reference dump (.safetensors)")->required();
  val->add_option("--weights", weights_path, "weight file (not needed for the mel front end)");
  val->add_option("--backend", backend, "cpu, sim or cuda")->check(CLI::IsMember({"cpu", "sim", "cuda"}));
  val->add_flag("--isolate", isolate, "run each block on the reference's own input (tolerance 1e-5)");

  TaskOptions image_options, voice_options, generate_options;
  auto* img = add_task_command(app, "image", image_options);
  auto* vc = add_task_command(app, "voice", voice_options);
  auto* gen = add_task_command(app, "generate", generate_options);
  std::vector<TaskOptions> bench_options;
  int runs = 5, warmup = 1;
  auto* bench = add_bench_command(app, bench_options, runs, warmup);

  VocodeOptions vd;
  auto* voc = app.add_subcommand("vocode", "a mel or a recording (copy synthesis) to speech by a HiFi-GAN vocoder");
  voc->add_option("--weights", vd.weights, "weight file holding a HiFi-GAN vocoder")->required();
  voc->add_option("--input", vd.input,
                  "a log-mel (.npy, float32, (80, T) or (1, 80, T)) or a recording (WAV, FLAC or OGG, any rate)")
      ->required();
  voc->add_option("--out", vd.out, "output WAV at the vocoder's rate")->required();
  voc->add_option("--backend", vd.backend, "cpu, sim or cuda")->check(CLI::IsMember({"cpu", "sim", "cuda"}));
  add_budget_option(*voc, vd.budget_mb);
  add_precision_option(*voc, vd.precision);
  voc->add_option("--dump-tensors", vd.dump, "write every value of the networks by name (.safetensors)");
  voc->add_flag("--profile", vd.profile,
                "print each node's op, shapes, time, FLOPs and bytes, and totals per network (with --stream: the "
                "nodes of one step, the last before the flush)");
  voc->add_option("--profile-json", vd.profile_json, "write the profile as JSON (docs/profile.md)");
  voc->add_option("--trace", vd.trace, "write the profile as a Chrome trace (opens in Perfetto)");
  add_peaks_option(*voc, vd.peaks);
  voc->add_option("--max-frames", vd.max_frames,
                  "the vocoder runs at most this many frames at a time, longer mels in overlapping windows with "
                  "the whole run's samples (default: 2048 for HiFi-GAN, 512 for Parallel WaveGAN; docs/tasks.md)");
  voc->add_flag("--float-wav", vd.float_wav, "write 32-bit float samples (exact, for validation), not 16-bit PCM");
  voc->add_flag("--stream", vd.stream,
                "vocode as a live stream (docs/streaming.md): the mel pushed in chunks, each layer keeping its "
                "context; prints the latency and the compute per chunk");
  voc->add_option("--chunk-ms", vd.chunk_ms, "with --stream: the chunk, rounded to whole frames (default 20)")
      ->check(CLI::PositiveNumber);
  voc->add_flag("--compare-offline", vd.compare_offline, "with --stream: print the deviation from the whole run");
  voc->add_flag("--rounded-tiles", vd.rounded_tiles,
                "with --stream: no Winograd halos (less look-ahead; the step edges round differently)");

  StreamOptions so;
  auto* str = add_stream_command(app, so);

  CLI11_PARSE(app, argc, argv);
  try {
    if (*ops && list_families) {
      for (const std::string& f : op_families(op_cases(seed))) std::printf("%s\n", f.c_str());
      return 0;
    }
    if (*ops) return check_ops(backends, families, seed);
    if (*list) return list_backends();
    if (*info_cmd) return info(info_path);
    if (*val) return validate(dump_path, weights_path, backend, isolate);
    if (*img) return task_command(image_options);
    if (*vc) return task_command(voice_options);
    if (*gen) return task_command(generate_options);
    for (const TaskOptions& o : bench_options)
      if (*bench && *bench->get_subcommand(o.task)) return bench_command(o, runs, warmup);
    if (*voc) return vocode(vd);
    if (*str) return stream_command(so);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xfv: %s\n", e.what());
    return 1;
  }
  return 0;
}
