#include <algorithm>
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

HostTensor gather_rows(const HostTensor& t, const std::vector<size_t>& rows) {
  Shape s = t.shape;
  const int64_t row = t.numel() / s[0];
  s.dims[0] = static_cast<int64_t>(rows.size());
  HostTensor out(s);
  for (size_t k = 0; k < rows.size(); ++k)
    std::copy_n(t.data.begin() + static_cast<int64_t>(rows[k]) * row, row,
                out.data.begin() + static_cast<int64_t>(k) * row);
  return out;
}

HostTensor stack_rows(const std::vector<HostTensor>& parts) {
  Shape s = parts.at(0).shape;
  const int64_t row = parts[0].numel() / s[0];
  s.dims[0] = 0;
  for (const HostTensor& p : parts) s.dims[0] += p.shape[0];
  HostTensor out(s);
  int64_t at = 0;
  for (const HostTensor& p : parts) {
    if (p.numel() / p.shape[0] != row) throw std::invalid_argument("stack_rows: rows of different sizes");
    std::copy(p.data.begin(), p.data.end(), out.data.begin() + at * row);
    at += p.shape[0];
  }
  return out;
}

void scatter_rows(const HostTensor& src, const std::vector<size_t>& at, HostTensor& dst) {
  const int64_t row = dst.numel() / dst.shape[0];
  for (size_t k = 0; k < at.size(); ++k)
    std::copy_n(src.data.begin() + static_cast<int64_t>(k) * row, row,
                dst.data.begin() + static_cast<int64_t>(at[k]) * row);
}

}  // namespace xfv
