#include "engine/tasks/vocoder_chunks.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "engine/models/hifigan.h"
#include "engine/models/parallel_wavegan.h"

namespace xfv {

namespace {
int64_t round_up(int64_t v, int64_t to) { return (v + to - 1) / to * to; }
}  // namespace

VocoderChunker::VocoderChunker(int max_frames, int context)
    : max_frames_(max_frames),
      context_(static_cast<int>(round_up(context, kWindowAlignFrames))),
      // A window may be up to kWindowAlignFrames - 1 frames shorter than max_frames (windows()).
      keep_frames_((max_frames - (kWindowAlignFrames - 1) - 2 * context_) / kWindowAlignFrames * kWindowAlignFrames) {
  if (context < 0 || keep_frames_ < kWindowAlignFrames)
    throw std::invalid_argument("the vocoder's chunks of " + std::to_string(max_frames) +
                                " frames must hold twice its receptive field of " + std::to_string(context) +
                                " frames each side (rounded up to a multiple of " + std::to_string(kWindowAlignFrames) +
                                ") and keep " + std::to_string(kWindowAlignFrames) + " of its " +
                                std::to_string(max_frames - (kWindowAlignFrames - 1)) + " aligned frames: " +
                                std::to_string(2 * context_ + 2 * kWindowAlignFrames - 1) +
                                " frames at least");
}

std::vector<VocoderWindow> VocoderChunker::windows(int64_t frames) const {
  if (frames < 1) throw std::invalid_argument("no frames to vocode");
  if (frames <= max_frames_) return {VocoderWindow{0, static_cast<int>(frames), 0, static_cast<int>(frames)}};
  // Every window is as long as the last, which ends where the utterance does and starts at the
  // first multiple of kWindowAlignFrames that leaves it at most max_frames long.
  const int64_t last_first = round_up(frames - max_frames_, kWindowAlignFrames);
  std::vector<VocoderWindow> out;
  for (int64_t kept = 0; kept < frames; kept += keep_frames_) {
    VocoderWindow w;
    w.first = std::clamp<int64_t>(kept - context_, 0, last_first);  // a multiple of kWindowAlignFrames
    w.frames = static_cast<int>(frames - last_first);
    w.keep_first = kept;
    // The window that ends with the utterance and has its context before `kept` keeps the rest.
    const bool last = kept - context_ >= last_first;
    w.keep_frames = static_cast<int>(last ? frames - kept : std::min<int64_t>(keep_frames_, frames - kept));
    out.push_back(w);
    if (last) break;
  }
  return out;
}

std::vector<float> VocoderChunker::run(
    int64_t frames, int hop, const std::function<std::vector<float>(const VocoderWindow&)>& vocode_window) const {
  std::vector<float> out(static_cast<size_t>(frames * hop));
  for (const VocoderWindow& w : windows(frames)) {
    const std::vector<float> part = vocode_window(w);
    if (part.size() != static_cast<size_t>(w.frames) * static_cast<size_t>(hop))
      throw std::logic_error("a vocoder window of " + std::to_string(w.frames) + " frames gave " +
                             std::to_string(part.size()) + " samples, not " + std::to_string(w.frames * hop));
    std::copy_n(part.begin() + (w.keep_first - w.first) * hop, static_cast<int64_t>(w.keep_frames) * hop,
                out.begin() + w.keep_first * hop);
  }
  return out;
}

VocoderChunker vocoder_chunker(const TensorFile& weights, const std::string& path, int max_frames) {
  if (is_hifigan(weights, path))
    return VocoderChunker(max_frames ? max_frames : kDefaultHifiGanFrames,
                          hifigan_receptive_radius(hifigan_config(weights, path), kTileOverhang));
  return VocoderChunker(max_frames ? max_frames : kDefaultParallelWaveGanFrames,
                        vocoder_receptive_radius(vocoder_config(weights, path), kTileOverhang));
}

}  // namespace xfv
