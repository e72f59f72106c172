#include "engine/models/mel_front_end.h"

#include <stdexcept>

namespace xfv {

MelFrontEndIO add_mel_front_end(NetBuilder& b, int batch, int length, MelEdges edges) {
  MelSpectrogramArgs a;
  a.d.n = batch, a.d.length = length;
  if (edges == MelEdges::kNone) a.d.padding = 0;
  const int least = edges == MelEdges::kNone ? a.d.n_fft : kMelMinSamples;
  if (length < least)
    throw std::invalid_argument("mel: a recording of " + std::to_string(length) +
                                " samples is too short; the front end needs " + std::to_string(least) +
                                " at 24 kHz (its 2048-sample frames)");
  // StarGANv2-VC builds its filterbank for 16 kHz (0 to 8 kHz) on its 24 kHz audio.
  return add_log_mel(b, a, mel_tables(a.d, 16000, 0, 8000));
}

MelFrontEndIO add_log_mel(NetBuilder& b, const MelSpectrogramArgs& a, MelTables t) {
  const auto table = [&](const char* key, std::vector<float>& v) {
    const int64_t size = static_cast<int64_t>(v.size());
    return b.graph().add_constant(b.name(key), HostTensor(Shape{size}, std::move(v)));
  };
  MelFrontEndIO io;
  io.wave = b.input("wave", Shape{a.d.n, a.d.length});
  io.output = b.node("output", a, {io.wave, table("window", t.window), table("twiddles", t.twiddles), table("filterbank", t.fb)},
                     Shape{a.d.n, 1, a.d.n_mels, a.d.frames()});
  return io;
}

}  // namespace xfv
