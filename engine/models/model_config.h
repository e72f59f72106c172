// A network's configuration and domain names, as the converter records them in the weight
// file's metadata (weights/README.md). Every reader reports a missing or malformed entry as
// a FileError naming the file and the network.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/safetensors.h"

namespace xfv {

// `xfv.config.<network>`, parsed. An integer outside int's range is refused as not an integer.
nlohmann::json network_config(const TensorFile& w, const std::string& path, const std::string& network);
int config_int(const nlohmann::json& j, const std::string& path, const std::string& network, const char* key);
double config_number(const nlohmann::json& j, const std::string& path, const std::string& network, const char* key);
std::vector<int> config_ints(const nlohmann::json& j, const std::string& path, const std::string& network,
                             const char* key);
// The string at `key`, or `fallback` where j has none (j not an object included); a value
// that is not a string is a FileError.
std::string config_string(const nlohmann::json& j, const std::string& path, const std::string& network,
                          const char* key, const std::string& fallback);

// A network's domain names (`xfv.domains.<network>`), in index order; empty when absent.
std::vector<std::string> domain_names(const TensorFile& w, const std::string& path, const std::string& network);

}  // namespace xfv
