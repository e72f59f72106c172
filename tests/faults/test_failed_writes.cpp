// Each writer of an output file — save_png (faces, mels), save_wav (voices) and
// write_safetensors (dumps) — run in a child process whose files may not pass 16 KiB
// (RLIMIT_FSIZE; SIGXFSZ ignored, so that the write fails with EFBIG rather than killing
// the process): a FileError naming the file, and nothing left in the folder, neither the
// output nor the temporary beside it that is renamed into place only once whole.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "engine/io/audio.h"
#include "engine/io/image.h"
#include "engine/safetensors.h"

namespace {

namespace fs = std::filesystem;

// The child's exit status: 0 when `write` threw a FileError naming `path` and left the
// folder empty.
enum Outcome { kRefusedAndClean = 0, kWrote = 1, kLeftFiles = 2, kOtherError = 3, kWrongMessage = 4 };

int write_under_a_size_limit(const fs::path& folder, const std::string& path, const std::function<void()>& write) {
  const pid_t child = fork();
  if (child == 0) {
    const rlimit limit{16 << 10, 16 << 10};
    std::signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(kOtherError);
    int outcome = kWrote;
    try {
      write();
    } catch (const xfv::FileError& e) {
      outcome = std::string(e.what()).rfind(path + ": ", 0) != 0 ? kWrongMessage
                : fs::is_empty(folder)                            ? kRefusedAndClean
                                                                  : kLeftFiles;
    } catch (...) {
      outcome = kOtherError;
    }
    _exit(outcome);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<float> noise(size_t n) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> x(n);
  for (float& v : x) v = u(rng);
  return x;
}

TEST(FailedWrites, LeaveNoPartialOutput) {
  const fs::path folder = fs::path(::testing::TempDir()) / ("xfv-writes-" + std::to_string(::getpid()));
  const xfv::HostTensor image(xfv::Shape{1, 3, 256, 256}, noise(3 * 256 * 256));  // noise: a PNG of ~200 KB
  xfv::TensorFile dump;
  dump.tensors.emplace("x", xfv::HostTensor(xfv::Shape{65536}, noise(65536)));
  const struct {
    const char* name;
    std::function<void(const std::string&)> write;
  } writers[] = {
      {"out.png", [&](const std::string& p) { xfv::save_png(p, image); }},
      {"mel.png", [&](const std::string& p) { xfv::save_mel_png(p, xfv::HostTensor(xfv::Shape{1, 1, 80, 1024}, noise(80 * 1024))); }},
      {"out.wav", [&](const std::string& p) { xfv::save_wav(p, noise(48000), 24000, xfv::WavEncoding::Float32); }},
      {"out16.wav", [&](const std::string& p) { xfv::save_wav(p, noise(48000), 24000, xfv::WavEncoding::Pcm16); }},
      {"dump.safetensors", [&](const std::string& p) { xfv::write_safetensors(p, dump); }},
  };
  for (const auto& w : writers) {
    SCOPED_TRACE(w.name);
    fs::remove_all(folder);
    fs::create_directories(folder);
    const std::string path = (folder / w.name).string();
    EXPECT_EQ(write_under_a_size_limit(folder, path, [&] { w.write(path); }), kRefusedAndClean);
    // And without the limit the same write succeeds: the limit was the only fault.
    w.write(path);
    EXPECT_GT(fs::file_size(path), 16u << 10);
  }
  fs::remove_all(folder);
}

}  // namespace
