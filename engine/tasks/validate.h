// `xfv validate`: rerun a reference dump's inputs and compare every dump point by name.
#pragma once

#include <string>
#include <vector>

#include "engine/safetensors.h"

namespace xfv {

struct PointReport {
  std::string name;
  double max_abs = 0, rel_l2 = 0;
  bool ok = false;
  double tolerance = 0;  // what this point was held to
};

struct ValidationReport {
  std::string network;
  double tolerance = 0;
  std::vector<PointReport> points;  // in execution order
  std::string first_over;           // the first point over the tolerance, if any
  bool ok() const { return first_over.empty() && !points.empty(); }
};

// What a reference dump was run with: its network (metadata xfv.dump.network), and the batch,
// domain and length its inputs imply. A FileError naming the dump for what is missing.
struct DumpRun {
  std::string network;
  int batch = 0, domain = 0, length = 0;
};
DumpRun dump_run(const TensorFile& dump, const std::string& dump_path);

// Chained (the default): the whole network runs from the dump's inputs, every point within
// 1e-4, or the network's looser tolerance for a value past a threshold (FAN's masks). Isolated: each point's node output is compared, then replaced by the reference's
// value, so the next block runs on the reference's own input: every point within 1e-5.
ValidationReport validate_dump(const std::string& dump_path, const std::string& weights_path,
                               const std::string& backend, bool isolate);

}  // namespace xfv
