// The whole image translation in xfv: the reference face's style (style encoder), FAN's
// masks of the source (when w_hpf > 0) and the generator, batch 1, on seeded random faces.
// tools/bench_image.sh makes the weight file and runs this beside the PyTorch timing
// (tools/bench_torch_image.py) in the same sitting.
//
//   xfv_bench_image --weights=W.safetensors [--backend=cpu|cuda|sim] [--precision=fp32,bf16|all]
//                   [benchmark flags]
// One benchmark per precision: image_translation/<backend>/<precision>.
#include <random>
#include <string>
#include <vector>

#include "bench/task_bench.h"
#include "engine/tasks/bundle.h"

namespace {

xfv::HostTensor random_face(int size, uint32_t seed) {
  xfv::HostTensor t(xfv::Shape{1, 3, size, size});
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  for (float& v : t.data) v = u(rng);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  xfv::TaskBenchArgs args = xfv::parse_task_bench_args(argc, argv, {"weights", "backend", "precision"});
  const std::string weights = args.get("weights"), backend = args.get("backend", "cpu");
  if (weights.empty()) {
    std::fprintf(stderr, "usage: xfv_bench_image --weights=W.safetensors [--backend=cpu] [--precision=fp32]\n");
    return 2;
  }
  xfv::Bundle bundle(weights, backend);
  const int size = bundle.face_size();
  const xfv::HostTensor source = random_face(size, 1), reference = random_face(size, 2);
  xfv::add_precision_benches(bundle.models(), xfv::bench_precisions(args), "image_translation/" + backend, [&] {
    const xfv::HostTensor style = bundle.style_from_faces(reference, 1);
    benchmark::DoNotOptimize(bundle.faces().translate(source, style).data.data());
  });
  return xfv::run_task_benches(args);
}
