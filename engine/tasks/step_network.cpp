#include "engine/tasks/step_network.h"

namespace xfv {

StepNetwork::StepNetwork(ModelSession& models, const std::string& network, int length)
    : compiled_(models.compile_owned(network, 0, 1, length)) {
  const Graph& g = *compiled_.net.graph;
  for (ValueId v : compiled_.net.inputs) inputs_.emplace_back(g.value(v).shape);
  for (ValueId v : g.outputs()) outputs_.emplace_back(g.value(v).shape);
}

void StepNetwork::run() {
  Runner& runner = *compiled_.runner;
  for (size_t i = 0; i < inputs_.size(); ++i) runner.set_input(compiled_.net.inputs[i], inputs_[i]);
  runner.run();
  const std::vector<ValueId>& outputs = compiled_.net.graph->outputs();
  for (size_t i = 0; i < outputs_.size(); ++i) runner.read(outputs[i], outputs_[i].data.data());
}

}  // namespace xfv
