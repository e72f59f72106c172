#include "engine/safetensors.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string_view>
#include <nlohmann/json.hpp>

#include "engine/fault_injection.h"
#include "engine/io/atomic_write.h"
#include "engine/limits.h"

namespace xfv {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw FileError(path + ": " + what);
}

// Where a tensor's bytes lie in the file (from its start) and how each element is stored.
struct Extent {
  uint64_t offset = 0;
  uint64_t element = 4;  // bytes
  bool is_float = true;  // F32; else a little-endian integer of `element` bytes
};

// Reads a tensor's data at `e` into t (whose shape is set), converting integers to floats.
void read_data(std::istream& in, const std::string& path, const std::string& name, const Extent& e, HostTensor& t) {
  const uint64_t count = static_cast<uint64_t>(t.numel());
  allocation_point();
  t.data.resize(count);
  in.clear();
  in.seekg(static_cast<std::streamoff>(e.offset));
  if (e.is_float) {
    in.read(reinterpret_cast<char*>(t.data.data()), static_cast<std::streamsize>(count * e.element));
  } else {
    std::vector<char> raw(count * e.element);
    in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
    for (uint64_t i = 0; i < count; ++i) {
      int64_t v = 0;
      if (e.element == 8) {
        std::memcpy(&v, raw.data() + i * 8, 8);
      } else {
        int32_t v32;
        std::memcpy(&v32, raw.data() + i * 4, 4);
        v = v32;
      }
      t.data[i] = static_cast<float>(v);
    }
  }
  if (!in) {
    t.data.clear();
    t.data.shrink_to_fit();
    fail(path, "cannot read the data of tensor '" + name + "' (was the file changed since it was opened?)");
  }
}

}  // namespace

class TensorSource {
 public:
  TensorSource(std::string path, std::unique_ptr<std::istream> in, std::map<std::string, Extent> extents)
      : path_(std::move(path)), in_(std::move(in)), extents_(std::move(extents)) {}

  void ensure_read(const std::string& name, HostTensor& t) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (read_.count(name)) return;
    read_data(*in_, path_, name, extents_.at(name), t);
    read_.insert(name);
  }

  std::map<std::string, size_t> resident_bytes_per_network(const std::map<std::string, HostTensor>& tensors) {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::map<std::string, size_t> per;
    for (const std::string& name : read_)
      per[name.substr(0, name.find('.'))] += static_cast<size_t>(tensors.at(name).numel()) * sizeof(float);
    return per;
  }

 private:
  std::mutex mutex_;
  const std::string path_;
  std::unique_ptr<std::istream> in_;
  const std::map<std::string, Extent> extents_;
  std::set<std::string> read_;
};

const HostTensor* TensorFile::find(const std::string& name) const {
  const auto it = tensors.find(name);
  if (it == tensors.end()) return nullptr;
  // The map's shape never changes once read; only this entry's data is filled, once, under
  // the source's lock.
  if (source) source->ensure_read(name, const_cast<HostTensor&>(it->second));
  return &it->second;
}

std::map<std::string, size_t> TensorFile::resident_bytes_per_network() const {
  if (source) return source->resident_bytes_per_network(tensors);
  std::map<std::string, size_t> per;
  for (const auto& [name, t] : tensors) per[name.substr(0, name.find('.'))] += t.data.size() * sizeof(float);
  return per;
}

namespace {

// The reader of both entries: `in` holds `size` bytes, `path` names them in errors.
TensorFile read_safetensors(std::unique_ptr<std::istream> stream, uint64_t size, const std::string& path,
                            TensorReading reading) {
  std::istream& in = *stream;
  if (size < 8) fail(path, "too short for a safetensors file (" + std::to_string(size) + " bytes)");
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = header_len << 8 | len_bytes[i];
  if (header_len > size - 8 || header_len > kMaxSafetensorsHeaderBytes)
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
  std::map<std::string, Extent> extents;
  const uint64_t data_size = size - 8 - header_len;
  try {
    for (const auto& [name, info] : header.items()) {
      if (name == "__metadata__") {
        for (const auto& [k, v] : info.items()) file.metadata[k] = v.get<std::string>();
        continue;
      }
      // Integer tensors (a dump's domain indices) are read as floats, exact below 2^24.
      const std::string dtype = info.at("dtype").get<std::string>();
      Extent e;
      e.element = dtype == "F32" || dtype == "I32" ? 4 : dtype == "I64" ? 8 : 0;
      e.is_float = dtype == "F32";
      if (e.element == 0) fail(path, "tensor '" + name + "' has dtype " + dtype + "; F32, I32 and I64 are supported");
      const auto dims = info.at("shape").get<std::vector<int64_t>>();
      if (dims.size() > static_cast<size_t>(kMaxTensorRank))
        fail(path, "tensor '" + name + "' has " + std::to_string(dims.size()) + " dims; at most " +
                       std::to_string(kMaxTensorRank) + " are accepted");
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
          offsets[1] - offsets[0] != count * e.element)
        fail(path, "tensor '" + name + "': data offsets do not match its shape " + shape.str() +
                       " within the file's " + std::to_string(data_size) + " data bytes");
      e.offset = 8 + header_len + offsets[0];
      HostTensor& t = file.tensors.emplace(name, HostTensor()).first->second;
      t.shape = shape;
      if (reading == TensorReading::kWhole)
        read_data(in, path, name, e, t);
      else
        extents.emplace(name, e);
    }
  } catch (const json::exception& e) {
    fail(path, std::string("malformed header: ") + e.what());
  }
  if (reading == TensorReading::kOnDemand)
    file.source = std::make_shared<TensorSource>(path, std::move(stream), std::move(extents));
  return file;
}

}  // namespace

TensorFile read_safetensors(const std::string& path, TensorReading reading) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "cannot read: " + ec.message());
  auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*in) fail(path, "cannot open");
  return read_safetensors(std::move(in), size, path, reading);
}

TensorFile read_safetensors_bytes(std::string bytes, const std::string& name, TensorReading reading) {
  const uint64_t size = bytes.size();
  return read_safetensors(std::make_unique<std::istringstream>(std::move(bytes), std::ios::binary), size, name,
                          reading);
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

  unsigned char len_bytes[8];
  for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>(text.size() >> (8 * i));
  std::vector<std::string_view> parts{std::string_view(reinterpret_cast<const char*>(len_bytes), 8), text};
  for (const auto& [name, t] : file.tensors)
    parts.emplace_back(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float));
  write_atomically(path, parts);
}

}  // namespace xfv
