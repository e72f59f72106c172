#include "engine/stored_weights.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/op_traits.h"

namespace xfv {

namespace {

const float* weights_of(const OpArgs& op) {
  if (const auto* conv = std::get_if<Conv2dArgs>(&op)) return conv->w;
  if (const auto* linear = std::get_if<LinearArgs>(&op)) return linear->w;
  if (const auto* transposed = std::get_if<ConvTranspose1dArgs>(&op)) return transposed->w;
  return nullptr;
}

// fp32 weights as precision p stores them, rounded as the GPU's cvt rounds: TF32 in fp32
// words, bf16 and fp16 as their 16-bit patterns.
std::vector<unsigned char> stored_form(Precision p, const std::vector<float>& weights) {
  const size_t size = static_cast<size_t>(precision_storage_bytes(p));
  std::vector<unsigned char> form(weights.size() * size);
  for (size_t i = 0; i < weights.size(); ++i) {
    if (p == Precision::Tf32) {
      const std::uint32_t bits = tf32_bits(weights[i]);
      std::memcpy(&form[i * size], &bits, size);
    } else {
      const std::uint16_t bits = p == Precision::Bf16 ? bf16_bits(weights[i]) : f16_bits(weights[i]);
      std::memcpy(&form[i * size], &bits, size);
    }
  }
  return form;
}

}  // namespace

bool StoredWeights::key_of(const OpArgs& op, Key& key) {
  const Precision p = precision_of(op);
  if (p == Precision::Fp32 || !weights_of(op)) return false;
  key = Key{weights_of(op), p};
  return true;
}

size_t StoredWeights::keep(const OpArgs& op) {
  Key key;
  if (!key_of(op, key)) return 0;
  if (const auto it = entries_.find(key); it != entries_.end()) {
    ++it->second.users;
    return 0;
  }
  const OpTraits traits = traits_of(op);
  std::vector<float> weights(static_cast<size_t>(traits.input_sizes[static_cast<size_t>(traits.weight_input)]));
  backend_.download(weights.data(), key.first, weights.size() * sizeof(float));
  const std::vector<unsigned char> form = stored_form(key.second, weights);
  // Made whole before it is entered: an allocation that fails leaves no empty entry behind.
  Entry entry;
  entry.users = 1;
  entry.data = DeviceBuffer(backend_, form.size());
  backend_.upload(entry.data.get(), form.data(), form.size());
  entries_.emplace(key, std::move(entry));
  return form.size();
}

void StoredWeights::forget(const OpArgs& op) {
  Key key;
  if (!key_of(op, key)) return;
  const auto it = entries_.find(key);
  if (it != entries_.end() && --it->second.users == 0) entries_.erase(it);
}

const void* StoredWeights::find(const float* w, Precision p) const {
  const auto it = entries_.find(Key{w, p});
  return it == entries_.end() ? nullptr : it->second.data.get();
}

}  // namespace xfv
