#include "engine/models/model_config.h"

#include <climits>
#include <cstdint>

namespace xfv {

using nlohmann::json;

json network_config(const TensorFile& w, const std::string& path, const std::string& network) {
  const auto it = w.metadata.find("xfv.config." + network);
  if (it == w.metadata.end()) throw FileError(path + ": no configuration for network '" + network + "'");
  try {
    return json::parse(it->second);
  } catch (const json::exception& e) {
    throw FileError(path + ": malformed configuration of '" + network + "': " + e.what());
  }
}

namespace {

bool is_int(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>() <= uint64_t{INT_MAX};
  return v.is_number_integer() && v.get<int64_t>() >= INT_MIN && v.get<int64_t>() <= INT_MAX;
}

}  // namespace

int config_int(const json& j, const std::string& path, const std::string& network, const char* key) {
  if (!j.is_object() || !j.contains(key) || !is_int(j[key]))
    throw FileError(path + ": configuration of '" + network + "' lacks integer '" + key + "'");
  return j[key].get<int>();
}

double config_number(const json& j, const std::string& path, const std::string& network, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number())
    throw FileError(path + ": configuration of '" + network + "' lacks the number '" + key + "'");
  return j[key].get<double>();
}

std::vector<int> config_ints(const json& j, const std::string& path, const std::string& network, const char* key) {
  const std::string what = path + ": configuration of '" + network + "' lacks a list of integers '" + key + "'";
  if (!j.is_object() || !j.contains(key) || !j[key].is_array()) throw FileError(what);
  std::vector<int> values;
  for (const json& v : j[key]) {
    if (!is_int(v)) throw FileError(what);
    values.push_back(v.get<int>());
  }
  return values;
}

std::string config_string(const json& j, const std::string& path, const std::string& network, const char* key,
                          const std::string& fallback) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  if (!j[key].is_string())
    throw FileError(path + ": configuration of '" + network + "' has '" + key + "' " + j[key].dump() +
                    ", not a string");
  return j[key].get<std::string>();
}

std::vector<std::string> domain_names(const TensorFile& w, const std::string& path, const std::string& network) {
  const auto it = w.metadata.find("xfv.domains." + network);
  if (it == w.metadata.end()) return {};
  try {
    return json::parse(it->second).get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    throw FileError(path + ": malformed domain names of '" + network + "': " + e.what());
  }
}

}  // namespace xfv
