// The C API's face calls against the PyTorch reference dumps of the face fixtures
// (tools/tests/make_face_fixtures.py; CTest passes their folder in XFV_FACES), and opening
// a model: what a failure names.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/opcheck.h"
#include "tests/capi/capi_fixtures.h"

namespace capi {
namespace {

class CApi : public CApiSuite {
 protected:
  void SetUp() override { open("XFV_FACES", "full_w0.safetensors"); }
  xfv::TensorFile dump(const std::string& network) const {
    return xfv::read_safetensors(faces_dir() + "/full_w0." + network + ".safetensors");
  }
};

TEST_F(CApi, DescribesTheModel) {
  EXPECT_EQ(xfv_image_size(model()), 256);
  EXPECT_EQ(xfv_latent_dim(model()), 16);
  EXPECT_EQ(xfv_style_dim(model()), 64);
  EXPECT_EQ(xfv_domain(model(), "mapping_network", "male"), 1);
  EXPECT_EQ(xfv_domain(model(), "image_style_encoder", "female"), 0);
  EXPECT_EQ(xfv_domain(model(), "mapping_network", "cat"), -1);
  EXPECT_TRUE(has_text("cat")) << xfv_last_error();
  EXPECT_EQ(xfv_domain(model(), "image_style_encoder", "0"), -1);  // names only: an index is an int
  EXPECT_TRUE(has_text("'image_style_encoder' has no domain named '0'")) << xfv_last_error();
}

TEST_F(CApi, StyleFromLatentMatchesPyTorch) {
  const xfv::TensorFile d = dump("mapping_network");
  const xfv::HostTensor& z = d.tensors.at("mapping_network.input.z");
  const int domain = static_cast<int>(d.tensors.at("mapping_network.input.y").data[0]);
  std::vector<float> style = poisoned(64);
  ASSERT_EQ(xfv_style_from_latent(session(), z.data.data(), domain, 1.f, style.data()), 0) << xfv_last_error();
  const auto& want = d.tensors.at("mapping_network.output").data;
  EXPECT_LE(xfv::relative_l2(style, std::vector<float>(want.begin(), want.begin() + 64)), 1e-5);
}

TEST_F(CApi, TruncationLerpsTowardTheMeanStyle) {
  std::vector<float> z1(16), z2(16), s1(64), s2(64), mean1(64), mean2(64), half(64);
  xfv_latent_from_seed(model(), 1, z1.data());
  xfv_latent_from_seed(model(), 2, z2.data());
  ASSERT_EQ(xfv_style_from_latent(session(), z1.data(), 1, 1.f, s1.data()), 0) << xfv_last_error();
  ASSERT_EQ(xfv_style_from_latent(session(), z1.data(), 1, 0.f, mean1.data()), 0) << xfv_last_error();
  ASSERT_EQ(xfv_style_from_latent(session(), z2.data(), 1, 0.f, mean2.data()), 0) << xfv_last_error();
  ASSERT_EQ(xfv_style_from_latent(session(), z1.data(), 1, 0.5f, half.data()), 0) << xfv_last_error();
  EXPECT_EQ(mean1, mean2);  // psi 0: the mean style, whatever the latent
  EXPECT_GT(xfv::relative_l2(s1, mean1), 1e-2);
  std::vector<float> mid(64);
  for (size_t i = 0; i < 64; ++i) mid[i] = 0.5f * (s1[i] + mean1[i]);
  EXPECT_LE(xfv::relative_l2(half, mid), 1e-6);
  EXPECT_EQ(xfv_style_from_latent(session(), z1.data(), 1, 1.5f, half.data()), -1);
}

TEST_F(CApi, StyleFromFaceAndTranslationMatchPyTorch) {
  const xfv::TensorFile e = dump("image_style_encoder");
  const int domain = static_cast<int>(e.tensors.at("image_style_encoder.input.y").data[0]);
  std::vector<float> style = poisoned(64);
  ASSERT_EQ(
      xfv_style_from_face(session(), e.tensors.at("image_style_encoder.input.x").data.data(), domain, style.data()),
      0)
      << xfv_last_error();
  const auto& want_style = e.tensors.at("image_style_encoder.output").data;
  EXPECT_LE(xfv::relative_l2(style, std::vector<float>(want_style.begin(), want_style.begin() + 64)), 1e-5);

  const xfv::TensorFile g = dump("image_generator");
  const size_t face = 3 * 256 * 256;
  std::vector<float> out = poisoned(face);
  ASSERT_EQ(xfv_translate_face(session(), g.tensors.at("image_generator.input.x").data.data(),
                               g.tensors.at("image_generator.input.s").data.data(), out.data()),
            0)
      << xfv_last_error();
  const auto& want = g.tensors.at("image_generator.output").data;
  EXPECT_LE(xfv::relative_l2(out, std::vector<float>(want.begin(), want.begin() + static_cast<long>(face))), 1e-4);
}

TEST_F(CApi, SeedsGiveTheSameLatentEveryTime) {
  std::vector<float> a(16), b(16), c(16);
  ASSERT_EQ(xfv_latent_from_seed(model(), 7, a.data()), 0);
  ASSERT_EQ(xfv_latent_from_seed(model(), 7, b.data()), 0);
  ASSERT_EQ(xfv_latent_from_seed(model(), 8, c.data()), 0);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST_F(CApi, Rgb8RoundTrip) {
  std::vector<uint8_t> rgb(300 * 200 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(i * 7 % 251);
  std::vector<float> face = poisoned(3 * 256 * 256);
  ASSERT_EQ(xfv_face_from_rgb8(model(), rgb.data(), 300, 200, face.data()), 0) << xfv_last_error();
  for (float v : face) ASSERT_TRUE(v >= -1.f && v <= 1.f);
  std::vector<uint8_t> back(256 * 256 * 3);
  ASSERT_EQ(xfv_face_to_rgb8(model(), face.data(), back.data()), 0) << xfv_last_error();
  EXPECT_EQ(xfv_face_from_rgb8(model(), rgb.data(), 0, 200, face.data()), -1);
}

TEST_F(CApi, FailuresAreMessagesNotCrashes) {
  std::vector<float> buf(3 * 256 * 256), style(64);
  EXPECT_EQ(xfv_style_from_face(session(), buf.data(), 5, style.data()), -1);
  EXPECT_TRUE(has_text("domain 5 is out of the range of 'image_style_encoder' (2 domains: female, male)"))
      << xfv_last_error();
  EXPECT_EQ(xfv_translate_face(session(), nullptr, style.data(), buf.data()), -1);
  EXPECT_EQ(xfv_translate_face(nullptr, buf.data(), style.data(), buf.data()), -1);
  EXPECT_EQ(xfv_image_size(nullptr), -1);
}

// One face of the small fixture (64 x 64) translated on `backend` by a session at `precision`.
std::vector<float> translate_small(const char* backend, const char* precision) {
  const xfv::TensorFile g = xfv::read_safetensors(faces_dir() + "/small_w0.image_generator.safetensors");
  ModelPtr model(xfv_model_open((faces_dir() + "/small_w0.safetensors").c_str(), backend));
  if (!model) return ADD_FAILURE() << xfv_last_error(), std::vector<float>{};
  xfv_session_params params = xfv_session_default_params();
  params.precision = precision;
  SessionPtr session(xfv_session_open(model.get(), &params));
  if (!session) return ADD_FAILURE() << xfv_last_error(), std::vector<float>{};
  std::vector<float> out = poisoned(3 * 64 * 64);
  EXPECT_EQ(xfv_translate_face(session.get(), tensor(g, "image_generator.input.x").data(),
                               tensor(g, "image_generator.input.s").data(), out.data()),
            0)
      << xfv_last_error();
  return out;
}

// A session's precision (xfv_session_params.precision) reaches the device backend's convs and
// linear layers: the small generator on sim at bf16 (tensor cores) against fp32 on cpu. It
// deviates, as rounded operands must, by what docs/kernels.md states ("Precision").
TEST(CApiPrecision, Bf16FaceStaysNearFp32) {
  if (faces_dir().empty()) GTEST_SKIP() << "XFV_FACES is unset: run through ctest, which builds the fixtures";
  const std::vector<float> fp32 = translate_small("cpu", "fp32"), bf16 = translate_small("sim", "bf16");
  ASSERT_TRUE(finite(bf16));
  double squared = 0;
  for (size_t i = 0; i < fp32.size(); ++i) squared += (double(bf16[i]) - fp32[i]) * (double(bf16[i]) - fp32[i]);
  const double psnr = 10 * std::log10(4.0 / (squared / static_cast<double>(fp32.size())));  // range [-1, 1]
  const double deviation = xfv::relative_l2(bf16, fp32);
  std::printf("small generator, sim bf16 against cpu fp32: relative L2 %.2e, PSNR %.1f dB\n", deviation, psnr);
  EXPECT_GT(deviation, 1e-4);  // the convs were rounded
  EXPECT_LT(deviation, 3e-2);
  EXPECT_GT(psnr, 35.0);
}

// At bf16 every conv and linear layer of the generator runs at bf16 and FAN's stay fp32 (its
// masks threshold heatmaps): the profile's op details say which ran how. On cpu, whose
// rounded reference the same session precision selects.
TEST(CApiPrecision, FanStaysFp32) {
  if (faces_dir().empty()) GTEST_SKIP() << "XFV_FACES is unset: run through ctest, which builds the fixtures";
  const xfv::TensorFile g = xfv::read_safetensors(faces_dir() + "/small_w1.image_generator.safetensors");
  ModelPtr model(xfv_model_open((faces_dir() + "/small_w1.safetensors").c_str(), "cpu"));
  ASSERT_NE(model, nullptr) << xfv_last_error();
  xfv_session_params params = xfv_session_default_params();
  params.precision = "bf16";
  params.profiling = 1;
  SessionPtr session(xfv_session_open(model.get(), &params));
  ASSERT_NE(session, nullptr) << xfv_last_error();
  std::vector<float> out = poisoned(3 * 64 * 64);
  ASSERT_EQ(xfv_translate_face(session.get(), tensor(g, "image_generator.input.x").data(),
                               tensor(g, "image_generator.input.s").data(), out.data()),
            0)
      << xfv_last_error();
  std::map<std::string, std::pair<int, int>> layers;  // per network: (bf16, all) convs and linear layers
  const nlohmann::json profile = nlohmann::json::parse(xfv_last_profile_json(session.get()));
  for (const auto& node : profile.at("nodes")) {
    const std::string op = node.at("op"), detail = node.at("detail");
    if (op != "conv2d" && op != "linear" && op != "conv_transpose1d") continue;
    auto& [bf16, all] = layers[node.at("network").get<std::string>()];
    bf16 += detail.size() > 5 && detail.compare(detail.size() - 5, 5, " bf16") == 0;
    ++all;
  }
  ASSERT_TRUE(layers.count("fan") && layers.count("image_generator"));
  EXPECT_EQ(layers["fan"].first, 0);
  EXPECT_GT(layers["fan"].second, 0);
  EXPECT_EQ(layers["image_generator"].first, layers["image_generator"].second);
  EXPECT_GT(layers["image_generator"].second, 0);
}

// On sim and cuda a session stores its tensor-core layers' constant weights at its precision
// once (engine/stored_weights.h), as the profile's prepared_bytes (and the session's budget)
// count: the mapping network of domain 1, eight linear layers, holds 2 bytes per weight at
// bf16 and fp16 (half their fp32 bytes), 4 at tf32 (fp32 words, rounded), none at fp32. The
// fp32 originals stay in the model, for sessions of every precision.
TEST(CApiPrecision, SessionsStoreTheirLayersWeightsAtTheirPrecision) {
  if (faces_dir().empty()) GTEST_SKIP() << "XFV_FACES is unset: run through ctest, which builds the fixtures";
  const std::string file = faces_dir() + "/small_w1.safetensors";
  const xfv::TensorFile weights = xfv::read_safetensors(file);
  size_t layer_weights = 0;
  for (const char* layer : {"shared.0", "shared.2", "shared.4", "shared.6", "unshared.1.0", "unshared.1.2",
                            "unshared.1.4", "unshared.1.6"})
    layer_weights += tensor(weights, std::string("mapping_network.") + layer + ".weight").size();
  ModelPtr model(xfv_model_open(file.c_str(), "sim"));
  ASSERT_NE(model, nullptr) << xfv_last_error();
  std::vector<float> z(16);
  xfv_latent_from_seed(model.get(), 3, z.data());
  for (const auto& [precision, bytes_per_weight] :
       {std::pair{"fp32", 0u}, std::pair{"tf32", 4u}, std::pair{"bf16", 2u}, std::pair{"fp16", 2u}}) {
    SCOPED_TRACE(precision);
    xfv_session_params params = xfv_session_default_params();
    params.precision = precision;
    params.profiling = 1;
    SessionPtr session(xfv_session_open(model.get(), &params));
    ASSERT_NE(session, nullptr) << xfv_last_error();
    std::vector<float> style = poisoned(64);
    ASSERT_EQ(xfv_style_from_latent(session.get(), z.data(), 1, 1.f, style.data()), 0) << xfv_last_error();
    EXPECT_TRUE(finite(style));
    const nlohmann::json profile = nlohmann::json::parse(xfv_last_profile_json(session.get()));
    ASSERT_EQ(profile.at("networks").size(), 1u);
    const nlohmann::json& mapping = profile.at("networks")[0];
    EXPECT_EQ(mapping.at("network"), "mapping_network");
    EXPECT_EQ(mapping.at("prepared_bytes").get<double>(), static_cast<double>(layer_weights * bytes_per_weight));
    EXPECT_GT(mapping.at("weight_bytes").get<double>(), static_cast<double>(layer_weights * sizeof(float)));
  }
}

TEST(CApiPrecision, RefusesANameThatIsNoPrecision) {
  if (faces_dir().empty()) GTEST_SKIP() << "XFV_FACES is unset: run through ctest, which builds the fixtures";
  ModelPtr model(xfv_model_open((faces_dir() + "/small_w0.safetensors").c_str(), "cpu"));
  ASSERT_NE(model, nullptr) << xfv_last_error();
  xfv_session_params params = xfv_session_default_params();
  params.precision = "fp8";
  EXPECT_EQ(xfv_session_open(model.get(), &params), nullptr);
  EXPECT_TRUE(has_text("precision 'fp8': fp32, tf32, bf16 or fp16")) << xfv_last_error();
}

TEST(CApiOpen, ReportsTheFileAndTheBackend) {
  EXPECT_EQ(xfv_model_open("/nonexistent/w.safetensors", "cpu"), nullptr);
  EXPECT_TRUE(has_text("xfv_model_open: ")) << xfv_last_error();
  EXPECT_TRUE(has_text("/nonexistent/w.safetensors")) << xfv_last_error();
  EXPECT_EQ(xfv_model_open(nullptr, "cpu"), nullptr);
  EXPECT_TRUE(has_text("null argument")) << xfv_last_error();
  if (faces_dir().empty()) return;
  const std::string face_file = faces_dir() + "/full_w0.safetensors";
  {  // a face file serves no vocoder calls
    ModelPtr faces(xfv_model_open(face_file.c_str(), "cpu"));
    ASSERT_NE(faces, nullptr) << xfv_last_error();
    EXPECT_EQ(xfv_vocoder_rate(faces.get()), -1);
    EXPECT_TRUE(has_text("holds no HiFi-GAN vocoder")) << xfv_last_error();
  }
  EXPECT_EQ(xfv_model_open(face_file.c_str(), "tpu"), nullptr);
  EXPECT_TRUE(has_text("tpu")) << xfv_last_error();
}

}  // namespace
}  // namespace capi
