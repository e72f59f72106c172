#include "engine/cpu/prepared_convs.h"

#include "engine/cpu/conv2d_winograd.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/fault_injection.h"
#include "engine/op_traits.h"

namespace xfv {
namespace cpu {

namespace {

// What the cpu derives from a conv's weights, by the conv's algorithm (conv2d.cpp's plan).
enum class Form { none, winograd_2d, winograd_1d, im2col_packed, polyphase };

Form form_of(const OpArgs& op) {
  // A reduced precision runs the rounded reference (conv_mma.cpp), which reads w as it is.
  if (precision_of(op) != Precision::Fp32) return Form::none;
  if (const auto* conv = std::get_if<Conv2dArgs>(&op)) {
    const Conv2dDesc& d = conv->d;
    if (const int m = winograd_tile(d)) return winograd2d_prepares(d, m) ? Form::winograd_2d : Form::none;
    if (winograd1d_scheme(d)) return Form::winograd_1d;
    return im2col_packs(d) ? Form::im2col_packed : Form::none;
  }
  return std::holds_alternative<ConvTranspose1dArgs>(op) ? Form::polyphase : Form::none;
}

}  // namespace

bool PreparedConvs::key_of(const OpArgs& op, Key& key) {
  const Form form = form_of(op);
  if (form == Form::polyphase) {
    const ConvTranspose1dDesc& d = std::get<ConvTranspose1dArgs>(op).d;
    key = Key{std::get<ConvTranspose1dArgs>(op).w, op.index(), d.cout, d.cin, d.k, d.stride};
    return true;
  }
  if (form == Form::none) return false;
  const Conv2dArgs& conv = std::get<Conv2dArgs>(op);
  const Conv2dDesc& d = conv.d;
  // The form kept is part of the key: the same weights at another size may keep another
  // (a 2-D Winograd tile, a 1-D scheme's m).
  int variant = 0;
  if (form == Form::winograd_2d) variant = -winograd_tile(d);
  if (form == Form::winograd_1d) variant = winograd1d_scheme(d).m;
  key = Key{conv.w, op.index(), d.cout, d.cin, d.kh * 16 + d.kw, variant * 4 + static_cast<int>(form)};
  return true;
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
  const Form form = form_of(op);
  if (form == Form::polyphase) {
    const ConvTranspose1dArgs& transposed = std::get<ConvTranspose1dArgs>(op);
    entry.data.resize(polyphase_weights_size(transposed.d));
    polyphase_weights(transposed.d, transposed.w, entry.data.data());
  } else {
    const Conv2dArgs& conv = std::get<Conv2dArgs>(op);
    const Conv2dDesc& d = conv.d;
    if (form == Form::winograd_2d) {
      entry.data.resize(winograd2d_prepared_size(d, winograd_tile(d)));
      winograd2d_prepare(d, winograd_tile(d), conv.w, entry.data.data());
    } else if (form == Form::winograd_1d) {
      entry.data.resize(winograd1d_prepared_size(d, winograd1d_scheme(d)));
      winograd1d_prepare(d, winograd1d_scheme(d), conv.w, entry.data.data());
    } else {
      entry.data.resize(im2col_prepared_size(d));
      im2col_prepare(d, conv.w, entry.data.data());
    }
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
