#include "engine/profile.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "engine/backend.h"
#include "engine/io/atomic_write.h"
#include "engine/op_traits.h"

namespace xfv {
namespace {

using Json = nlohmann::ordered_json;  // keys in the order written: the schema's order

std::string network_of(const std::string& name) { return name.substr(0, name.find('.')); }

// A figure, or null where it is not known.
Json known_or_null(bool known, double value) { return known ? Json(value) : Json(nullptr); }

// The roofline's fields of a node or a total (docs/profile.md).
void add_roofline(Json& j, const Roofline& r) {
  j["roof_compute_ms"] = known_or_null(r.compute_known, r.compute_ms);
  j["roof_memory_ms"] = known_or_null(r.memory_known, r.memory_ms);
  j["roof_ms"] = known_or_null(r.known(), r.ms);
  j["bound"] = r.known() ? Json(r.compute_bound ? "compute" : "memory") : Json(nullptr);
  j["roof_fraction"] = known_or_null(r.known(), r.fraction);
}

Json totals_json(const NetworkTotal& t) {
  Json j = {{"network", t.network},
            {"nodes", t.nodes},
            {"ms", t.ms},
            {"flops", t.flops},
            {"bytes", t.bytes},
            {"gflop_per_s", per_second_g(t.flops, t.ms)},
            {"gb_per_s", per_second_g(t.bytes, t.ms)}};
  add_roofline(j, t.roof);
  j["weight_bytes"] = t.memory.weight_bytes;
  j["arena_bytes"] = t.memory.arena_bytes;
  j["prepared_bytes"] = t.memory.prepared_bytes;
  return j;
}

Json peaks_json(const Peaks& p) {
  Json flops = Json::object();
  for (Precision q : {Precision::Fp32, Precision::Tf32, Precision::Bf16, Precision::Fp16})
    flops[precision_name(q)] = known_or_null(p.flops(q) > 0, p.flops(q));
  return {{"source", p.source},
          {"flops_per_s", flops},
          {"bytes_per_s", known_or_null(p.bytes_per_s > 0, p.bytes_per_s)}};
}

// Adds a node's roofline to a running total.
void accumulate(Roofline& total, const Roofline& node, bool first) {
  total.compute_known = (first || total.compute_known) && node.compute_known;
  total.memory_known = (first || total.memory_known) && node.memory_known;
  total.compute_ms += node.compute_ms;
  total.memory_ms += node.memory_ms;
  total.ms += node.ms;
}

}  // namespace

double per_second_g(double amount, double ms) { return ms > 0 ? amount / ms * 1e-6 : 0; }

Profile::Profile(std::string backend) : backend_(std::move(backend)), origin_(std::chrono::steady_clock::now()) {}

NodeHook Profile::hook() {
  return [this](const Node& node, const std::string& name, double ms) { record(node, name, ms); };
}

void Profile::record(const Node& node, const std::string& name, double ms) {
  const OpTraits t = traits_of(node.op);
  std::vector<bool> bound;
  for (ValueId in : node.inputs) bound.push_back(in != kNoValue);
  // The hook runs once the node is done: it started `ms` before now. Kept from overlapping
  // the node before it (the backend's clock and the host's differ by a hair).
  const double now = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - origin_).count();
  const double previous_end = nodes_.empty() ? 0 : nodes_.back().start_ms + nodes_.back().ms;
  NodeProfile p;
  p.network = network_of(name);
  p.name = name;
  p.op = t.op;
  p.detail = describe(node.op);
  p.algorithm = backend_algorithm(backend_, node.op);
  p.start_ms = std::max(now - ms, previous_end);
  p.ms = ms;
  p.flops = t.flops;
  p.bytes = compulsory_bytes(t, bound);
  p.precision = precision_of(node.op);
  p.peak_flops = peaks_.flops(p.precision);
  p.peak_bytes = peaks_.bytes_per_s;
  p.roof = roofline(p.flops, p.bytes, p.peak_flops, p.peak_bytes, ms);
  nodes_.push_back(std::move(p));
}

std::vector<NetworkTotal> Profile::totals() const {
  std::vector<NetworkTotal> totals;
  NetworkTotal all;
  all.network = "all";
  for (const NodeProfile& n : nodes_) {
    auto it = std::find_if(totals.begin(), totals.end(), [&](const NetworkTotal& t) { return t.network == n.network; });
    if (it == totals.end()) {
      it = totals.insert(totals.end(), NetworkTotal());
      it->network = n.network;
      if (const auto m = memory_.find(n.network); m != memory_.end()) {
        it->memory = m->second;
        all.memory.weight_bytes += m->second.weight_bytes;
        all.memory.arena_bytes += m->second.arena_bytes;
        all.memory.prepared_bytes += m->second.prepared_bytes;
      }
    }
    for (NetworkTotal* t : {&*it, &all}) {
      accumulate(t->roof, n.roof, t->nodes == 0);
      ++t->nodes;
      t->ms += n.ms;
      t->flops += n.flops;
      t->bytes += n.bytes;
    }
  }
  totals.push_back(all);
  for (NetworkTotal& t : totals) {
    if (!t.roof.known()) t.roof.ms = 0;
    t.roof.compute_bound = t.roof.compute_ms >= t.roof.memory_ms;
    t.roof.fraction = t.roof.known() && t.ms > 0 ? t.roof.ms / t.ms : 0;
  }
  return totals;
}

void Profile::print(std::FILE* out) const {
  int name_w = 4, detail_w = 9, algorithm_w = 9, network_w = 7;
  for (const NodeProfile& n : nodes_) {
    name_w = std::max(name_w, static_cast<int>(n.name.size()));
    detail_w = std::max(detail_w, static_cast<int>(n.detail.size()));
    algorithm_w = std::max(algorithm_w, static_cast<int>(n.algorithm.size()));
    network_w = std::max(network_w, static_cast<int>(n.network.size()));
  }
  const auto rates = [&](double flops, double bytes, double ms) {
    if (ms > 0)
      std::fprintf(out, " %10.4g %9.4g", per_second_g(flops, ms), per_second_g(bytes, ms));
    else
      std::fprintf(out, " %10s %9s", "-", "-");
  };
  const auto roof = [&](const Roofline& r) {
    if (r.known())
      std::fprintf(out, " %10.4g %-7s %7.1f%%", r.ms, r.compute_bound ? "compute" : "memory", 100 * r.fraction);
    else
      std::fprintf(out, " %10s %-7s %8s", "-", "-", "-");
  };
  std::fprintf(out, "profile on %s: %zu nodes\n", backend_.c_str(), nodes_.size());
  std::fprintf(out, "peaks: %s\n", peaks_.source.c_str());
  std::fprintf(out, "%-*s  %-*s  %-*s %4s %10s %10s %9s %10s %9s %10s %-7s %8s\n", name_w, "node", detail_w,
               "op detail", algorithm_w, "algorithm", "prec", "ms", "GFLOP", "GB", "GFLOP/s", "GB/s", "roof ms", "bound",
               "of roof");
  for (const NodeProfile& n : nodes_) {
    std::fprintf(out, "%-*s  %-*s  %-*s %4s %10.3f %10.4g %9.4g", name_w, n.name.c_str(), detail_w, n.detail.c_str(),
                 algorithm_w, n.algorithm.c_str(), precision_name(n.precision), n.ms, n.flops * 1e-9, n.bytes * 1e-9);
    rates(n.flops, n.bytes, n.ms);
    roof(n.roof);
    std::fprintf(out, "\n");
  }
  std::fprintf(out, "\n%-*s %6s %10s %10s %9s %10s %9s %10s %-7s %8s %10s %10s %11s\n", network_w, "network", "nodes", "ms",
               "GFLOP", "GB", "GFLOP/s", "GB/s", "roof ms", "bound", "of roof", "weights MB", "arena MB", "prepared MB");
  for (const NetworkTotal& t : totals()) {
    std::fprintf(out, "%-*s %6d %10.3f %10.4g %9.4g", network_w, t.network.c_str(), t.nodes, t.ms, t.flops * 1e-9,
                 t.bytes * 1e-9);
    rates(t.flops, t.bytes, t.ms);
    roof(t.roof);
    std::fprintf(out, " %10.1f %10.1f %11.1f\n", t.memory.weight_bytes * 1e-6, t.memory.arena_bytes * 1e-6,
                 t.memory.prepared_bytes * 1e-6);
  }
}

std::string Profile::json() const {
  Json nodes = Json::array();
  for (const NodeProfile& n : nodes_) {
    Json node = {{"network", n.network},
                 {"name", n.name},
                 {"op", n.op},
                 {"detail", n.detail},
                 {"algorithm", n.algorithm},
                 {"start_ms", n.start_ms},
                 {"ms", n.ms},
                 {"flops", n.flops},
                 {"bytes", n.bytes},
                 {"gflop_per_s", per_second_g(n.flops, n.ms)},
                 {"gb_per_s", per_second_g(n.bytes, n.ms)},
                 {"precision", precision_name(n.precision)},
                 {"peak_flops_per_s", known_or_null(n.peak_flops > 0, n.peak_flops)},
                 {"peak_bytes_per_s", known_or_null(n.peak_bytes > 0, n.peak_bytes)}};
    add_roofline(node, n.roof);
    nodes.push_back(std::move(node));
  }
  std::vector<NetworkTotal> totals = this->totals();
  Json networks = Json::array();
  for (size_t i = 0; i + 1 < totals.size(); ++i) networks.push_back(totals_json(totals[i]));
  const Json j = {{"backend", backend_},
                  {"peaks", peaks_json(peaks_)},
                  {"nodes", nodes},
                  {"networks", networks},
                  {"total", totals_json(totals.back())}};
  return j.dump(1) + "\n";
}

std::string Profile::trace() const {
  Json events = Json::array();
  events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"tid", 0},
                    {"args", {{"name", "xfv (" + backend_ + ")"}}}});
  std::vector<std::string> networks;  // track n + 1 for networks[n], in first-seen order
  for (const NodeProfile& n : nodes_) {
    auto it = std::find(networks.begin(), networks.end(), n.network);
    if (it == networks.end()) {
      it = networks.insert(networks.end(), n.network);
      const int tid = static_cast<int>(networks.size());
      events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", tid},
                        {"args", {{"name", n.network}}}});
      events.push_back({{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", 1}, {"tid", tid},
                        {"args", {{"sort_index", tid}}}});
    }
    events.push_back({{"name", n.name},
                      {"cat", n.op},
                      {"ph", "X"},
                      {"ts", n.start_ms * 1e3},
                      {"dur", n.ms * 1e3},
                      {"pid", 1},
                      {"tid", static_cast<int>(it - networks.begin()) + 1},
                      {"args", {{"detail", n.detail}, {"algorithm", n.algorithm}, {"flops", n.flops}, {"bytes", n.bytes},
                                {"gflop_per_s", per_second_g(n.flops, n.ms)},
                                {"gb_per_s", per_second_g(n.bytes, n.ms)}, {"precision", precision_name(n.precision)},
                                {"roof_ms", known_or_null(n.roof.known(), n.roof.ms)},
                                {"roof_fraction", known_or_null(n.roof.known(), n.roof.fraction)}}}});
  }
  const Json j = {{"traceEvents", events}, {"displayTimeUnit", "ms"}, {"otherData", {{"backend", backend_}}}};
  return j.dump() + "\n";
}

void Profile::write_json(const std::string& path) const { write_atomically(path, {json()}); }
void Profile::write_trace(const std::string& path) const { write_atomically(path, {trace()}); }

void Profile::clear() {
  nodes_.clear();
  origin_ = std::chrono::steady_clock::now();
}

}  // namespace xfv
