#include "engine/cli/task_commands.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

#include "engine/io/audio.h"
#include "engine/io/image.h"
#include "engine/io/media.h"
#include "engine/io/npy.h"

namespace xfv {
namespace {

const std::vector<std::string> kBackends{"cpu", "sim", "cuda"};

// A (1, ...) tensor repeated into (n, ...).
HostTensor repeat(const HostTensor& t, int64_t n) {
  if (t.shape[0] == n) return t;
  return stack_rows(std::vector<HostTensor>(static_cast<size_t>(n), t));
}

std::string stem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

// Where output i of n goes: --out for one, else --out-dir/<name>.<ext>.
std::string output_path(const TaskOptions& o, const std::string& name, const char* ext) {
  if (!o.out.empty()) return o.out;
  return (std::filesystem::path(o.out_dir) / (name + ext)).string();
}

void save_faces(const TaskOptions& o, const HostTensor& images, const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) save_png(output_path(o, names[i], ".png"), gather_rows(images, {i}));
}

void save_voices(const TaskOptions& o, Bundle& b, const std::vector<std::vector<float>>& waves,
                 const std::vector<std::string>& names) {
  const WavEncoding encoding = o.float_wav ? WavEncoding::Float32 : WavEncoding::Pcm16;
  for (size_t i = 0; i < names.size(); ++i) {
    save_wav(output_path(o, names[i], ".wav"), waves[i], b.voices().rate(), encoding);
    if (!o.mel_png.empty()) {
      const std::string png = o.out.empty() ? output_path(o, names[i] + "_mel", ".png") : o.mel_png;
      save_mel_png(png, b.last_converted_mels()[i]);
    }
  }
}

std::vector<float> noise_of(const TaskOptions& o) {
  return o.noise.empty() ? std::vector<float>{} : read_npy(o.noise).data;  // its length is checked by the vocoder
}

// Output names from the sources' file names; two sources of one name would overwrite.
std::vector<std::string> output_names(const TaskOptions& o) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const std::string& s : o.sources) {
    if (!seen.insert(stem(s)).second)
      throw std::invalid_argument("two sources are named '" + stem(s) + "': their outputs in --out-dir would collide");
    names.push_back(stem(s));
  }
  return names;
}

void run_image(const TaskOptions& o, Bundle& b, const RunOptions& how) {
  std::vector<HostTensor> faces;
  for (const std::string& s : o.sources) faces.push_back(load_face_image(s, b.face_size()));
  const HostTensor source = stack_rows(faces);
  const HostTensor styles = styles_for(o, b, source.shape[0], how);
  save_faces(o, b.faces().translate(source, styles, how), output_names(o));
}

void run_voice(const TaskOptions& o, Bundle& b, const RunOptions& how) {
  std::vector<std::vector<float>> waves;
  for (const std::string& s : o.sources) waves.push_back(load_voice(s, b.voices().rate(), Gain::kPeakNormalize));
  const HostTensor styles = styles_for(o, b, static_cast<int64_t>(waves.size()), how);
  save_voices(o, b, b.convert_recordings(waves, styles, noise_of(o), o.noise_seed, o.sources, how), output_names(o));
}

// K styles from the mapping network, and from each a face and a voice.
void run_generate(const TaskOptions& o, Bundle& b, const RunOptions& how) {
  const HostTensor z = !o.latent.empty() ? read_npy(o.latent) : b.models().latent_from_seed(std::stoull(o.seed), o.count);
  const HostTensor styles = b.style_from_latents(z, b.models().domain(o.domain, "mapping_network"), o.psi, how);
  const int64_t k = styles.shape[0];
  const auto names = [&](const char* what) {
    std::vector<std::string> n;
    for (int64_t i = 0; i < k; ++i) n.push_back(std::string(what) + "_" + std::to_string(i));
    return n;
  };
  if (!o.face.empty()) {
    const HostTensor face = load_face_image(o.face, b.face_size());
    save_faces(o, b.faces().translate(repeat(face, k), styles, how), names("face"));
  }
  if (!o.voice.empty()) {
    const std::vector<std::vector<float>> waves(static_cast<size_t>(k),
                                                load_voice(o.voice, b.voices().rate(), Gain::kPeakNormalize));
    save_voices(o, b, b.convert_recordings(waves, styles, noise_of(o), o.noise_seed, {}, how), names("voice"));
  }
}

void check_options(const TaskOptions& o) {
  const int styles = !o.references.empty() + !o.latent.empty() + !o.seed.empty();
  if (o.task == "generate") {
    if (o.latent.empty() == o.seed.empty()) throw std::invalid_argument("generate: give one of --latent or --seed");
    if (o.face.empty() && o.voice.empty()) throw std::invalid_argument("generate: give --face, --voice or both");
    if (!o.latent.empty() && o.count != 1) throw std::invalid_argument("generate: --count goes with --seed; a --latent file holds its own count");
  } else if (styles != 1) {
    throw std::invalid_argument(o.task + ": give one of --reference, --latent or --seed");
  }
  if (o.task != "generate" && o.out.empty() == o.out_dir.empty())
    throw std::invalid_argument(o.task + ": give --out (one source) or --out-dir");
  if (!o.out.empty() && o.sources.size() != 1)
    throw std::invalid_argument(o.task + ": " + std::to_string(o.sources.size()) + " sources need --out-dir, not --out");
  if (!o.out_dir.empty() && !std::filesystem::is_directory(o.out_dir))
    throw FileError(o.out_dir + ": not a directory (--out-dir)");
  // An output must not overwrite an input (a source written over by its own conversion).
  std::vector<std::string> inputs = o.sources;
  inputs.insert(inputs.end(), o.references.begin(), o.references.end());
  for (const std::string& in : {o.face, o.voice, o.latent, o.noise})
    if (!in.empty()) inputs.push_back(in);
  const auto same = [](const std::string& a, const std::string& b) {
    std::error_code ec;
    return std::filesystem::weakly_canonical(a, ec) == std::filesystem::weakly_canonical(b, ec);
  };
  std::vector<std::string> outputs;
  if (!o.out.empty()) outputs.push_back(o.out);
  if (!o.out_dir.empty()) {
    for (const std::string& s : o.sources)
      for (const char* ext : {".png", ".wav"}) outputs.push_back(output_path(o, stem(s), ext));
    for (int k = 0; k < o.count; ++k)
      for (const char* name : {"face_", "voice_"})
        for (const char* ext : {".png", ".wav"}) outputs.push_back(output_path(o, name + std::to_string(k), ext));
  }
  for (const std::string& out : outputs)
    for (const std::string& in : inputs)
      if (same(out, in)) throw std::invalid_argument(out + ": the output would overwrite an input");
}

}  // namespace

// The styles of --reference files (each a face or a voice, read from its content), of
// --latent or of --seed, one per output (n): a single style serves every source. A reference
// recording is taken as recorded, not peak-normalized, as the StarGANv2-VC demo takes it.
HostTensor styles_for(const TaskOptions& o, Bundle& b, int64_t n, const RunOptions& how) {
  if (o.references.empty()) {
    const HostTensor z = !o.latent.empty() ? read_npy(o.latent) : b.models().latent_from_seed(std::stoull(o.seed));
    const HostTensor s = b.style_from_latents(z, b.models().domain(o.domain, "mapping_network"), o.psi, how);
    if (s.shape[0] != 1 && s.shape[0] != n)
      throw std::invalid_argument(o.latent + ": " + std::to_string(s.shape[0]) + " latents for " + std::to_string(n) +
                                  " sources; give one, or one per source");
    return repeat(s, n);
  }
  const size_t refs = o.references.size();
  if (refs != 1 && static_cast<int64_t>(refs) != n)
    throw std::invalid_argument(std::to_string(refs) + " references for " + std::to_string(n) +
                                " sources: give one reference for all, or one per source");
  std::vector<size_t> face_refs, voice_refs;
  for (size_t i = 0; i < refs; ++i)
    (media_of(o.references[i]) == Media::kFace ? face_refs : voice_refs).push_back(i);
  HostTensor styles(Shape{static_cast<int64_t>(refs), b.style_dim()});
  if (!face_refs.empty()) {
    std::vector<HostTensor> faces;
    for (size_t i : face_refs) faces.push_back(load_face_image(o.references[i], b.face_size()));
    const int domain = b.models().domain(o.domain, "image_style_encoder");
    scatter_rows(b.style_from_faces(stack_rows(faces), domain, how), face_refs, styles);
  }
  if (!voice_refs.empty()) {
    std::vector<std::vector<float>> waves;
    std::vector<std::string> names;
    for (size_t i : voice_refs) {
      waves.push_back(load_voice(o.references[i], b.voices().rate(), Gain::kAsRecorded));
      names.push_back(o.references[i]);
    }
    const int domain = b.models().domain(o.domain, "audio_style_encoder");
    scatter_rows(b.style_from_recordings(waves, domain, names, how), voice_refs, styles);
  }
  return repeat(styles, n);
}

CLI::App* add_task_command(CLI::App& app, const std::string& name, TaskOptions& o) {
  o.task = name;
  static const std::map<std::string, std::string> what{
      {"image", "a face restyled by a reference face or voice, a latent or a seed: a PNG"},
      {"voice", "speech converted to a reference voice or face, a latent or a seed: a WAV"},
      {"generate", "K styles from the mapping network, and from each a face and a voice"}};
  auto* cmd = app.add_subcommand(name, what.at(name));
  cmd->add_option("--weights", o.weights, "weight file (a bundle, weights/README.md)")->required();
  cmd->add_option("--domain", o.domain, "domain name or index, in the network that makes the style")->required();
  cmd->add_option("--psi", o.psi, "truncation toward the mean style, in [0, 1] (latent styles)");
  cmd->add_option("--backend", o.backend, "cpu, sim or cuda")->check(CLI::IsMember(kBackends));
  add_budget_option(*cmd, o.budget_mb);
  add_precision_option(*cmd, o.precision);
  cmd->add_option("--dump-tensors", o.dump, "write every value of the networks by name (.safetensors)");
  cmd->add_flag("--profile", o.profile, "print each node's op, shapes, time, FLOPs and bytes, and totals per network");
  cmd->add_option("--profile-json", o.profile_json, "write the profile as JSON (docs/profile.md)");
  cmd->add_option("--trace", o.trace, "write the profile as a Chrome trace (opens in Perfetto)");
  add_peaks_option(*cmd, o.peaks);
  auto* lat = cmd->add_option("--latent", o.latent, "latent codes (.npy, float32, (K, latent_dim))");
  auto* sd = cmd->add_option("--seed", o.seed, "a seed for the latent code");
  lat->excludes(sd);
  if (name == "generate") {
    cmd->add_option("--face", o.face, "the face photo to restyle (JPEG or PNG)");
    cmd->add_option("--voice", o.voice, "the recording to convert (WAV, FLAC or OGG, any rate)");
    cmd->add_option("--count", o.count, "how many latents --seed draws")->check(CLI::PositiveNumber);
    cmd->add_option("--out-dir", o.out_dir, "folder for face_<k>.png and voice_<k>.wav")->required();
  } else {
    const bool image = name == "image";
    cmd->add_option("--source", o.sources, image ? "face photos (JPEG or PNG), run as one batch"
                                                 : "recordings (WAV, FLAC or OGG, any rate), batched by length")
        ->required();
    auto* ref = cmd->add_option("--reference", o.references,
                                "a face photo or a recording (read from its content), or one per source");
    ref->excludes(lat)->excludes(sd);
    cmd->add_option("--out", o.out, "output file (one source)");
    cmd->add_option("--out-dir", o.out_dir, "output folder: <source name>.png / .wav per source");
  }
  if (name != "image") {
    cmd->add_option("--noise", o.noise, "the Parallel WaveGAN vocoder's noise (.npy, float32, hop samples per frame)");
    cmd->add_option("--noise-seed", o.noise_seed, "seed of the vocoder's noise when no --noise is given");
    cmd->add_option("--mel-png", o.mel_png, "also write the converted mel as an image (with --out-dir: per output)");
    cmd->add_flag("--float-wav", o.float_wav, "write 32-bit float samples (exact, for validation), not 16-bit PCM");
    cmd->add_option("--max-frames", o.max_frames,
                    "longest utterance, in mel frames, run whole; longer ones run in overlapping chunks (docs/tasks.md)");
    cmd->add_option("--vocoder-frames", o.vocoder_frames,
                    "the vocoder runs at most this many frames at a time, longer outputs in overlapping windows "
                    "with the whole run's samples (default: 2048 for HiFi-GAN, 512 for Parallel WaveGAN; docs/tasks.md)");
  }
  return cmd;
}

void run_task(const TaskOptions& o, Bundle& b, Profile* profile) {
  check_options(o);
  TensorFile dump;
  const RunOptions how{o.dump.empty() ? nullptr : &dump, profile ? profile->hook() : NodeHook()};
  if (o.max_frames) b.voices().set_max_frames(o.max_frames);
  if (o.vocoder_frames) b.set_vocoder_frames(o.vocoder_frames);
  set_precision(b, o.precision);
  if (o.task == "image") run_image(o, b, how);
  if (o.task == "voice") run_voice(o, b, how);
  if (o.task == "generate") run_generate(o, b, how);
  if (!o.dump.empty()) write_safetensors(o.dump, dump);
}

void add_precision_option(CLI::App& cmd, std::string& precision) {
  cmd.add_option("--precision", precision,
                 "convs and linear layers: fp32 (the reference), or on tensor cores tf32, bf16 or fp16 (FAN stays "
                 "fp32; docs/kernels.md)")
      ->check(CLI::IsMember({"fp32", "tf32", "bf16", "fp16"}));
}

void set_precision(Bundle& b, const std::string& precision) {
  Precision p = Precision::Fp32;
  parse_precision(precision.c_str(), &p);  // checked by the option
  b.models().set_precision(p);
}

void add_peaks_option(CLI::App& cmd, std::string& peaks_file) {
  cmd.add_option("--peaks", peaks_file,
                 "the device's peaks for the profile's roofline: Google Benchmark JSON of xfv_bench's cpu/peak/ "
                 "benches (default: a GPU's from its properties; none on cpu and sim; docs/profile.md)");
}

Peaks profile_peaks(const std::string& backend, const std::string& peaks_file) {
  return peaks_file.empty() ? backend_peaks(backend) : bench_peaks(peaks_file);
}

void add_budget_option(CLI::App& cmd, int64_t& budget_mb) {
  cmd.add_option("--budget-mb", budget_mb,
                 "the session's budget for compiled graphs (activations), in MB; least recently used evicted first "
                 "(default " + std::to_string(kDefaultSessionBudget >> 20) + ")")
      ->check(CLI::PositiveNumber);
}

void set_budget(Bundle& b, int64_t budget_mb) {
  if (budget_mb > 0) b.models().set_byte_budget(static_cast<size_t>(budget_mb) << 20);
}

int task_command(const TaskOptions& o) {
  Bundle bundle(o.weights, o.backend);
  set_budget(bundle, o.budget_mb);
  const bool profiling = o.profile || !o.profile_json.empty() || !o.trace.empty();
  Profile profile(o.backend);
  if (profiling) profile.set_peaks(profile_peaks(o.backend, o.peaks));
  run_task(o, bundle, profiling ? &profile : nullptr);
  profile.set_memory(bundle.models().memory());
  if (o.profile) profile.print(stdout);
  if (!o.profile_json.empty()) profile.write_json(o.profile_json);
  if (!o.trace.empty()) profile.write_trace(o.trace);
  return 0;
}

CLI::App* add_bench_command(CLI::App& app, std::vector<TaskOptions>& tasks, int& runs, int& warmup) {
  auto* bench = app.add_subcommand("bench", "repeat a task after warm-up: median and spread per network and in all");
  bench->add_option("--runs", runs, "timed runs")->check(CLI::PositiveNumber);
  bench->add_option("--warmup", warmup, "untimed runs first")->check(CLI::NonNegativeNumber);
  bench->require_subcommand(1);
  tasks.resize(3);
  const char* names[] = {"image", "voice", "generate"};
  for (size_t i = 0; i < 3; ++i) add_task_command(*bench, names[i], tasks[i]);
  return bench;
}

int bench_command(const TaskOptions& o, int runs, int warmup) {
  Bundle bundle(o.weights, o.backend);
  set_budget(bundle, o.budget_mb);
  for (int i = 0; i < warmup; ++i) run_task(o, bundle, nullptr);
  std::map<std::string, std::vector<double>> times;  // per network, then "all" (wall clock of the task)
  std::map<std::string, Roofline> roofs;              // per network: the same in every run
  std::vector<std::string> order;
  const Peaks peaks = profile_peaks(o.backend, o.peaks);
  for (int i = 0; i < runs; ++i) {
    Profile profile(o.backend);
    profile.set_peaks(peaks);
    const auto start = std::chrono::steady_clock::now();
    run_task(o, bundle, &profile);
    const double wall = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    for (const NetworkTotal& t : profile.totals()) {
      const std::string name = t.network == "all" ? "all nodes" : t.network;
      if (!times.count(name)) order.push_back(name);
      times[name].push_back(t.ms);
      roofs[name] = t.roof;
    }
    if (!times.count("task (wall clock)")) order.push_back("task (wall clock)");
    times["task (wall clock)"].push_back(wall);
  }
  std::printf("xfv bench %s on %s at %s: %d runs after %d warm-up\n", o.task.c_str(), o.backend.c_str(),
              o.precision.c_str(), runs, warmup);
  std::printf("peaks: %s\n", peaks.source.c_str());
  std::printf("%-28s %12s %12s %12s %9s %10s %-7s %8s\n", "network", "median ms", "min ms", "max ms", "spread",
              "roof ms", "bound", "of roof");
  for (const std::string& name : order) {
    std::vector<double> t = times[name];
    std::sort(t.begin(), t.end());
    const double median = t.size() % 2 ? t[t.size() / 2] : (t[t.size() / 2 - 1] + t[t.size() / 2]) / 2;
    const double spread = median > 0 ? (t.back() - t.front()) / median : 0;
    std::printf("%-28s %12.3f %12.3f %12.3f %8.1f%%", name.c_str(), median, t.front(), t.back(), 100 * spread);
    const auto roof = roofs.find(name);
    if (roof != roofs.end() && roof->second.known() && median > 0)
      std::printf(" %10.4g %-7s %7.1f%%\n", roof->second.ms, roof->second.compute_bound ? "compute" : "memory",
                  100 * roof->second.ms / median);
    else
      std::printf(" %10s %-7s %8s\n", "-", "-", "-");
  }
  std::printf("(spread: (max - min) / median; the network rows are the sums of their nodes' times, "
              "each node synchronized; of roof: the roofline's time over the median)\n");
  return 0;
}

}  // namespace xfv
