// Face image I/O against Pillow, the reference's decoder and resampler. The images, PIL's
// results for them and the files a loader must refuse come from
// tools/tests/make_image_fixtures.py, which CTest runs first (fixture "images") and whose output
// directory it passes in XFV_IMAGE_FIXTURES. Kept out of tests/*.cpp, and so out of xfv_tests,
// because those tests need that fixture.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/io/image.h"

namespace xfv {
namespace {

namespace fs = std::filesystem;

std::string fixture(const std::string& name) {
  const char* dir = std::getenv("XFV_IMAGE_FIXTURES");
  if (!dir) throw std::runtime_error("XFV_IMAGE_FIXTURES is not set: run through ctest, which writes the fixtures");
  return (fs::path(dir) / name).string();
}

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The 8-bit level a loaded value came from: the loader maps v to (v / 255 - 0.5) / 0.5.
int to_level(float x) { return static_cast<int>(std::lround((x + 1.0f) * 127.5f)); }

void expect_file_error(const std::function<void()>& act, const std::string& path, const std::string& problem) {
  try {
    act();
    ADD_FAILURE() << "no error for " << path;
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
  }
}

// ---- loading, against PIL: Image.open(p).convert("RGB").resize((S, S), Image.BILINEAR) ----

// The loader reproduces PIL's decoding and fixed-point resampling, so it must match exactly;
// the reported difference says by how much it does not.
struct PilCase {
  std::string file;
  int size;
};

void PrintTo(const PilCase& c, std::ostream* os) { *os << c.file << " at " << c.size; }

class ImageIOPil : public ::testing::TestWithParam<PilCase> {};

TEST_P(ImageIOPil, MatchesPillow) {
  const PilCase& c = GetParam();
  const HostTensor image = load_face_image(fixture(c.file), c.size);
  ASSERT_EQ(image.shape.str(), (Shape{1, 3, c.size, c.size}).str());
  const std::vector<uint8_t> want = read_all(fixture(c.file + "." + std::to_string(c.size) + ".rgb"));
  const size_t plane = size_t(c.size) * size_t(c.size);
  ASSERT_EQ(want.size(), plane * 3) << "PIL's result for " << c.file;
  int max_diff = 0;
  size_t differing = 0;
  for (size_t p = 0; p < plane; ++p) {
    for (size_t ch = 0; ch < 3; ++ch) {
      const float x = image.data[ch * plane + p];
      ASSERT_TRUE(x >= -1.0f && x <= 1.0f) << x << " at " << p;
      const int diff = std::abs(to_level(x) - want[p * 3 + ch]);
      max_diff = std::max(max_diff, diff);
      differing += diff != 0;
    }
  }
  std::cout << c.file << " at " << c.size << ": max difference from PIL " << max_diff << " levels, " << differing
            << " of " << plane * 3 << " values differ\n";
  RecordProperty("max_diff", max_diff);
  RecordProperty("differing", static_cast<int>(differing));
  EXPECT_EQ(max_diff, 0) << differing << " values differ";
}

std::vector<PilCase> pil_cases() {
  std::vector<PilCase> cases;
  for (int size : {256, 64})
    for (const char* file : {"rgb_317x251.jpg", "progressive_444_120x80.jpg", "gray_45x33.jpg", "gray_64x40.png",
                             "rgba_300x300.png", "gray_alpha_37x91.png", "palette_50x45.png", "upscale_20x30.png",
                             "one_1x1.png", "rgb16_37x23.png"})
      cases.push_back({file, size});
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<PilCase>& info) {
  return info.param.file.substr(0, info.param.file.find('.')) + "_" + std::to_string(info.param.size);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ImageIOPil, ::testing::ValuesIn(pil_cases()), case_name);

TEST(ImageIOBadFiles, AreRefusedNamingTheFile) {
  const std::pair<const char*, const char*> bad[] = {
      {"empty.png", "empty file"},
      {"truncated.jpg", "truncated or corrupt"},
      {"text.png", "not a JPEG or PNG image"},
      {"huge.png", "20000 x 20000"},
      {"gray16.png", "16-bit grayscale"},
      {"cmyk.jpg", "CMYK JPEG"},
      {"no_such_file.png", "No such file"},
  };
  for (const auto& [name, problem] : bad) {
    const std::string path = fixture(name);
    expect_file_error([&] { load_face_image(path, 64); }, path, problem);
  }
}

// ---- saving, and the errors that need no fixture ----

class ImageIO : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("xfv_image_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  fs::path dir_;
};

TEST_F(ImageIO, SaveWritesWhatTorchvisionWouldAndLoadReadsItBack) {
  constexpr int kSize = 48;
  HostTensor image(Shape{1, 3, kSize, kSize});
  std::vector<int> want(image.data.size());
  // Values a fraction f of a level above level u; torchvision adds 0.5 and truncates, so the
  // byte is u + (f > 0.5). Fractions near 0.5 are left out: float rounding may go either way.
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> level(0, 254);
  std::uniform_real_distribution<float> fraction(0.05f, 0.45f);
  for (size_t i = 0; i < image.data.size(); ++i) {
    const int u = level(rng);
    const bool up = rng() % 2;
    image.data[i] = (u + fraction(rng) + (up ? 0.5f : 0.0f)) / 127.5f - 1.0f;
    want[i] = u + up;
  }
  // Out of range and NaN: clamped, NaN to black.
  const float inf = std::numeric_limits<float>::infinity();
  const std::pair<float, int> special[] = {{-1.5f, 0}, {1.5f, 255}, {-inf, 0}, {inf, 255}, {std::nanf(""), 0}};
  for (size_t i = 0; i < std::size(special); ++i) std::tie(image.data[i * 97], want[i * 97]) = special[i];

  save_png(path("out.png"), image);
  EXPECT_EQ(entries(), std::vector<std::string>{"out.png"}) << "a temporary file was left behind";
  const HostTensor back = load_face_image(path("out.png"), kSize);  // the PNG's own pixels: no resize
  ASSERT_EQ(back.shape.str(), image.shape.str());
  int wrong = 0;
  for (size_t i = 0; i < back.data.size(); ++i) wrong += to_level(back.data[i]) != want[i];
  EXPECT_EQ(wrong, 0) << "of " << back.data.size() << " values";
}

TEST_F(ImageIO, SaveKeepsWidthAndHeight) {
  save_png(path("wide.png"), HostTensor(Shape{1, 3, 20, 31}));
  const std::vector<uint8_t> png = read_all(path("wide.png"));
  ASSERT_GE(png.size(), 26u);
  const auto be32 = [&](size_t at) { return png[at] << 24 | png[at + 1] << 16 | png[at + 2] << 8 | png[at + 3]; };
  EXPECT_EQ(be32(16), 31);  // IHDR width
  EXPECT_EQ(be32(20), 20);  // IHDR height
  EXPECT_EQ(png[24], 8);    // bits per channel
  EXPECT_EQ(png[25], 2);    // RGB
}

TEST_F(ImageIO, SaveIntoAMissingDirectoryThrowsAndLeavesNothing) {
  const std::string target = path("missing/out.png");
  expect_file_error([&] { save_png(target, HostTensor(Shape{1, 3, 8, 8})); }, target, "cannot create");
  EXPECT_TRUE(entries().empty());
}

TEST_F(ImageIO, SaveRefusesOtherShapes) {
  for (const Shape& shape : {Shape{3, 8, 8}, Shape{1, 4, 8, 8}, Shape{2, 3, 8, 8}, Shape{1, 3, 0, 8}}) {
    expect_file_error([&] { save_png(path("out.png"), HostTensor(shape)); }, path("out.png"), "shape");
  }
  EXPECT_TRUE(entries().empty());
}

TEST_F(ImageIO, SaveOverADirectoryThrowsAndRemovesTheTemporary) {
  fs::create_directory(dir_ / "out.png");
  expect_file_error([&] { save_png(path("out.png"), HostTensor(Shape{1, 3, 8, 8})); }, path("out.png"),
                    "cannot rename");
  EXPECT_EQ(entries(), std::vector<std::string>{"out.png"});
}

TEST_F(ImageIO, LoadRefusesADirectoryAndABadSize) {
  expect_file_error([&] { load_face_image(dir_.string(), 64); }, dir_.string(), "cannot read");
  save_png(path("a.png"), HostTensor(Shape{1, 3, 8, 8}));
  EXPECT_THROW(load_face_image(path("a.png"), 0), std::invalid_argument);
}

}  // namespace
}  // namespace xfv
