// Shapes and host tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace xfv {

// Element types. Only f32 runs today; the others are named so that buffers, weight files
// and the arena already carry a type and a size per element.
enum class DType : uint8_t { f32, f16, bf16 };
size_t dtype_size(DType t);

// Up to 4 dims, row-major (NCHW for feature maps).
struct Shape {
  int rank = 0;
  int64_t dims[4] = {1, 1, 1, 1};

  Shape() = default;
  Shape(std::initializer_list<int64_t> d);
  int64_t numel() const;
  int64_t operator[](int i) const { return dims[i]; }
  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const;  // "(2, 64, 32, 32)"
};

// A float32 tensor in host memory: inputs, outputs, weights before upload.
struct HostTensor {
  Shape shape;
  std::vector<float> data;

  HostTensor() = default;
  explicit HostTensor(Shape s) : shape(s), data(static_cast<size_t>(s.numel())) {}
  HostTensor(Shape s, std::vector<float> d);
  int64_t numel() const { return shape.numel(); }
};

// Rows along the first dimension (a batch): `rows` of t, in that order; parts (each with
// the same row shape) stacked into one tensor; src's rows written to rows `at` of dst.
HostTensor gather_rows(const HostTensor& t, const std::vector<size_t>& rows);
HostTensor stack_rows(const std::vector<HostTensor>& parts);
void scatter_rows(const HostTensor& src, const std::vector<size_t>& at, HostTensor& dst);

}  // namespace xfv
