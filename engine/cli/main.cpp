// The `xfv` command line.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/io/audio.h"
#include "engine/io/image.h"
#include "engine/io/npy.h"
#include "engine/models/networks.h"
#include "engine/op_traits.h"
#include "engine/opcheck.h"
#include "engine/tasks/hifigan_vocoder.h"
#include "engine/tasks/image_translator.h"
#include "engine/tasks/validate.h"
#include "engine/tasks/voice_converter.h"

namespace {

using namespace xfv;

// Every op case on every chosen backend against cpu: error and time per run.
int check_ops(std::vector<std::string> backends, uint64_t seed) {
  if (backends.empty()) backends = compiled_backends();
  auto cpu = make_backend("cpu");
  std::vector<std::unique_ptr<Backend>> targets;
  for (const std::string& name : backends) {
    std::string why;
    if (!backend_available(name, &why)) {
      std::printf("backend %s skipped: %s\n", name.c_str(), why.c_str());
      continue;
    }
    targets.push_back(make_backend(name));
  }
  int failures = 0, runs = 0;
  std::printf("%-58s %-5s %10s %10s  %s\n", "op", "on", "rel L2", "ms", "");
  for (const OpCase& c : op_cases(seed)) {
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

int info(const std::string& path) {
  const TensorFile w = read_safetensors(path);
  std::printf("%s: %zu tensors\n", path.c_str(), w.tensors.size());
  for (const std::string& network : networks_in(w, path)) {
    const auto config = w.metadata.find("xfv.config." + network);
    const auto domains = w.metadata.find("xfv.domains." + network);
    std::printf("  %s\n    config %s\n", network.c_str(), config == w.metadata.end() ? "-" : config->second.c_str());
    if (domains != w.metadata.end()) std::printf("    domains %s\n", domains->second.c_str());
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

// What the image and voice tasks share: weights, source, style (from a reference, a latent
// or a seed), output, backend, tensor dump and profile.
struct TaskOptions {
  std::string weights, source, reference, latent, out, domain, backend = "cpu", dump, seed;
  float psi = 1.f;
  bool profile = false;
  // voice only
  std::string noise, mel_png;
  uint64_t noise_seed = 0;
  bool float_wav = false;
};

CLI::App* add_task(CLI::App& app, const char* name, const char* what, const char* media, TaskOptions& o) {
  auto* cmd = app.add_subcommand(name, what);
  cmd->add_option("--weights", o.weights, "weight file")->required();
  cmd->add_option("--source", o.source, std::string("the ") + media + " to restyle")->required();
  cmd->add_option("--domain", o.domain, "domain name or index")->required();
  cmd->add_option("--out", o.out, "output file")->required();
  auto* ref = cmd->add_option("--reference", o.reference, std::string("a reference ") + media);
  auto* lat = cmd->add_option("--latent", o.latent, "a latent code (.npy, float32)");
  auto* sd = cmd->add_option("--seed", o.seed, "a seed for the latent code");
  ref->excludes(lat)->excludes(sd);
  lat->excludes(sd);
  cmd->add_option("--psi", o.psi, "truncation toward the mean style, in [0, 1] (with --latent or --seed)");
  cmd->add_option("--backend", o.backend, "cpu, sim or cuda")->check(CLI::IsMember({"cpu", "sim", "cuda"}));
  cmd->add_option("--dump-tensors", o.dump, "write every value of the networks by name (.safetensors)");
  cmd->add_flag("--profile", o.profile, "print each node's time");
  return cmd;
}

NodeHook profile_printer(bool on) {
  if (!on) return nullptr;
  return [](const Node& node, const std::string& name, double ms) {
    std::printf("%-44s %-62s %9.3f ms\n", name.c_str(), describe(node.op).c_str(), ms);
  };
}

// The style from --reference (by `encode`), --latent or --seed.
template <class Encode>
HostTensor style_of(const TaskOptions& o, ModelSession& models, const char* task, Encode encode) {
  if (!o.reference.empty()) return encode();
  if (o.latent.empty() && o.seed.empty())
    throw std::invalid_argument(std::string(task) + ": give one of --reference, --latent or --seed");
  const HostTensor z = !o.latent.empty() ? read_npy(o.latent) : models.latent_from_seed(std::stoull(o.seed));
  return models.style_from_latent(z, models.domain(o.domain, "mapping_network"), o.psi);
}

int image(const TaskOptions& o) {
  ImageTranslator t(o.weights, o.backend);
  const HostTensor source = load_face_image(o.source, t.image_size());
  const HostTensor style = style_of(o, t.models(), "image", [&] {
    return t.style_from_reference(load_face_image(o.reference, t.image_size()),
                                  t.domain(o.domain, "image_style_encoder"));
  });
  TensorFile dump;
  const HostTensor out = t.translate(source, style, o.dump.empty() ? nullptr : &dump, profile_printer(o.profile));
  save_png(o.out, out);
  if (!o.dump.empty()) write_safetensors(o.dump, dump);
  return 0;
}

int voice(const TaskOptions& o) {
  VoiceConverter v(o.weights, o.backend);
  std::vector<float> noise;
  if (!o.noise.empty()) noise = read_npy(o.noise).data;  // its length is checked against the output's
  TensorFile dump;
  const RunOptions how{o.dump.empty() ? nullptr : &dump, profile_printer(o.profile)};
  const HostTensor source = v.mel(load_voice(o.source), how);
  const HostTensor style = style_of(o, v.models(), "voice", [&] {
    return v.style_from_reference(v.mel(load_voice(o.reference)), v.domain(o.domain, "audio_style_encoder"), how);
  });
  const HostTensor converted = v.convert(source, style, how);
  const std::vector<float> wave = v.vocode(converted, noise, o.noise_seed, how);
  save_wav(o.out, wave, kVoiceRate, o.float_wav ? WavEncoding::Float32 : WavEncoding::Pcm16);
  if (!o.mel_png.empty()) save_mel_png(o.mel_png, converted);
  if (!o.dump.empty()) write_safetensors(o.dump, dump);
  return 0;
}

struct VocodeOptions {
  std::string weights, input, out, backend = "cpu", dump;
  bool profile = false, float_wav = false;
};

bool is_npy(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".npy" || ext == ".NPY";
}

// A mel (.npy) or a recording (copy synthesis) to a waveform at the vocoder's rate.
int vocode(const VocodeOptions& o) {
  HifiGanVocoder v(o.weights, o.backend);
  const HifiGanConfig& c = v.config();
  TensorFile dump;
  const RunOptions how{o.dump.empty() ? nullptr : &dump, profile_printer(o.profile)};
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
  save_wav(o.out, v.vocode(mel, how), c.sampling_rate, o.float_wav ? WavEncoding::Float32 : WavEncoding::Pcm16);
  if (!o.dump.empty()) write_safetensors(o.dump, dump);
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

  TaskOptions io, vo;
  auto* img = add_task(app, "image", "restyle a face by a reference face, a latent or a seed", "face (JPEG or PNG)", io);
  auto* vc = add_task(app, "voice", "convert speech to a reference voice, a latent or a seed: a 24 kHz WAV",
                      "recording (WAV, FLAC or OGG, any rate)", vo);
  vc->add_option("--noise", vo.noise, "the vocoder's noise (.npy, float32, 300 samples per output frame)");
  vc->add_option("--noise-seed", vo.noise_seed, "seed of the vocoder's noise when no --noise is given");
  vc->add_option("--mel-png", vo.mel_png, "also write the converted mel as an image");
  vc->add_flag("--float-wav", vo.float_wav, "write 32-bit float samples (exact, for validation), not 16-bit PCM");

  VocodeOptions vd;
  auto* voc = app.add_subcommand("vocode", "a mel or a recording (copy synthesis) to speech by a HiFi-GAN vocoder");
  voc->add_option("--weights", vd.weights, "weight file holding a HiFi-GAN vocoder")->required();
  voc->add_option("--input", vd.input,
                  "a log-mel (.npy, float32, (80, T) or (1, 80, T)) or a recording (WAV, FLAC or OGG, any rate)")
      ->required();
  voc->add_option("--out", vd.out, "output WAV at the vocoder's rate")->required();
  voc->add_option("--backend", vd.backend, "cpu, sim or cuda")->check(CLI::IsMember({"cpu", "sim", "cuda"}));
  voc->add_option("--dump-tensors", vd.dump, "write every value of the networks by name (.safetensors)");
  voc->add_flag("--profile", vd.profile, "print each node's time");
  voc->add_flag("--float-wav", vd.float_wav, "write 32-bit float samples (exact, for validation), not 16-bit PCM");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*ops) return check_ops(backends, seed);
    if (*list) return list_backends();
    if (*info_cmd) return info(info_path);
    if (*val) return validate(dump_path, weights_path, backend, isolate);
    if (*img) return image(io);
    if (*vc) return voice(vo);
    if (*voc) return vocode(vd);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xfv: %s\n", e.what());
    return 1;
  }
  return 0;
}
