// The face side of a bundle: faces restyled by styles (from a face, a voice or a latent:
// Bundle makes them), with FAN's masks when the generator has a high-pass path.
#pragma once

#include <string>

#include "engine/models/stargan_v2.h"
#include "engine/tasks/model_session.h"

namespace xfv {

class ImageTranslator {
 public:
  // The face side of a bundle's session; a file without an image generator is a FileError.
  explicit ImageTranslator(ModelSession& models);

  ModelSession& models() { return models_; }
  int image_size() const { return generator_config_.img_size; }

  // The source faces (n, 3, S, S) restyled by styles (n, style_dim), as one batch.
  HostTensor translate(const HostTensor& source, const HostTensor& style, const RunOptions& how = {});

 private:
  ModelSession& models_;
  ImageGeneratorConfig generator_config_;
};

}  // namespace xfv
