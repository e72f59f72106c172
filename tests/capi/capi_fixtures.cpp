#include "tests/capi/capi_fixtures.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "engine/io/image.h"

namespace capi {

std::string fixture_dir(const char* variable) {
  const char* dir = std::getenv(variable);
  return dir ? dir : "";
}

std::vector<float> poisoned(size_t n) { return std::vector<float>(n, NAN); }

bool finite(const std::vector<float>& v) {
  for (float x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

bool has_text(const std::string& text) { return std::string(xfv_last_error()).find(text) != std::string::npos; }

const std::vector<float>& tensor(const xfv::TensorFile& f, const std::string& name) { return f.tensors.at(name).data; }

xfv::MonoAudio recording(const std::string& name) { return xfv::read_mono_audio(xfavot_dir() + "/" + name); }

std::vector<float> two_faces() {
  std::vector<float> f = xfv::load_face_image(xfavot_dir() + "/astronaut.png", 64).data;
  const std::vector<float> g = xfv::load_face_image(xfavot_dir() + "/coffee.png", 64).data;
  f.insert(f.end(), g.begin(), g.end());
  return f;
}

void CApiSuite::open(const char* variable, const std::string& file, const char* backend) {
  const std::string dir = fixture_dir(variable);
  if (dir.empty()) GTEST_SKIP() << variable << " is unset: run through ctest, which builds the fixtures";
  model_.reset(xfv_model_open((dir + "/" + file).c_str(), backend));
  ASSERT_NE(model_, nullptr) << xfv_last_error();
  session_.reset(xfv_session_open(model_.get(), nullptr));
  ASSERT_NE(session_, nullptr) << xfv_last_error();
}

TaskResults run_tasks(xfv_model* model, xfv_session* s, const xfv::MonoAudio& voice, const std::vector<float>& faces,
                      const std::function<void()>& after_call) {
  const auto ran = [&](int rc) {
    EXPECT_EQ(rc, 0) << xfv_last_error();
    if (after_call) after_call();
  };
  TaskResults r;
  const int64_t count = static_cast<int64_t>(voice.samples.size());
  r.voice_style = poisoned(16), r.face_style = poisoned(16), r.latent_styles = poisoned(32);
  r.faces = poisoned(2 * 3 * 64 * 64);
  EXPECT_EQ(xfv_set_noise_seed(s, 4), 0) << xfv_last_error();
  EXPECT_EQ(xfv_set_profiling(s, 1), 0) << xfv_last_error();
  std::vector<float> z = poisoned(16);
  EXPECT_EQ(xfv_latent_from_seed(model, 1, z.data()), 0) << xfv_last_error();
  EXPECT_EQ(xfv_latent_from_seed(model, 2, z.data() + 8), 0) << xfv_last_error();
  // Audio-guided image translation, then image-guided voice conversion, then generation.
  const std::map<std::string, int>& domain = task_domains();
  ran(xfv_style_from_voice(s, voice.samples.data(), count, voice.rate, domain.at("audio_style_encoder"),
                           r.voice_style.data()));
  ran(xfv_style_from_face(s, faces.data(), domain.at("image_style_encoder"), r.face_style.data()));
  ran(xfv_styles_from_latents(s, z.data(), 2, domain.at("mapping_network"), 1.f, r.latent_styles.data()));
  std::vector<float> styles = r.voice_style;
  styles.insert(styles.end(), r.latent_styles.begin(), r.latent_styles.begin() + 16);
  ran(xfv_translate_faces(s, 2, faces.data(), styles.data(), r.faces.data()));
  float* wave = nullptr;
  int64_t written = 0;
  ran(xfv_convert_voice_alloc(s, voice.samples.data(), count, voice.rate, r.face_style.data(), &wave, &written));
  if (wave) r.wave.assign(wave, wave + written);
  xfv_free(wave);
  return r;
}

const std::map<std::string, int>& task_domains() {
  static const std::map<std::string, int> domains{
      {"audio_style_encoder", 1}, {"image_style_encoder", 0}, {"mapping_network", 2}};
  return domains;
}

std::map<std::string, int64_t> file_tensor_bytes(const std::string& path, const std::map<std::string, int>& domains) {
  std::ifstream in(path, std::ios::binary);
  uint64_t header_size = 0;  // little-endian, as this machine
  if (!in.read(reinterpret_cast<char*>(&header_size), sizeof header_size)) throw std::runtime_error(path + ": unreadable");
  std::string header(header_size, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header_size)))
    throw std::runtime_error(path + ": truncated header");
  const nlohmann::json tensors = nlohmann::json::parse(header);
  std::map<std::string, int64_t> per;
  for (const auto& [name, entry] : tensors.items()) {
    if (name == "__metadata__") continue;
    const std::string network = name.substr(0, name.find('.'));
    const auto domain = domains.find(network);
    const std::string heads = network + ".unshared.";
    if (domain != domains.end() && name.rfind(heads, 0) == 0 &&
        name.rfind(heads + std::to_string(domain->second) + ".", 0) != 0)
      continue;
    const auto& offsets = entry.at("data_offsets");
    per[network] += offsets.at(1).get<int64_t>() - offsets.at(0).get<int64_t>();
  }
  return per;
}

}  // namespace capi
