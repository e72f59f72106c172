#include "engine/models/model_config.h"

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

int config_int(const json& j, const std::string& path, const std::string& network, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_integer())
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
    if (!v.is_number_integer()) throw FileError(what);
    values.push_back(v.get<int>());
  }
  return values;
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
