#include "engine/tasks/model_session.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/models/stargan_v2.h"
#include "engine/models/stargan_vc.h"
#include "engine/models/voice_settings.h"
#include "kernels/philox.cuh"

namespace xfv {

ModelSession::ModelSession(const std::string& weights_path, const std::string& backend)
    : path_(weights_path), weights_(read_safetensors(weights_path)), backend_(make_backend(backend)) {
  check_bundle(weights_, path_);
}

bool ModelSession::has(const std::string& network) const {
  const std::vector<std::string> present = networks_in(weights_, path_);
  return std::find(present.begin(), present.end(), network) != present.end();
}

int ModelSession::domain(const std::string& name_or_index, const std::string& network) const {
  if (!has(network)) throw FileError(path_ + ": holds no network '" + network + "'");
  const std::vector<std::string> names = domain_names(weights_, path_, network);
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name_or_index) return static_cast<int>(i);
  const int count = network == "mapping_network"       ? mapping_network_config(weights_, path_).num_domains
                    : network == "image_style_encoder" ? image_style_encoder_config(weights_, path_).num_domains
                                                       : audio_style_encoder_config(weights_, path_).num_domains;
  const bool numeric = !name_or_index.empty() && name_or_index.find_first_not_of("0123456789") == std::string::npos;
  if (numeric && name_or_index.size() < 6 && std::stoi(name_or_index) < count) return std::stoi(name_or_index);
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument(path_ + ": domain '" + name_or_index + "' is unknown to '" + network + "' (" +
                              std::to_string(count) + " domains" + (known.empty() ? "" : ": " + known) + ")");
}

ModelSession::Compiled& ModelSession::compiled(const std::string& network, int domain, bool keep_every_value,
                                               int batch, int length) {
  const std::string key = network + "/" + std::to_string(domain) + "/" + (keep_every_value ? "keep" : "reuse") + "/" +
                          std::to_string(batch) + "/" + std::to_string(length);
  auto it = compiled_.find(key);
  if (it == compiled_.end()) {
    Compiled c{build_network(weights_, path_, network, batch, domain, length), nullptr};
    c.runner = std::make_unique<Runner>(*c.net.graph, *backend_, keep_every_value);
    it = compiled_.emplace(key, std::move(c)).first;
  }
  return it->second;
}

std::vector<HostTensor> ModelSession::run_all(const std::string& network, int domain,
                                              const std::vector<HostTensor>& inputs, int length, const RunOptions& how) {
  if (inputs.empty()) throw std::logic_error(network + ": run without inputs");
  Compiled& c = compiled(network, domain, how.dump != nullptr, static_cast<int>(inputs[0].shape[0]), length);
  if (inputs.size() != c.net.inputs.size())
    throw std::logic_error(network + ": " + std::to_string(inputs.size()) + " inputs given, the graph takes " +
                           std::to_string(c.net.inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) c.runner->set_input(c.net.inputs[i], inputs[i]);
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

int ModelSession::latent_dim() const { return mapping_network_config(weights_, path_).latent_dim; }

HostTensor ModelSession::latent_from_seed(uint64_t seed, int count) const {
  if (count < 1) throw std::invalid_argument("--count must be at least 1, got " + std::to_string(count));
  HostTensor z(Shape{count, latent_dim()});
  for (size_t i = 0; i < z.data.size(); ++i) z.data[i] = philox_normal(seed, i);
  return z;
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
