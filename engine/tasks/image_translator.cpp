#include "engine/tasks/image_translator.h"

#include <algorithm>
#include <stdexcept>

#include "kernels/philox.cuh"

namespace xfv {

ImageTranslator::ImageTranslator(const std::string& weights_path, const std::string& backend)
    : path_(weights_path),
      weights_(read_safetensors(weights_path)),
      backend_(make_backend(backend)),
      generator_config_(image_generator_config(weights_, path_)) {}

int ImageTranslator::latent_dim() const { return mapping_network_config(weights_, path_).latent_dim; }

int ImageTranslator::domain(const std::string& name_or_index, const std::string& network) const {
  const std::vector<std::string> names = domain_names(weights_, path_, network);
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name_or_index) return static_cast<int>(i);
  const bool numeric = !name_or_index.empty() && name_or_index.find_first_not_of("0123456789") == std::string::npos;
  const int count = network == "mapping_network" ? mapping_network_config(weights_, path_).num_domains
                                                 : image_style_encoder_config(weights_, path_).num_domains;
  if (numeric && name_or_index.size() < 6 && std::stoi(name_or_index) < count) return std::stoi(name_or_index);
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument(path_ + ": domain '" + name_or_index + "' is unknown to '" + network + "' (" +
                              std::to_string(count) + " domains" + (known.empty() ? "" : ": " + known) + ")");
}

ImageTranslator::Compiled& ImageTranslator::compiled(const std::string& network, int domain, bool keep_every_value,
                                                     int batch) {
  const std::string key = network + "/" + std::to_string(domain) + "/" + (keep_every_value ? "keep" : "reuse") + "/" +
                          std::to_string(batch);
  auto it = compiled_.find(key);
  if (it == compiled_.end()) {
    Compiled c{build_network(weights_, path_, network, batch, domain, image_size()), nullptr};
    c.runner = std::make_unique<Runner>(*c.net.graph, *backend_, keep_every_value);
    it = compiled_.emplace(key, std::move(c)).first;
  }
  return it->second;
}

HostTensor ImageTranslator::run_one(const std::string& network, int domain, const HostTensor& input) {
  Compiled& c = compiled(network, domain);
  c.runner->set_input(c.net.inputs.at(0), input);
  c.runner->run();
  return c.runner->read(c.net.output);
}

HostTensor ImageTranslator::style_from_reference(const HostTensor& face, int domain) {
  return run_one("image_style_encoder", domain, face);
}

HostTensor ImageTranslator::style_from_latent(const HostTensor& z, int domain, float psi) {
  HostTensor latent = z;
  if (latent.numel() != latent_dim())
    throw std::invalid_argument("a latent of " + std::to_string(latent_dim()) + " values is needed, got shape " +
                                z.shape.str());
  if (!(psi >= 0.f && psi <= 1.f)) throw std::invalid_argument("psi must be in [0, 1], got " + std::to_string(psi));
  latent.shape = Shape{1, latent_dim()};
  HostTensor s = run_one("mapping_network", domain, latent);
  if (psi < 1.f) {
    const HostTensor& mean = mean_style(domain);
    for (size_t i = 0; i < s.data.size(); ++i) s.data[i] = mean.data[i] + psi * (s.data[i] - mean.data[i]);
  }
  return s;
}

HostTensor ImageTranslator::mean_style(int domain) {
  if (const auto it = mean_styles_.find(domain); it != mean_styles_.end()) return it->second;
  constexpr int kSamples = 10000, kBatch = 1000;
  const int dim = latent_dim();
  Compiled& c = compiled("mapping_network", domain, false, kBatch);
  std::vector<double> sum;
  HostTensor z(Shape{kBatch, dim});
  for (int first = 0; first < kSamples; first += kBatch) {
    for (size_t i = 0; i < z.data.size(); ++i) z.data[i] = philox_normal(0, static_cast<uint64_t>(first) * dim + i);
    c.runner->set_input(c.net.inputs.at(0), z);
    c.runner->run();
    const HostTensor s = c.runner->read(c.net.output);
    const size_t style = s.data.size() / kBatch;
    sum.resize(style, 0.0);
    for (size_t i = 0; i < s.data.size(); ++i) sum[i % style] += s.data[i];
  }
  HostTensor mean(Shape{1, static_cast<int64_t>(sum.size())});
  for (size_t i = 0; i < sum.size(); ++i) mean.data[i] = static_cast<float>(sum[i] / kSamples);
  return mean_styles_.emplace(domain, mean).first->second;
}

HostTensor ImageTranslator::latent_from_seed(uint64_t seed) const {
  HostTensor z(Shape{1, latent_dim()});
  for (size_t i = 0; i < z.data.size(); ++i) z.data[i] = philox_normal(seed, i);
  return z;
}

HostTensor ImageTranslator::translate(const HostTensor& source, const HostTensor& style, TensorFile* dump,
                                      const NodeHook& profile) {
  const auto dump_values = [&](Compiled& c) {
    for (size_t v = 0; v < c.net.graph->values().size(); ++v) {
      const Value& val = c.net.graph->values()[v];
      if (val.kind != ValueKind::kConstant) dump->tensors[val.name] = c.runner->read(static_cast<ValueId>(v));
    }
  };
  Compiled& c = compiled("image_generator", 0, dump != nullptr);
  c.runner->set_input(c.net.inputs.at(0), source);
  c.runner->set_input(c.net.inputs.at(1), style);
  if (generator_config_.w_hpf > 0) {
    // The high-pass skips are masked by FAN's landmark masks of the source face.
    const std::vector<std::string> present = networks_in(weights_, path_);
    if (std::find(present.begin(), present.end(), "fan") == present.end())
      throw std::invalid_argument(path_ + ": this generator has w_hpf = " + std::to_string(generator_config_.w_hpf) +
                                  " and needs FAN's masks, but the file holds no 'fan' network");
    Compiled& fan = compiled("fan", 0, dump != nullptr);
    fan.runner->set_input(fan.net.inputs.at(0), source);
    fan.runner->run(profile);
    for (size_t m = 0; m < 2; ++m)
      c.runner->set_input(c.net.inputs.at(2 + m), fan.runner->read(fan.net.graph->outputs().at(m)));
    if (dump) dump_values(fan);
  }
  c.runner->run(profile);
  if (dump) {
    dump_values(c);
    dump->metadata["xfv.dump.network"] = "image_generator";
  }
  return c.runner->read(c.net.output);
}

}  // namespace xfv
