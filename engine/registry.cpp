#include <stdexcept>

#include "engine/backend.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/device_backend.h"

namespace xfv {

std::vector<std::string> compiled_backends() {
  std::vector<std::string> names{"cpu"};
#ifdef XFV_HAVE_SIM
  names.push_back("sim");
#endif
#ifdef XFV_HAVE_CUDA
  names.push_back("cuda");
#endif
  return names;
}

bool backend_available(const std::string& name, std::string* why) {
  if (name == "cpu") return true;
#ifdef XFV_HAVE_SIM
  if (name == "sim") return true;
#endif
#ifdef XFV_HAVE_CUDA
  if (name == "cuda") return cuda::available(why);
#endif
  if (why)
    *why = (name == "cpu" || name == "sim" || name == "cuda") ? "not built into this binary"
                                                              : "unknown backend (cpu, sim, cuda)";
  return false;
}

std::unique_ptr<Backend> make_backend(const std::string& name) {
  std::string why;
  if (!backend_available(name, &why))
    throw std::invalid_argument("backend '" + name + "' cannot run here: " + why);
  if (name == "cpu") return cpu::make_backend();
#ifdef XFV_HAVE_SIM
  if (name == "sim") return sim::make_backend();
#endif
#ifdef XFV_HAVE_CUDA
  if (name == "cuda") return cuda::make_backend();
#endif
  throw std::logic_error("unreachable: backend '" + name + "'");
}

Peaks backend_peaks(const std::string& name) {
#ifdef XFV_HAVE_CUDA
  if (name == "cuda") return gpu_peaks(cuda::device_spec());
#endif
  if (name == "sim")
    return no_peaks("sim: none (its times are the simulator's on the CPU; docs/profile.md)");
  return no_peaks(name + ": none given (--peaks: xfv_bench's cpu/peak/ benches as JSON; docs/profile.md)");
}

std::string backend_algorithm(const std::string& name, const OpArgs& op) {
  return name == "cpu" ? cpu::algorithm(op) : "";
}

}  // namespace xfv
