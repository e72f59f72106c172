#include "engine/tasks/image_translator.h"

#include <stdexcept>

namespace xfv {

ImageTranslator::ImageTranslator(ModelSession& models)
    : models_(models), generator_config_(image_generator_config(models.weights(), models.path())) {}

HostTensor ImageTranslator::translate(const HostTensor& source, const HostTensor& style, const RunOptions& how) {
  std::vector<HostTensor> inputs{source, style};
  if (generator_config_.w_hpf > 0) {
    // The high-pass skips are masked by FAN's landmark masks of the source face.
    if (!models_.has("fan"))
      throw std::invalid_argument(models_.path() + ": this generator has w_hpf = " +
                                  std::to_string(generator_config_.w_hpf) +
                                  " and needs FAN's masks, but the file holds no 'fan' network");
    for (HostTensor& mask : models_.run_all("fan", 0, {source}, image_size(), how)) inputs.push_back(mask);
  }
  HostTensor out = models_.run("image_generator", 0, inputs, 0, how);
  if (how.dump) how.dump->metadata["xfv.dump.network"] = "image_generator";
  return out;
}

}  // namespace xfv
