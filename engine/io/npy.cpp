#include "engine/io/npy.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/limits.h"

namespace xfv {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw FileError(path + ": " + what); }

// The value of `key` in the header's dict literal, up to the next ',' or '}' (past a tuple's ')').
std::string value_of(const std::string& header, const std::string& key, const std::string& path) {
  const size_t at = header.find("'" + key + "':");
  if (at == std::string::npos) fail(path, ".npy header lacks '" + key + "'");
  const size_t begin = header.find_first_not_of(' ', at + key.size() + 3);
  if (begin == std::string::npos) fail(path, ".npy header has no value for '" + key + "'");
  const size_t from = header[begin] == '(' ? header.find(')', begin) : begin;
  const size_t end = from == std::string::npos ? std::string::npos : header.find_first_of(",}", from);
  if (end == std::string::npos) fail(path, ".npy header's '" + key + "' is not terminated");
  return header.substr(begin, end - begin);
}

// The reader of both entries: `in` holds `size` bytes, `path` names them in errors.
HostTensor read_npy(std::istream& in, uint64_t size, const std::string& path) {
  char magic[8] = {};
  in.read(magic, 8);
  if (!in || std::string(magic, 6) != "\x93NUMPY") fail(path, "not a .npy file");
  const int major = static_cast<unsigned char>(magic[6]);
  unsigned char len[4] = {};
  in.read(reinterpret_cast<char*>(len), major == 1 ? 2 : 4);
  const uint32_t header_len =
      len[0] | len[1] << 8 | (major == 1 ? 0u : (uint32_t{len[2]} << 16 | uint32_t{len[3]} << 24));
  if (!in || header_len > size) fail(path, "truncated .npy header");
  if (header_len > kMaxNpyHeaderBytes)
    fail(path, ".npy header of " + std::to_string(header_len) + " bytes; at most " +
                   std::to_string(kMaxNpyHeaderBytes) + " are accepted");
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (!in) fail(path, "truncated .npy header");

  // The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (1, 16), }
  const std::string descr = value_of(header, "descr", path);
  if (descr != "'<f4'") fail(path, "expected float32 ('<f4') data, the file holds " + descr);
  if (value_of(header, "fortran_order", path) != "False") fail(path, "Fortran-order arrays are not supported");
  const std::string dims = value_of(header, "shape", path);
  Shape shape;
  uint64_t count = 1;
  for (size_t i = 0; i < dims.size();) {
    if (!std::isdigit(static_cast<unsigned char>(dims[i]))) {
      ++i;
      continue;
    }
    const size_t end = std::min(dims.find_first_not_of("0123456789", i), dims.size());
    const std::string number = dims.substr(i, end - i);
    if (shape.rank == kMaxTensorRank)
      fail(path, "more than " + std::to_string(kMaxTensorRank) + " dimensions");
    if (number.size() > 12 || std::stoull(number) > size) fail(path, "dimension " + number + " is larger than the file");
    shape.dims[shape.rank++] = std::stoll(number);
    count *= std::stoull(number);
    if (count > size) fail(path, "shape " + shape.str() + " is larger than the file");
    i = end;
  }
  const uint64_t data_bytes = size - static_cast<uint64_t>(in.tellg());
  if (count * sizeof(float) != data_bytes)
    fail(path, "shape " + shape.str() + " needs " + std::to_string(count * sizeof(float)) +
                   " bytes of data, the file holds " + std::to_string(data_bytes));
  HostTensor t(shape);
  in.read(reinterpret_cast<char*>(t.data.data()), static_cast<std::streamsize>(data_bytes));
  if (!in) fail(path, "cannot read the data");
  return t;
}

}  // namespace

HostTensor read_npy(const std::string& path) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "cannot read: " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  return read_npy(in, size, path);
}

HostTensor read_npy_bytes(const std::string& bytes, const std::string& name) {
  std::istringstream in(bytes, std::ios::binary);
  return read_npy(in, bytes.size(), name);
}

}  // namespace xfv
