#include "engine/io/atomic_write.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

#include "engine/safetensors.h"  // FileError

namespace xfv {
namespace {

// "<path>: <what> <temporary><after>: <the last call's errno>", errno taken before the
// message is built (an allocation may change it).
[[noreturn]] void fail(const std::string& path, const char* what, const std::string& temporary, const char* after = "") {
  const int err = errno;
  throw FileError(path + ": " + what + " " + temporary + after + ": " + std::generic_category().message(err));
}

struct CloseFile {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

void write_file_atomically(const std::string& path, const std::function<void(const std::string& temporary)>& write) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  try {
    write(temporary);
    if (std::rename(temporary.c_str(), path.c_str()) != 0) fail(path, "cannot rename", temporary, " to it");
  } catch (...) {
    std::remove(temporary.c_str());
    throw;
  }
}

void write_atomically(const std::string& path, const std::vector<std::string_view>& parts) {
  write_file_atomically(path, [&](const std::string& temporary) {
    std::unique_ptr<std::FILE, CloseFile> file(std::fopen(temporary.c_str(), "wb"));
    if (!file) fail(path, "cannot create", temporary);
    for (const std::string_view part : parts)  // an empty part may have no data pointer, which fwrite must not get
      if (!part.empty() && std::fwrite(part.data(), 1, part.size(), file.get()) != part.size())
        fail(path, "cannot write", temporary);
    // fclose reports the write errors the C library delayed (its buffer is flushed only now).
    if (std::fclose(file.release()) != 0) fail(path, "cannot write", temporary);
  });
}

}  // namespace xfv
