// Safetensors files: the engine's weight format (weights/README.md) and its tensor dumps.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/tensor.h"

namespace xfv {

// A file that cannot be read as what it claims to be; the message names the file.
struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class TensorSource;  // an open file's tensor data, read as asked for (safetensors.cpp)

struct TensorFile {
  // Every tensor with its shape. A file read whole holds each tensor's data here; a file read
  // on demand holds none until find() is first asked for the tensor, so that the networks a
  // run never builds are never in memory.
  std::map<std::string, HostTensor> tensors;
  std::map<std::string, std::string> metadata;
  std::shared_ptr<TensorSource> source;  // null for a file read whole or made in memory

  // The tensor `name` with its data (read from the file now if it is read on demand and this
  // is the first ask), or null if the file has no such tensor; a read that fails is a
  // FileError naming the file and the tensor. Safe from any thread; the tensor's address
  // never changes. A file read on demand gives its data only through find.
  const HostTensor* find(const std::string& name) const;
  // Bytes of tensor data in memory now, per network (the name's part before its first dot).
  std::map<std::string, size_t> resident_bytes_per_network() const;
};

enum class TensorReading { kWhole, kOnDemand };

// Reads a safetensors file of float32 tensors (up to 4 dims; I32 and I64 as floats): the
// header at once, the data at once or on demand (the file stays open). Every size the header
// claims is checked against the file before anything is allocated from it.
TensorFile read_safetensors(const std::string& path, TensorReading reading = TensorReading::kWhole);
// The same from bytes in memory (the fuzz targets' entry); `name` stands for the path in errors.
TensorFile read_safetensors_bytes(std::string bytes, const std::string& name,
                                  TensorReading reading = TensorReading::kWhole);

// Writes to a temporary name and renames, so a failure leaves no partial file.
void write_safetensors(const std::string& path, const TensorFile& file);

}  // namespace xfv
