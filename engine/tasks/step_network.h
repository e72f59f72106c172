// A network compiled once, at fixed shapes, for a stream's steps: its inputs and outputs live
// in host buffers made here, so that a step (fill inputs(), run(), read outputs()) allocates
// nothing: the runner uploads from and downloads into them (Runner::set_input, Runner::read).
// The graph is the session's compile_owned(): on its backend, outside its cache.
#pragma once

#include <string>
#include <vector>

#include "engine/tasks/model_session.h"

namespace xfv {

class StepNetwork {
 public:
  // `network` of domain 0 at batch 1 and `length` (as for build_network).
  StepNetwork(ModelSession& models, const std::string& network, int length);

  // In the network's input order; each of the shape the graph takes.
  std::vector<HostTensor>& inputs() { return inputs_; }
  // In the graph's output order, as of the last run().
  const std::vector<HostTensor>& outputs() const { return outputs_; }
  void run();

 private:
  ModelSession::Compiled compiled_;
  std::vector<HostTensor> inputs_, outputs_;
};

}  // namespace xfv
