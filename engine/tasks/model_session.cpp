#include "engine/tasks/model_session.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "kernels/philox.cuh"

namespace xfv {
namespace {

std::string megabytes(size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

}  // namespace

ModelSession::ModelSession(std::shared_ptr<const Model> model, size_t byte_budget)
    : model_(std::move(model)), backend_(make_backend(model_->backend())), budget_(byte_budget) {
  ++model_->sessions_;
}

ModelSession::ModelSession(const std::string& weights_path, const std::string& backend)
    : ModelSession(std::make_shared<const Model>(weights_path, backend)) {}

ModelSession::~ModelSession() {
  compiled_.clear();  // the graphs refer to the model's weights: gone before the model may be
  --model_->sessions_;
}

void ModelSession::set_byte_budget(size_t bytes) {
  budget_ = bytes;
  evict_down_to(budget_);
}

void ModelSession::evict_down_to(size_t bytes) {
  while (used_ > bytes && !compiled_.empty()) {
    used_ -= compiled_.back().held();
    by_key_.erase(compiled_.back().key);
    compiled_.pop_back();
  }
}

void ModelSession::set_precision(Precision p) {
  if (p == precision_) return;
  precision_ = p;
  compiled_.clear();  // every graph, at the old precision
  by_key_.clear();
  used_ = 0;
  mean_styles_.clear();  // computed by the mapping network at the old precision
}

namespace {

// A compiled graph's network: the prefix its nodes carry, as the profile groups them
// (vocoder_seeded's are "vocoder.").
std::string network_of(const ModelSession::Compiled& c) {
  const std::string& output = c.net.graph->value(c.net.output).name;
  return output.substr(0, output.find('.'));
}

}  // namespace

std::map<std::string, size_t> ModelSession::compiled_bytes_per_network() const {
  std::map<std::string, size_t> per;
  for (const Compiled& c : compiled_) per[network_of(c)] += c.held();
  return per;
}

std::map<std::string, NetworkMemory> ModelSession::memory() const {
  std::map<std::string, NetworkMemory> per;
  for (const auto& [network, bytes] : model_->store().bytes_per_network()) per[network].weight_bytes = bytes;
  for (const Compiled& c : compiled_) {
    per[network_of(c)].arena_bytes += c.bytes;
    per[network_of(c)].prepared_bytes += c.runner->prepared_bytes();
  }
  return per;
}

ModelSession::Compiled ModelSession::compile(const std::string& network, int domain, bool keep_every_value, int batch,
                                             int length, bool cached) {
  NetworkGraph net = build_network(model_->weights(), model_->path(), network, batch, domain, length);
  if (network != "fan") net.graph->set_precision(precision_);
  const size_t bytes = Runner::plan(*net.graph, keep_every_value).total_bytes;
  if (cached) {  // within the budget, older ones evicted to make room
    if (bytes > budget_)
      throw std::length_error(model_->path() + ": '" + network + "' at batch " + std::to_string(batch) +
                              (length ? ", length " + std::to_string(length) : "") + " needs " + megabytes(bytes) +
                              " of activations, over the session's budget of " + megabytes(budget_));
    evict_down_to(budget_ - bytes);
  }
  model_->store().adopt(*net.graph);
  Compiled c{"", std::move(net), nullptr, bytes};
  // What the backend prepares from the weights (the cpu's Winograd transforms) counts against
  // the budget as the arenas do, in the room the graphs kept leave.
  const size_t room = cached ? budget_ - bytes - used_ : SIZE_MAX;
  c.runner = std::make_unique<Runner>(*c.net.graph, *backend_, keep_every_value, &model_->store(), room);
  return c;
}

ModelSession::Compiled& ModelSession::compiled(const std::string& network, int domain, int batch, int length) {
  const std::string key = network + "/" + std::to_string(domain) + "/" + std::to_string(batch) + "/" +
                          std::to_string(length);
  if (const auto it = by_key_.find(key); it != by_key_.end()) {
    compiled_.splice(compiled_.begin(), compiled_, it->second);  // now the most recent
    return compiled_.front();
  }
  compiled_.push_front(compile(network, domain, false, batch, length, true));
  compiled_.front().key = key;
  by_key_[key] = compiled_.begin();
  used_ += compiled_.front().held();
  return compiled_.front();
}

std::vector<HostTensor> ModelSession::run_all(const std::string& network, int domain,
                                              const std::vector<HostTensor>& inputs, int length, const RunOptions& how) {
  if (inputs.empty()) throw std::logic_error(network + ": run without inputs");
  const int batch = static_cast<int>(inputs[0].shape[0]);
  // A dump keeps every value: its graph is built for this call alone, outside the cache and
  // its budget (a debugging run asks for all of its memory).
  Compiled once;
  Compiled& c = how.dump ? (once = compile(network, domain, true, batch, length, false)) : compiled(network, domain, batch, length);
  if (inputs.size() != c.net.inputs.size())
    throw std::logic_error(network + ": " + std::to_string(inputs.size()) + " inputs given, the graph takes " +
                           std::to_string(c.net.inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) c.runner->set_input(c.net.inputs[i], inputs[i]);
  c.runner->set_random_stream(how.random_seed, how.random_offset);
  c.runner->run(how.profile);
  if (how.dump) {
    for (size_t v = 0; v < c.net.graph->values().size(); ++v) {
      const Value& val = c.net.graph->values()[v];
      if (val.kind != ValueKind::kConstant) how.dump->tensors[val.name] = c.runner->read(static_cast<ValueId>(v));
    }
  }
  std::vector<HostTensor> outputs;
  for (ValueId v : c.net.graph->outputs()) outputs.push_back(c.runner->read(v));
  return outputs;
}

HostTensor ModelSession::run(const std::string& network, int domain, const std::vector<HostTensor>& inputs,
                             int length, const RunOptions& how) {
  return run_all(network, domain, inputs, length, how).at(0);
}

HostTensor ModelSession::style_from_latent(const HostTensor& z, int domain, float psi, const RunOptions& how) {
  HostTensor latent = z;
  const int64_t dim = latent_dim();
  const bool rows = (z.shape.rank == 2 && z.shape[1] == dim) || (z.shape.rank == 1 && z.shape[0] == dim);
  if (!rows || z.numel() == 0)
    throw std::invalid_argument("latents of shape (K, " + std::to_string(dim) + ") are needed, got shape " +
                                z.shape.str());
  if (!(psi >= 0.f && psi <= 1.f)) throw std::invalid_argument("psi must be in [0, 1], got " + std::to_string(psi));
  for (float v : z.data)
    if (!std::isfinite(v)) throw std::invalid_argument("the latent holds NaN or infinite values");
  latent.shape = Shape{z.numel() / dim, dim};
  HostTensor s = run("mapping_network", domain, {latent}, 0, how);
  if (psi < 1.f) {
    const HostTensor& mean = mean_style(domain);
    const size_t style = mean.data.size();
    for (size_t i = 0; i < s.data.size(); ++i)
      s.data[i] = mean.data[i % style] + psi * (s.data[i] - mean.data[i % style]);
  }
  return s;
}

HostTensor ModelSession::mean_style(int domain) {
  if (const auto it = mean_styles_.find(domain); it != mean_styles_.end()) return it->second;
  constexpr int kSamples = 10000, kBatch = 1000;
  const int dim = latent_dim();
  std::vector<double> sum;
  HostTensor z(Shape{kBatch, dim});
  for (int first = 0; first < kSamples; first += kBatch) {
    for (size_t i = 0; i < z.data.size(); ++i) z.data[i] = philox_normal(0, static_cast<uint64_t>(first) * dim + i);
    const HostTensor s = run("mapping_network", domain, {z});
    const size_t style = s.data.size() / kBatch;
    sum.resize(style, 0.0);
    for (size_t i = 0; i < s.data.size(); ++i) sum[i % style] += s.data[i];
  }
  HostTensor mean(Shape{1, static_cast<int64_t>(sum.size())});
  for (size_t i = 0; i < sum.size(); ++i) mean.data[i] = static_cast<float>(sum[i] / kSamples);
  return mean_styles_.emplace(domain, mean).first->second;
}

}  // namespace xfv
