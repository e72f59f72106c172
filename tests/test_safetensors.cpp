// The safetensors reader and writer: round trips, and every malformed file a clear error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "engine/safetensors.h"

namespace xfv {
namespace {

namespace fs = std::filesystem;

class Safetensors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("xfv_st_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                        "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write_raw(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }
  static std::string with_header(const std::string& json, const std::string& data) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(json.size() >> (8 * i));
    return s + json + data;
  }
  void expect_error(const std::string& name, const std::string& fragment) const {
    try {
      read_safetensors(path(name));
      FAIL() << "no error for " << name;
    } catch (const FileError& e) {
      EXPECT_NE(std::string(e.what()).find(path(name)), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  }
  fs::path dir_;
};

TEST_F(Safetensors, RoundTripsTensorsAndMetadata) {
  std::mt19937 rng(11);
  std::normal_distribution<float> n;
  TensorFile f;
  for (Shape s : {Shape{3}, Shape{2, 5}, Shape{1, 4, 3, 7}, Shape{0}}) {
    HostTensor t(s);
    for (float& v : t.data) v = n(rng);
    f.tensors["net.t" + std::to_string(s.rank) + "_" + std::to_string(s.numel())] = t;
  }
  f.metadata["xfv.format"] = "1";
  write_safetensors(path("a.safetensors"), f);
  const TensorFile g = read_safetensors(path("a.safetensors"));
  EXPECT_EQ(g.metadata, f.metadata);
  ASSERT_EQ(g.tensors.size(), f.tensors.size());
  for (const auto& [name, t] : f.tensors) {
    EXPECT_EQ(g.tensors.at(name).shape, t.shape) << name;
    EXPECT_EQ(g.tensors.at(name).data, t.data) << name;
  }
  for (const auto& entry : fs::directory_iterator(dir_))  // no temporary left behind
    EXPECT_EQ(entry.path().filename(), "a.safetensors");
}

// Read on demand, a file holds every tensor's shape at once and a tensor's data only from
// the first time it is asked for: the same data as a whole read, once.
TEST_F(Safetensors, ReadsTensorsOnDemand) {
  std::mt19937 rng(12);
  std::normal_distribution<float> n;
  TensorFile f;
  for (const char* name : {"a.w", "a.b", "b.w"}) {
    HostTensor t(Shape{3, 5});
    for (float& v : t.data) v = n(rng);
    f.tensors[name] = t;
  }
  write_safetensors(path("lazy.safetensors"), f);
  const TensorFile g = read_safetensors(path("lazy.safetensors"), TensorReading::kOnDemand);
  ASSERT_EQ(g.tensors.size(), 3u);
  EXPECT_EQ(g.tensors.at("b.w").shape, (Shape{3, 5}));
  EXPECT_TRUE(g.resident_bytes_per_network().empty());
  const HostTensor* b = g.find("b.w");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->data, f.tensors.at("b.w").data);
  EXPECT_EQ(g.find("b.w"), b);  // once: the same tensor again
  EXPECT_EQ(g.find("c.w"), nullptr);
  EXPECT_EQ(g.resident_bytes_per_network(), (std::map<std::string, size_t>{{"b", 15 * sizeof(float)}}));
  EXPECT_EQ(g.find("a.b")->data, f.tensors.at("a.b").data);
  EXPECT_EQ(g.resident_bytes_per_network().at("a"), 15 * sizeof(float));

  // A file cut short after it was opened: the tensor not yet read is an error naming both.
  // The data is stored a.b, a.w, b.w, 60 bytes each: 100 bytes fewer end inside a.w.
  fs::resize_file(path("lazy.safetensors"), fs::file_size(path("lazy.safetensors")) - 100);
  try {
    g.find("a.w");
    ADD_FAILURE() << "no error for a tensor past the end of a truncated file";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find(path("lazy.safetensors")), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'a.w'"), std::string::npos) << e.what();
  }
}

TEST_F(Safetensors, MalformedFilesAreClearErrors) {
  write_raw("empty", "");
  expect_error("empty", "too short");
  write_raw("huge_header", with_header("{}", "").replace(0, 8, std::string("\xff\xff\xff\xff\x00\x00\x00\x00", 8)));
  expect_error("huge_header", "header length");
  write_raw("not_json", with_header("{nope", ""));
  expect_error("not_json", "not JSON");
  write_raw("truncated", with_header(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", "12345678"));
  expect_error("truncated", "data offsets");
  write_raw("giant_shape",
            with_header(R"({"w":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,16]}})", std::string(16, '\0')));
  expect_error("giant_shape", "larger than the file");
  write_raw("f16", with_header(R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", "1234"));
  expect_error("f16", "F16");
  write_raw("i64", with_header(R"({"y":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})",
                               std::string("\x03\0\0\0\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff", 16)));
  EXPECT_EQ(read_safetensors(path("i64")).tensors.at("y").data, (std::vector<float>{3.f, -1.f}));
  write_raw("no_offsets", with_header(R"({"w":{"dtype":"F32","shape":[1]}})", "1234"));
  expect_error("no_offsets", "malformed header");
  expect_error("missing_file", "cannot read");
}

}  // namespace
}  // namespace xfv
