#include "engine/weight_store.h"

#include <cstring>
#include <stdexcept>

namespace xfv {

std::string WeightStore::key(const Value& v) { return v.name + " " + v.shape.str(); }

void WeightStore::adopt(Graph& graph) {
  const std::lock_guard<std::mutex> lock(mutex_);
  const std::vector<Value>& values = graph.values();
  for (size_t i = 0; i < values.size(); ++i) {
    const Value& v = values[i];
    if (v.kind != ValueKind::kConstant) continue;
    const auto [it, fresh] = entries_.try_emplace(key(v));
    Entry& e = it->second;
    if (fresh) {
      e.host = v.constant;
      const size_t bytes = e.host->data.size() * sizeof(float);
      if (backend_.runs_on_host_memory()) {
        e.address = e.host->data.data();
      } else {
        try {
          e.device = DeviceBuffer(backend_, bytes);
        } catch (...) {
          entries_.erase(it);  // not left without an address for the next graph to find
          throw;
        }
        backend_.upload(e.device.get(), e.host->data.data(), bytes);
        e.address = e.device.f32();
      }
      continue;
    }
    if (e.host != v.constant) {
      const std::vector<float>& a = e.host->data;
      const std::vector<float>& b = v.constant->data;
      if (a.size() != b.size() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) != 0)
        throw std::logic_error("weight store: two different constants are named '" + v.name + "'");
      graph.share_constant(static_cast<ValueId>(i), e.host);
    }
  }
}

const float* WeightStore::address(const Graph& graph, ValueId v) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto it = entries_.find(key(graph.value(v)));
  if (it == entries_.end() || it->second.host != graph.value(v).constant)
    throw std::logic_error("weight store: constant '" + graph.value(v).name + "' was not adopted");
  return it->second.address;
}

size_t WeightStore::bytes() const {
  size_t total = 0;
  for (const auto& [network, bytes] : bytes_per_network()) total += bytes;
  return total;
}

std::map<std::string, size_t> WeightStore::bytes_per_network() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::string, size_t> per;
  for (const auto& [k, e] : entries_) per[k.substr(0, k.find('.'))] += e.host->data.size() * sizeof(float);
  return per;
}

size_t WeightStore::count() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace xfv
