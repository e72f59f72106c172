#include "engine/tensor.h"

#include <stdexcept>

namespace xfv {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: return 4;
    case DType::f16:
    case DType::bf16: return 2;
  }
  throw std::invalid_argument("unknown dtype");
}

Shape::Shape(std::initializer_list<int64_t> d) {
  if (d.size() > 4) throw std::invalid_argument("a shape has at most 4 dims");
  for (int64_t v : d) {
    if (v < 0) throw std::invalid_argument("negative dimension in a shape");
    dims[rank++] = v;
  }
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) n *= dims[i];
  return n;
}

bool Shape::operator==(const Shape& o) const {
  if (rank != o.rank) return false;
  for (int i = 0; i < rank; ++i)
    if (dims[i] != o.dims[i]) return false;
  return true;
}

std::string Shape::str() const {
  std::string s = "(";
  for (int i = 0; i < rank; ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + ")";
}

HostTensor::HostTensor(Shape s, std::vector<float> d) : shape(s), data(std::move(d)) {
  if (static_cast<int64_t>(data.size()) != shape.numel())
    throw std::invalid_argument("tensor data size " + std::to_string(data.size()) +
                                " does not match shape " + shape.str());
}

}  // namespace xfv
