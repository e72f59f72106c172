// Domains resolve per network (ModelSession::domain): each network that selects by domain
// counts its own, a name the network knows wins over the same text read as an index, a
// decimal index past the network's count is an error naming the network and its domains, and
// a network without domains is refused. On the XFaVoT bundles (XFV_XFAVOT, from CTest's
// xfavot fixture): full's image style encoder knows female, male; its audio style encoder and
// mapping network 22 domains; small's networks domain0..domain2 each.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "engine/tasks/model_session.h"

namespace xfv {
namespace {

std::string bundle(const std::string& name) {
  const char* dir = std::getenv("XFV_XFAVOT");
  return dir ? std::string(dir) + "/" + name + ".safetensors" : "";
}

// The message of the std::invalid_argument that `resolve` throws ("" if it throws none).
template <class Fn>
std::string refusal(Fn resolve) {
  try {
    resolve();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

class Domains : public ::testing::Test {
 protected:
  void SetUp() override {
    if (bundle("full").empty()) GTEST_SKIP() << "run through ctest (XFV_XFAVOT)";
  }
};

TEST_F(Domains, EachNetworkCountsItsOwn) {
  const ModelSession full(bundle("full"), "cpu");
  EXPECT_EQ(full.domain("5", "audio_style_encoder"), 5);
  EXPECT_EQ(full.domain("21", "mapping_network"), 21);
  EXPECT_EQ(full.domain("1", "image_style_encoder"), 1);
  EXPECT_EQ(full.domain("male", "image_style_encoder"), 1);
  const std::string past = refusal([&] { full.domain("5", "image_style_encoder"); });
  EXPECT_NE(past.find("domain '5' is unknown to 'image_style_encoder' (2 domains: female, male)"), std::string::npos)
      << past;
  const std::string huge = refusal([&] { full.domain("123456789012", "mapping_network"); });
  EXPECT_NE(huge.find("unknown to 'mapping_network' (22 domains: female, male, p225"), std::string::npos) << huge;
  const std::string unknown = refusal([&] { full.domain("p225", "image_style_encoder"); });
  EXPECT_NE(unknown.find("'p225' is unknown to 'image_style_encoder'"), std::string::npos) << unknown;
}

TEST_F(Domains, NetworksWithoutDomainsAreRefused) {
  const ModelSession full(bundle("full"), "cpu");
  for (const char* network : {"image_generator", "audio_generator", "f0_model", "fan", "vocoder", "nothing"}) {
    const std::string message = refusal([&] { full.domain("0", network); });
    EXPECT_NE(message.find(std::string("'") + network + "' has no domains"), std::string::npos) << message;
  }
}

// small's image style encoder renamed "2", "0", "1": each name is the index it names, not
// the index its text reads as; text it lacks still reads as an index.
TEST_F(Domains, ANameTheNetworkKnowsWinsOverAnIndex) {
  TensorFile file = read_safetensors(bundle("small"));
  file.metadata["xfv.domains.image_style_encoder"] = R"(["2", "0", "1"])";
  const std::string path = testing::TempDir() + "renamed_domains." + std::to_string(getpid()) + ".safetensors";
  write_safetensors(path, file);
  const ModelSession renamed(path, "cpu");
  std::remove(path.c_str());
  EXPECT_EQ(renamed.domain("2", "image_style_encoder"), 0);
  EXPECT_EQ(renamed.domain("0", "image_style_encoder"), 1);
  EXPECT_EQ(renamed.domain("1", "image_style_encoder"), 2);
  EXPECT_EQ(renamed.domain("1", "audio_style_encoder"), 1);  // its own names are domain0..domain2
  EXPECT_EQ(renamed.domain("domain2", "audio_style_encoder"), 2);
  const std::string past = refusal([&] { renamed.domain("3", "image_style_encoder"); });
  EXPECT_NE(past.find("domain '3' is unknown to 'image_style_encoder' (3 domains: 2, 0, 1)"), std::string::npos)
      << past;
}

}  // namespace
}  // namespace xfv
