#include "engine/runner.h"

#include <stdexcept>

#include "engine/op_traits.h"

namespace xfv {

ArenaPlan Runner::plan(const Graph& graph, bool keep_every_value) {
  const auto& values = graph.values();
  const auto& nodes = graph.nodes();
  const int end = static_cast<int>(nodes.size());
  // Lifetimes in steps: inputs live from the start, outputs to the end, the rest from the
  // node that writes them to their last reader. Constants are no part of the arena.
  std::vector<BufferLifetime> lifetimes(values.size(), BufferLifetime{0, 0, -1});
  for (size_t v = 0; v < values.size(); ++v)
    lifetimes[v] = {static_cast<size_t>(values[v].shape.numel()) * dtype_size(values[v].dtype), -1, -1};
  // A view is its base's buffer: reading it keeps the base alive.
  const auto buffer_of = [&](ValueId v) {
    const Value& val = values[static_cast<size_t>(v)];
    return static_cast<size_t>(val.kind == ValueKind::kView ? val.base : v);
  };
  for (int i = 0; i < end; ++i) {
    lifetimes[static_cast<size_t>(nodes[static_cast<size_t>(i)].output)].first = i;
    lifetimes[static_cast<size_t>(nodes[static_cast<size_t>(i)].output)].last = i;
    for (ValueId in : nodes[static_cast<size_t>(i)].inputs)
      if (in != kNoValue) lifetimes[buffer_of(in)].last = i;
  }
  for (ValueId out : graph.outputs()) lifetimes[buffer_of(out)].last = end;
  // A state's two buffers swap after each run: both live through all of it.
  for (const auto& [in, out] : graph.states())
    for (ValueId v : {in, out}) lifetimes[static_cast<size_t>(v)].first = -1, lifetimes[static_cast<size_t>(v)].last = end;
  if (keep_every_value)
    for (auto& l : lifetimes) l.last = end;
  for (size_t v = 0; v < values.size(); ++v)
    if (values[v].kind == ValueKind::kConstant || values[v].kind == ValueKind::kView) lifetimes[v].bytes = 0;
  const std::vector<size_t> host = keep_every_value ? std::vector<size_t>{} : share_dying_inputs(graph, lifetimes);
  ArenaPlan arena = plan_arena(lifetimes);
  for (size_t v = 0; v < host.size(); ++v) arena.offsets[v] = arena.offsets[host[v]];
  return arena;
}

// A node's output takes the buffer of its in-place input (OpTraits::in_place_input: a conv's
// residual) where the graph reads that input nowhere after the node: Parallel WaveGAN's
// layers then update one buffer of residual and skip sums in place, instead of streaming it
// from one buffer into another each layer. Not a view, an input, a state or an output (their
// lifetimes do not end at a node), nor a buffer another input of the node reads. Returns the
// value whose buffer each value uses; a sharing value's bytes become 0 and its host's
// lifetime runs on to its own last reader.
std::vector<size_t> Runner::share_dying_inputs(const Graph& graph, std::vector<BufferLifetime>& lifetimes) {
  const auto& values = graph.values();
  const auto& nodes = graph.nodes();
  std::vector<size_t> host(values.size());
  for (size_t v = 0; v < host.size(); ++v) host[v] = v;
  const auto buffer_of = [&](ValueId v) {
    const Value& val = values[static_cast<size_t>(v)];
    return host[static_cast<size_t>(val.kind == ValueKind::kView ? val.base : v)];
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& node = nodes[i];
    const int slot = traits_of(node.op).in_place_input;
    if (slot < 0 || static_cast<size_t>(slot) >= node.inputs.size()) continue;
    const ValueId in = node.inputs[static_cast<size_t>(slot)];
    const size_t out = static_cast<size_t>(node.output);
    if (in == kNoValue || values[static_cast<size_t>(in)].kind != ValueKind::kNode) continue;
    if (lifetimes[static_cast<size_t>(in)].last != static_cast<int>(i) || lifetimes[out].first != static_cast<int>(i)) continue;
    const size_t buffer = buffer_of(in);
    if (lifetimes[buffer].bytes != lifetimes[out].bytes) continue;
    bool read_otherwise = false;
    for (size_t j = 0; j < node.inputs.size(); ++j)
      if (j != static_cast<size_t>(slot) && node.inputs[j] != kNoValue && buffer_of(node.inputs[j]) == buffer)
        read_otherwise = true;
    if (read_otherwise) continue;
    host[out] = buffer;
    lifetimes[buffer].last = lifetimes[out].last;
    lifetimes[out].bytes = 0;
  }
  return host;
}

Runner::Runner(const Graph& graph, Backend& backend, bool keep_every_value, const WeightStore* store,
               size_t prepare_limit)
    : graph_(graph), backend_(backend) {
  const auto& values = graph.values();
  constants_.resize(values.size());
  constant_addresses_.assign(values.size(), nullptr);
  for (size_t v = 0; v < values.size(); ++v) {
    if (values[v].kind != ValueKind::kConstant) continue;
    if (store) {
      constant_addresses_[v] = store->address(graph, static_cast<ValueId>(v));
      continue;
    }
    const size_t bytes = static_cast<size_t>(values[v].shape.numel()) * dtype_size(values[v].dtype);
    constants_[v] = DeviceBuffer(backend, bytes);
    backend.upload(constants_[v].get(), values[v].constant->data.data(), bytes);
    constant_addresses_[v] = constants_[v].f32();
  }
  const ArenaPlan arena = plan(graph, keep_every_value);
  offsets_ = arena.offsets;
  if (arena.total_bytes) arena_ = DeviceBuffer(backend, arena.total_bytes);
  bound_[0] = bind_nodes();
  if (!graph.states().empty()) {
    swap_states();
    bound_[1] = bind_nodes();
    swap_states();
    reset_states();
  }
  // Constants stay as they are for the runner's life: the backend may prepare from them,
  // within prepare_limit: a node whose preparation would pass it is let go again, and its op
  // derives what it needs in each call (the same results, more time). A failure part way (out
  // of memory) lets go of what was kept, as the destructor would.
  try {
    for (const Node& node : graph.nodes()) {
      std::vector<bool> constant;
      for (ValueId in : node.inputs)
        constant.push_back(in != kNoValue && values[static_cast<size_t>(in)].kind == ValueKind::kConstant);
      const OpArgs& op = bound_[0][constant_inputs_.size()];
      const size_t kept = backend_.keep_constants(op, constant);
      if (prepared_bytes_ + kept > prepare_limit) {
        backend_.forget_constants(op, constant);
        constant.clear();  // nothing to forget at the end
      } else {
        prepared_bytes_ += kept;
      }
      constant_inputs_.push_back(std::move(constant));
    }
  } catch (...) {
    forget_constants();
    throw;
  }
}

Runner::~Runner() { forget_constants(); }

void Runner::forget_constants() {
  for (size_t i = 0; i < constant_inputs_.size(); ++i) backend_.forget_constants(bound_[0][i], constant_inputs_[i]);
  constant_inputs_.clear();
}

std::vector<OpArgs> Runner::bind_nodes() const {
  std::vector<OpArgs> bound;
  for (const Node& node : graph_.nodes()) {
    OpArgs op = node.op;
    std::vector<const float*> inputs;
    for (ValueId in : node.inputs) inputs.push_back(in == kNoValue ? nullptr : address(in));
    bind_op(op, inputs, address(node.output));
    bound.push_back(op);
  }
  return bound;
}

void Runner::swap_states() {
  for (const auto& [in, out] : graph_.states()) std::swap(offsets_[static_cast<size_t>(in)], offsets_[static_cast<size_t>(out)]);
  parity_ ^= 1;
}

void Runner::reset_states() {
  for (const auto& [in, out] : graph_.states())
    backend_.fill_bytes(address(in), 0, static_cast<size_t>(graph_.value(in).shape.numel()) * sizeof(float));
}

float* Runner::address(ValueId v) const {
  const size_t i = static_cast<size_t>(v);
  const Value& val = graph_.value(v);
  if (val.kind == ValueKind::kConstant) return const_cast<float*>(constant_addresses_[i]);
  if (val.kind == ValueKind::kView) return address(val.base) + val.offset;
  return reinterpret_cast<float*>(static_cast<char*>(arena_.get()) + offsets_[i]);
}

void Runner::set_input(ValueId v, const HostTensor& t) {
  const Value& val = graph_.value(v);
  if (val.kind != ValueKind::kInput) throw std::invalid_argument("runner: '" + val.name + "' is not a graph input");
  if (t.shape != val.shape)
    throw std::invalid_argument("runner: input '" + val.name + "' expects shape " + val.shape.str() + ", got " +
                                t.shape.str());
  upload(v, t);
}

void Runner::overwrite(ValueId v, const HostTensor& t) {
  if (graph_.value(v).kind != ValueKind::kNode && graph_.value(v).kind != ValueKind::kView)
    throw std::invalid_argument("runner: '" + graph_.value(v).name + "' is not a node's value");
  upload(v, t);
}

void Runner::upload(ValueId v, const HostTensor& t) {
  const Value& val = graph_.value(v);
  if (t.shape.numel() != val.shape.numel())
    throw std::invalid_argument("runner: '" + val.name + "' expects shape " + val.shape.str() + ", got " +
                                t.shape.str());
  backend_.upload(address(v), t.data.data(), t.data.size() * sizeof(float));
}

namespace {

// The backend's range (an NVTX range on cuda) around one node, closed even when it throws.
class Range {
 public:
  Range(Backend& backend, const std::string& name) : backend_(backend) { backend_.range_push(name.c_str()); }
  ~Range() { backend_.range_pop(); }
  Range(const Range&) = delete;
  Range& operator=(const Range&) = delete;

 private:
  Backend& backend_;
};

}  // namespace

void Runner::run(const NodeHook& hook) {
  std::unique_ptr<Timer> timer = hook ? backend_.make_timer() : nullptr;
  const std::vector<Node>& nodes = graph_.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string& name = graph_.value(nodes[i].output).name;
    OpArgs op = bound_[parity_][i];
    if (auto* draw = std::get_if<GaussianArgs>(&op)) draw->d.seed = random_seed_, draw->d.offset += random_offset_;
    if (auto* conv = std::get_if<Conv2dArgs>(&op)) conv->d.origin_w += frame_ * conv->d.origin_per_frame;
    if (auto* window = std::get_if<TimeWindowArgs>(&op); window && window->d.per_frame) {
      window->d.time0 += frame_ * window->d.per_frame;
      if (end_frame_ >= 0) window->d.end = end_frame_ * window->d.per_frame;
    }
    {
      const Range range(backend_, name);
      if (timer) timer->start();
      backend_.run(op);
      if (timer) timer->stop();
    }
    if (timer) hook(nodes[i], name, timer->elapsed_ms());
  }
  backend_.synchronize();
  backend_.settle_workspaces();
  if (!graph_.states().empty()) swap_states();
}

HostTensor Runner::read(ValueId v) {
  HostTensor t(graph_.value(v).shape);
  read(v, t.data.data());
  return t;
}

void Runner::read(ValueId v, float* out) {
  backend_.download(out, address(v), static_cast<size_t>(graph_.value(v).shape.numel()) * sizeof(float));
}

}  // namespace xfv
