#include "engine/cpu/prepared_convs.h"

#include "engine/cpu/conv2d_winograd.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/fault_injection.h"

namespace xfv {
namespace cpu {

bool PreparedConvs::key_of(const OpArgs& op, Key& key) {
  if (const auto* conv = std::get_if<Conv2dArgs>(&op)) {
    const Conv2dDesc& d = conv->d;
    if (winograd_tile(d)) return false;  // 2-D Winograd: its transform stays in the call
    const Winograd1dScheme scheme = winograd1d_scheme(d);
    if (!scheme) return false;
    // The form kept (packed or not) is part of the key: the same weights at another width
    // may keep the other.
    key = Key{conv->w, op.index(), d.cout, d.cin, d.kw, scheme.m * 2 + winograd1d_packs(d, scheme)};
    return true;
  }
  if (const auto* conv = std::get_if<ConvTranspose1dArgs>(&op)) {
    const ConvTranspose1dDesc& d = conv->d;
    key = Key{conv->w, op.index(), d.cout, d.cin, d.k, d.stride};
    return true;
  }
  return false;
}

size_t PreparedConvs::keep(const OpArgs& op) {
  Key key;
  if (!key_of(op, key)) return 0;
  if (const auto it = entries_.find(key); it != entries_.end()) {
    ++it->second.users;
    return 0;
  }
  // Made whole before it is entered: an allocation that fails leaves no empty entry behind.
  Entry entry;
  entry.users = 1;
  allocation_point();
  if (const auto* conv = std::get_if<Conv2dArgs>(&op)) {
    const Winograd1dScheme scheme = winograd1d_scheme(conv->d);
    entry.data.resize(winograd1d_prepared_size(conv->d, scheme));
    winograd1d_prepare(conv->d, scheme, conv->w, entry.data.data());
  } else if (const auto* transposed = std::get_if<ConvTranspose1dArgs>(&op)) {
    entry.data.resize(polyphase_weights_size(transposed->d));
    polyphase_weights(transposed->d, transposed->w, entry.data.data());
  }
  const size_t bytes = entry.data.size() * sizeof(float);
  entries_.emplace(key, std::move(entry));
  bytes_ += bytes;
  return bytes;
}

void PreparedConvs::forget(const OpArgs& op) {
  Key key;
  if (!key_of(op, key)) return;
  const auto it = entries_.find(key);
  if (it == entries_.end() || --it->second.users > 0) return;
  bytes_ -= it->second.data.size() * sizeof(float);
  entries_.erase(it);
}

const float* PreparedConvs::find(const OpArgs& op) const {
  Key key;
  if (!key_of(op, key)) return nullptr;
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second.data.data();
}

}  // namespace cpu
}  // namespace xfv
