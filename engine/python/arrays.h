// The Python module's arrays and errors (engine/python/xfv_module.cpp): numpy arrays or CPU
// tensors with DLPack in, checked for dtype, shape and layout with messages naming the
// argument; new, poisoned numpy arrays out; C API statuses as xfv.Error.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/include/xfv.h"

namespace xfv_python {

namespace nb = nanobind;

// What the module raises as xfv.Error.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const std::string& message) { throw Failure(message); }

// A C API status: -1 (or NULL) becomes xfv.Error carrying the engine's message.
inline void check(int status) {
  if (status != 0) fail(xfv_last_error());
}

inline std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

inline std::string dtype_text(nb::dlpack::dtype t) {
  static const std::map<uint8_t, const char*> kinds = {{0, "int"}, {1, "uint"}, {2, "float"}, {4, "bfloat"},
                                                       {5, "complex"}, {6, "bool"}};
  const auto it = kinds.find(t.code);
  return std::string(it == kinds.end() ? "unknown" : it->second) + std::to_string(t.bits);
}

using AnyArray = nb::ndarray<nb::ro, nb::device::cpu>;

// An input array of `dtype`, C-contiguous (the caller's memory where it already is), whose
// shape `expected` states (-1: any extent).
template <class T>
struct Input {
  AnyArray array;  // holds the caller's buffer (or the copy) while the engine reads it
  std::vector<int64_t> shape;
  const T* data() const { return static_cast<const T*>(array.data()); }
  int64_t size() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

inline bool c_contiguous(const AnyArray& a) {
  int64_t expected = 1;
  for (size_t i = a.ndim(); i-- > 0;) {
    if (a.shape(i) != 1 && a.stride(i) != expected) return false;
    expected *= static_cast<int64_t>(a.shape(i));
  }
  return true;
}

template <class T>
Input<T> input(const char* call, const char* what, nb::handle obj, const std::vector<int64_t>& expected) {
  const std::string where = std::string(call) + ": " + what;
  AnyArray a;
  if (!nb::try_cast(obj, a, false))
    fail(where + " must be a numpy array (or a CPU tensor with DLPack), not " +
         nb::cast<std::string>(nb::type_name(obj.type())));
  if (a.dtype() != nb::dtype<T>())
    fail(where + " must be " + dtype_text(nb::dtype<T>()) + ", not " + dtype_text(a.dtype()) + " (convert it with .astype)");
  if (!c_contiguous(a)) {  // one copy, by numpy, where the layout is not C order
    nb::object copy = nb::module_::import_("numpy").attr("ascontiguousarray")(obj);
    a = nb::cast<AnyArray>(copy);
  }
  Input<T> in{a, {}};
  for (size_t i = 0; i < a.ndim(); ++i) in.shape.push_back(static_cast<int64_t>(a.shape(i)));
  bool matches = in.shape.size() == expected.size();
  for (size_t i = 0; matches && i < expected.size(); ++i) matches = expected[i] < 0 || expected[i] == in.shape[i];
  if (!matches) {
    const bool any = std::find(expected.begin(), expected.end(), -1) != expected.end();
    fail(where + " has shape " + shape_text(in.shape) + ", expected " + shape_text(expected) +
         (any ? " (-1: any length)" : ""));
  }
  if (in.size() == 0) fail(where + " is empty");
  return in;
}

// A new numpy array of `shape`, poisoned, for a call to write.
template <class T>
struct Output {
  std::unique_ptr<T[]> data;
  std::vector<size_t> shape;
  explicit Output(std::vector<size_t> s) : shape(std::move(s)) {
    size_t n = 1;
    for (size_t d : shape) n *= d;
    data.reset(new T[n]);
    const T poison = std::numeric_limits<T>::has_quiet_NaN ? std::numeric_limits<T>::quiet_NaN() : T(0xAB);
    std::fill(data.get(), data.get() + n, poison);
  }
  nb::ndarray<nb::numpy, T> release() {
    T* p = data.release();
    nb::capsule owner(p, [](void* q) noexcept { delete[] static_cast<T*>(q); });
    return nb::ndarray<nb::numpy, T>(p, shape.size(), shape.data(), owner);
  }
};

inline int int_arg(const char* call, const char* what, int64_t v) {
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    fail(std::string(call) + ": " + what + " " + std::to_string(v) + " is out of the range of a C int");
  return static_cast<int>(v);
}

// The C API's queries give -1 where the file lacks what defines them: None here.
inline std::optional<int> known(int v) { return v < 0 ? std::nullopt : std::optional<int>(v); }

}  // namespace xfv_python
