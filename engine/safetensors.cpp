#include "engine/safetensors.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace xfv {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw FileError(path + ": " + what);
}

// The header of a safetensors file is JSON; a bigger one than this is not a weight file.
constexpr uint64_t kMaxHeaderBytes = uint64_t{64} << 20;

}  // namespace

TensorFile read_safetensors(const std::string& path) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "cannot read: " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  if (size < 8) fail(path, "too short for a safetensors file (" + std::to_string(size) + " bytes)");
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = header_len << 8 | len_bytes[i];
  if (header_len > size - 8 || header_len > kMaxHeaderBytes)
    fail(path, "header length " + std::to_string(header_len) + " does not fit a file of " +
                   std::to_string(size) + " bytes (truncated or not safetensors)");
  std::string text(header_len, '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_len));
  if (!in) fail(path, "cannot read the header");
  json header;
  try {
    header = json::parse(text);
  } catch (const json::exception& e) {
    fail(path, std::string("header is not JSON: ") + e.what());
  }
  if (!header.is_object()) fail(path, "header is not a JSON object");

  TensorFile file;
  const uint64_t data_size = size - 8 - header_len;
  try {
    for (const auto& [name, info] : header.items()) {
      if (name == "__metadata__") {
        for (const auto& [k, v] : info.items()) file.metadata[k] = v.get<std::string>();
        continue;
      }
      // Integer tensors (a dump's domain indices) are read as floats, exact below 2^24.
      const std::string dtype = info.at("dtype").get<std::string>();
      const uint64_t element = dtype == "F32" || dtype == "I32" ? 4 : dtype == "I64" ? 8 : 0;
      if (element == 0) fail(path, "tensor '" + name + "' has dtype " + dtype + "; F32, I32 and I64 are supported");
      const auto dims = info.at("shape").get<std::vector<int64_t>>();
      if (dims.size() > 4) fail(path, "tensor '" + name + "' has more than 4 dims");
      Shape shape;
      uint64_t count = 1;
      for (int64_t d : dims) {
        if (d < 0 || static_cast<uint64_t>(d) > data_size) fail(path, "tensor '" + name + "' is larger than the file");
        shape.dims[shape.rank++] = d;
        count *= static_cast<uint64_t>(d);
        if (count > data_size) fail(path, "tensor '" + name + "' is larger than the file");
      }
      const auto offsets = info.at("data_offsets").get<std::vector<uint64_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size ||
          offsets[1] - offsets[0] != count * element)
        fail(path, "tensor '" + name + "': data offsets do not match its shape " + shape.str() +
                       " within the file's " + std::to_string(data_size) + " data bytes");
      HostTensor t(shape);
      in.seekg(static_cast<std::streamoff>(8 + header_len + offsets[0]));
      if (dtype == "F32") {
        in.read(reinterpret_cast<char*>(t.data.data()), static_cast<std::streamsize>(count * element));
      } else {
        std::vector<char> raw(count * element);
        in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
        for (uint64_t i = 0; i < count; ++i) {
          int64_t v = 0;
          if (element == 8) {
            std::memcpy(&v, raw.data() + i * 8, 8);
          } else {
            int32_t v32;
            std::memcpy(&v32, raw.data() + i * 4, 4);
            v = v32;
          }
          t.data[i] = static_cast<float>(v);
        }
      }
      if (!in) fail(path, "cannot read the data of tensor '" + name + "'");
      file.tensors.emplace(name, std::move(t));
    }
  } catch (const json::exception& e) {
    fail(path, std::string("malformed header: ") + e.what());
  }
  return file;
}

void write_safetensors(const std::string& path, const TensorFile& file) {
  json header = json::object();
  uint64_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    std::vector<int64_t> dims(t.shape.dims, t.shape.dims + t.shape.rank);
    const uint64_t bytes = t.data.size() * sizeof(float);
    header[name] = {{"dtype", "F32"}, {"shape", dims}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');

  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    unsigned char len_bytes[8];
    for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>(text.size() >> (8 * i));
    out.write(reinterpret_cast<const char*>(len_bytes), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& [name, t] : file.tensors)
      out.write(reinterpret_cast<const char*>(t.data.data()),
                static_cast<std::streamsize>(t.data.size() * sizeof(float)));
    out.flush();
    if (!out) {
      out.close();
      std::remove(tmp.c_str());
      fail(path, "cannot write");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    fail(path, "cannot rename the finished file into place");
  }
}

}  // namespace xfv
