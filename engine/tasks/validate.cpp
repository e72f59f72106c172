#include "engine/tasks/validate.h"

#include <cstdint>

#include "engine/models/networks.h"
#include "engine/opcheck.h"
#include "engine/runner.h"

namespace xfv {

namespace {

// Dim `axis` of input `name` (from the last for a negative axis) as a network's argument.
int extent(const HostTensor& t, int axis, const std::string& name, const std::string& dump_path) {
  const int at = axis < 0 ? t.shape.rank + axis : axis;
  if (at < 0 || at >= t.shape.rank)
    throw FileError(dump_path + ": input '" + name + "' has shape " + t.shape.str() + ", too few dims");
  if (t.shape[at] < 1 || t.shape[at] > INT32_MAX)
    throw FileError(dump_path + ": input '" + name + "' has shape " + t.shape.str() + ", no run's");
  return static_cast<int>(t.shape[at]);
}

}  // namespace

DumpRun dump_run(const TensorFile& dump, const std::string& dump_path) {
  const auto net_it = dump.metadata.find("xfv.dump.network");
  if (net_it == dump.metadata.end()) throw FileError(dump_path + ": not an xfv reference dump (no xfv.dump.network)");
  DumpRun run;
  run.network = net_it->second;
  const std::string& network = run.network;

  // The batch comes from the first input; the domain, for networks that take one, from y;
  // the length, for networks that take any, from the extent of x (wave, c).
  const std::string prefix = network + ".input.";
  const auto input = [&](const std::string& argument) -> const HostTensor* {
    const auto it = dump.tensors.find(prefix + argument);
    return it == dump.tensors.end() ? nullptr : &it->second;
  };
  for (const auto& [name, t] : dump.tensors)
    if (name.rfind(prefix, 0) == 0 && name != prefix + "y") {
      run.batch = extent(t, 0, name, dump_path);
      break;
    }
  if (run.batch == 0) throw FileError(dump_path + ": holds no inputs of '" + network + "'");
  if (const HostTensor* y = input("y")) {
    // Domain indices: integers, exact in float32 below 2^24.
    for (float v : y->data)
      if (!(v >= 0 && v < (1 << 24) && v == static_cast<float>(static_cast<int>(v))))
        throw FileError(dump_path + ": input '" + prefix + "y' holds " + std::to_string(v) + ", not a domain index");
    if (y->data.empty()) throw FileError(dump_path + ": input '" + prefix + "y' holds no domain");
    run.domain = static_cast<int>(y->data[0]);
    for (float v : y->data)
      if (static_cast<int>(v) != run.domain) throw FileError(dump_path + ": samples of one dump must share a domain");
  }
  if (network == "vocoder" && input("c")) {  // Parallel WaveGAN's (T, aux): one utterance
    run.batch = 1;
    run.length = extent(*input("c"), 0, prefix + "c", dump_path);
  } else if (network == "vocoder" && input("x")) {  // HiFi-GAN's (1, num_mels, T)
    run.length = extent(*input("x"), -1, prefix + "x", dump_path);
  } else if ((network == "mel" || network == "hifigan_mel") && input("wave")) {  // (L,) or (n, L)
    const HostTensor& wave = *input("wave");
    run.batch = wave.shape.rank == 1 ? 1 : extent(wave, 0, prefix + "wave", dump_path);
    run.length = extent(wave, -1, prefix + "wave", dump_path);
  } else if (const HostTensor* x = input("x"); x && x->shape.rank == 4) {
    run.length = extent(*x, network == "fan" ? 2 : 3, prefix + "x", dump_path);  // FAN: any size; voice: frames
  }
  return run;
}

ValidationReport validate_dump(const std::string& dump_path, const std::string& weights_path,
                               const std::string& backend_name, bool isolate) {
  const TensorFile dump = read_safetensors(dump_path);
  // The mel front ends have no weights: they validate without a weight file.
  const TensorFile weights =
      weights_path.empty() ? TensorFile{} : read_safetensors(weights_path, TensorReading::kOnDemand);
  const DumpRun run = dump_run(dump, dump_path);
  const std::string& network = run.network;

  NetworkGraph net = build_network(weights, weights_path, network, run.batch, run.domain, run.length);
  auto backend = make_backend(backend_name);
  Runner runner(*net.graph, *backend, /*keep_every_value=*/false);
  for (ValueId in : net.inputs) {
    const std::string& name = net.graph->value(in).name;
    const auto it = dump.tensors.find(name);
    if (it == dump.tensors.end()) throw FileError(dump_path + ": lacks the input '" + name + "'");
    HostTensor t = it->second;
    if (t.numel() != net.graph->value(in).shape.numel())
      throw FileError(dump_path + ": input '" + name + "' has shape " + t.shape.str() + ", the network takes " +
                      net.graph->value(in).shape.str());
    t.shape = net.graph->value(in).shape;
    runner.set_input(in, t);
  }

  ValidationReport report;
  report.network = network;
  report.tolerance = isolate ? 1e-5 : 1e-4;
  // A node's value is checked, then the views on it (the parts of a fused node's value that
  // the reference has as separate points).
  std::vector<std::vector<ValueId>> views(net.graph->values().size());
  for (size_t v = 0; v < views.size(); ++v)
    if (net.graph->values()[v].kind == ValueKind::kView)
      views[static_cast<size_t>(net.graph->values()[v].base)].push_back(static_cast<ValueId>(v));
  const auto check = [&](ValueId v) {
    const std::string& name = net.graph->value(v).name;
    const auto it = dump.tensors.find(name);
    if (it == dump.tensors.end()) return;
    const HostTensor got = runner.read(v);
    PointReport p{name, max_abs_diff(got.data, it->second.data), relative_l2(got.data, it->second.data)};
    const auto loose = net.chained_tolerance.find(v);
    p.tolerance = !isolate && loose != net.chained_tolerance.end() ? loose->second : report.tolerance;
    p.ok = p.rel_l2 <= p.tolerance;  // NaN fails
    if (!p.ok && report.first_over.empty()) report.first_over = name;
    report.points.push_back(p);
    if (isolate) {
      HostTensor ref = it->second;
      ref.shape = got.shape;
      runner.overwrite(v, ref);
    }
  };
  runner.run([&](const Node& node, const std::string&, double) {
    check(node.output);
    for (ValueId v : views[static_cast<size_t>(node.output)]) check(v);
  });
  return report;
}

}  // namespace xfv
