#include "engine/triton/model_config.h"

#include <cerrno>
#include <cstdlib>

#include "engine/triton/request_io.h"

namespace xfv_triton {

nlohmann::json model_config(TRITONBACKEND_Model* model) {
  TRITONSERVER_Message* message = nullptr;
  check(TRITONBACKEND_ModelConfig(model, 1, &message));
  const char* json = nullptr;
  size_t size = 0;
  TRITONSERVER_Error* e = TRITONSERVER_MessageSerializeToJson(message, &json, &size);
  nlohmann::json config = e ? nlohmann::json() : nlohmann::json::parse(json, json + size, nullptr, false);
  TRITONSERVER_Error* deleted = TRITONSERVER_MessageDelete(message);
  if (deleted) TRITONSERVER_ErrorDelete(deleted);
  check(e);
  if (config.is_discarded()) fail(TRITONSERVER_ERROR_INTERNAL, "xfv backend: the model configuration is not JSON");
  return config;
}

std::string parameter(const nlohmann::json& config, const char* key, const char* fallback) {
  const auto params = config.find("parameters");
  if (params == config.end() || !params->contains(key)) return fallback;
  return (*params)[key].value("string_value", fallback);
}

int64_t int_parameter(const nlohmann::json& config, const char* key, int64_t fallback, int64_t least, int64_t most) {
  const std::string text = parameter(config, key, std::to_string(fallback).c_str());
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || value < least || value > most)
    fail(TRITONSERVER_ERROR_INVALID_ARG, std::string("xfv backend: parameter ") + key + " \"" + text +
                                             "\": a whole number from " + std::to_string(least) + " to " +
                                             std::to_string(most));
  return value;
}

}  // namespace xfv_triton
