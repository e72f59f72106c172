#include "engine/backend.h"

#include <stdexcept>

namespace xfv {

void Backend::run(const OpArgs& op) {
  std::visit(
      [this](const auto& a) {
        if constexpr (std::is_same_v<std::decay_t<decltype(a)>, std::monostate>)
          throw std::invalid_argument("backend: empty op");
        else
          run(a);
      },
      op);
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    reset();
    backend_ = o.backend_, bytes_ = o.bytes_, ptr_ = o.ptr_;
    o.backend_ = nullptr, o.bytes_ = 0, o.ptr_ = nullptr;
  }
  return *this;
}

void DeviceBuffer::reset() {
  if (ptr_) backend_->release(ptr_);
  backend_ = nullptr, bytes_ = 0, ptr_ = nullptr;
}

}  // namespace xfv
