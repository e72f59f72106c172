// A model's config.pbtxt as the server gives it (JSON) and the values of its `parameters`.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/triton/triton_api.h"

namespace xfv_triton {

nlohmann::json model_config(TRITONBACKEND_Model* model);

// The string value of `parameters { key: KEY value { string_value: ... } }`, or `fallback`.
std::string parameter(const nlohmann::json& config, const char* key, const char* fallback);
// The parameter as a whole number in [least, most]; a Failure naming it otherwise.
int64_t int_parameter(const nlohmann::json& config, const char* key, int64_t fallback, int64_t least, int64_t most);

}  // namespace xfv_triton
