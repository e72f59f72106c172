#include "engine/io/npy.h"

#include <filesystem>
#include <fstream>
#include <cctype>

namespace xfv {

HostTensor read_npy(const std::string& path) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) throw FileError(path + ": cannot read: " + ec.message());
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  if (!in || std::string(magic, 6) != "\x93NUMPY") throw FileError(path + ": not a .npy file");
  const int major = static_cast<unsigned char>(magic[6]);
  uint32_t header_len = 0;
  unsigned char len[4] = {};
  in.read(reinterpret_cast<char*>(len), major == 1 ? 2 : 4);
  header_len = len[0] | len[1] << 8 | (major == 1 ? 0u : (uint32_t{len[2]} << 16 | uint32_t{len[3]} << 24));
  if (!in || header_len > size) throw FileError(path + ": truncated .npy header");
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (!in) throw FileError(path + ": truncated .npy header");

  // The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (1, 16), }
  const auto value_of = [&](const std::string& key) {
    const size_t at = header.find("'" + key + "':");
    if (at == std::string::npos) throw FileError(path + ": .npy header lacks '" + key + "'");
    const size_t begin = header.find_first_not_of(' ', at + key.size() + 3);
    return header.substr(begin, header.find_first_of(",}", header[begin] == '(' ? header.find(')', begin) : begin) - begin);
  };
  const std::string descr = value_of("descr");
  if (descr != "'<f4'") throw FileError(path + ": expected float32 ('<f4') data, the file holds " + descr);
  if (value_of("fortran_order") != "False") throw FileError(path + ": Fortran-order arrays are not supported");
  const std::string dims = value_of("shape");
  Shape shape;
  for (size_t i = 0; i < dims.size();) {
    if (!std::isdigit(static_cast<unsigned char>(dims[i]))) {
      ++i;
      continue;
    }
    const size_t end = dims.find_first_not_of("0123456789", i);
    const std::string number = dims.substr(i, end - i);
    if (shape.rank == 4) throw FileError(path + ": more than 4 dimensions");
    if (number.size() > 12 || std::stoull(number) > size)
      throw FileError(path + ": dimension " + number + " is larger than the file");
    shape.dims[shape.rank++] = std::stoll(number);
    i = end;
  }
  const uint64_t data_bytes = size - static_cast<uint64_t>(in.tellg());
  if (static_cast<uint64_t>(shape.numel()) * sizeof(float) != data_bytes)
    throw FileError(path + ": shape " + shape.str() + " needs " + std::to_string(shape.numel() * 4) +
                    " bytes of data, the file holds " + std::to_string(data_bytes));
  HostTensor t(shape);
  in.read(reinterpret_cast<char*>(t.data.data()), static_cast<std::streamsize>(data_bytes));
  if (!in) throw FileError(path + ": cannot read the data");
  return t;
}

}  // namespace xfv
