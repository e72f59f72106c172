// A weight file changed under an open model, whose tensors are read the first time a session
// runs their network: truncated to its header, every call that needs the data is -1 and a
// message naming the file (the model is dead while the file is); restored in place, the same
// session computes what it would have; replaced by another file through a rename, the model
// goes on reading the file it opened.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/capi/capi_fixtures.h"

namespace capi {
namespace {

namespace fs = std::filesystem;

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Rewrites `path` in place (the same inode, as an open stream sees it).
void overwrite(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

class WeightFileChanges : public ::testing::Test {
 protected:
  void SetUp() override {
    if (xfavot_dir().empty()) GTEST_SKIP() << "XFV_XFAVOT is unset: run through ctest, which builds the fixtures";
    dir = fs::path(::testing::TempDir()) / ("xfv-weights-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    copy = (dir / "small.safetensors").string();
    original = bytes_of(small_bundle());
    overwrite(copy, original);
    model.reset(xfv_model_open(copy.c_str(), "cpu"));
    ASSERT_NE(model, nullptr) << xfv_last_error();
    session.reset(xfv_session_open(model.get(), nullptr));
    ASSERT_NE(session, nullptr) << xfv_last_error();
    ASSERT_EQ(xfv_latent_from_seed(model.get(), 2, z.data()), 0) << xfv_last_error();
  }
  void TearDown() override {
    session.reset();
    model.reset();
    if (!dir.empty()) fs::remove_all(dir);
  }
  // The face translated by the latent's style: -1 when a call fails.
  int translate(std::vector<float>& out) {
    std::vector<float> style = poisoned(16);
    if (xfv_style_from_latent(session.get(), z.data(), 0, 1.f, style.data()) != 0) return -1;
    return xfv_translate_face(session.get(), face.data(), style.data(), out.data());
  }
  // The face of a model that saw no change.
  std::vector<float> wanted() {
    ModelPtr m(xfv_model_open(small_bundle().c_str(), "cpu"));
    SessionPtr s(xfv_session_open(m.get(), nullptr));
    std::vector<float> style = poisoned(16), out = poisoned(face.size());
    EXPECT_EQ(xfv_style_from_latent(s.get(), z.data(), 0, 1.f, style.data()), 0) << xfv_last_error();
    EXPECT_EQ(xfv_translate_face(s.get(), face.data(), style.data(), out.data()), 0) << xfv_last_error();
    return out;
  }

  fs::path dir;
  std::string copy, original;
  ModelPtr model;
  SessionPtr session;
  std::vector<float> z = std::vector<float>(8), face = std::vector<float>(3 * 64 * 64, 0.2f);
};

TEST_F(WeightFileChanges, TruncatedToItsHeaderIsAMessageUntilRestored) {
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = header << 8 | static_cast<unsigned char>(original[static_cast<size_t>(i)]);
  overwrite(copy, original.substr(0, 8 + header));
  std::vector<float> out = poisoned(face.size());
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_EQ(translate(out), -1);
    EXPECT_TRUE(has_text(copy + ": cannot read the data of tensor")) << xfv_last_error();
    EXPECT_TRUE(has_text("was the file changed since it was opened?")) << xfv_last_error();
  }
  for (float x : out) ASSERT_TRUE(std::isnan(x));
  overwrite(copy, original);
  ASSERT_EQ(translate(out), 0) << xfv_last_error();
  EXPECT_EQ(out, wanted());
}

TEST_F(WeightFileChanges, ReplacedByARenameTheModelReadsTheFileItOpened) {
  const std::string other = (dir / "other.safetensors").string();
  overwrite(other, bytes_of(hifigan_dir() + "/small.safetensors"));
  fs::rename(other, copy);
  std::vector<float> out = poisoned(face.size());
  ASSERT_EQ(translate(out), 0) << xfv_last_error();
  EXPECT_EQ(out, wanted());
}

}  // namespace
}  // namespace capi
