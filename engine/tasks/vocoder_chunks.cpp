#include "engine/tasks/vocoder_chunks.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "engine/models/hifigan.h"
#include "engine/models/parallel_wavegan.h"

namespace xfv {

VocoderChunker::VocoderChunker(int max_frames, int context) : max_frames_(max_frames), context_(context) {
  if (context < 0 || max_frames <= 2 * context)
    throw std::invalid_argument("the vocoder's chunks of " + std::to_string(max_frames) +
                                " frames must be longer than twice its receptive field of " + std::to_string(context) +
                                " frames each side, " + std::to_string(2 * context + 1) + " frames at least");
}

std::vector<VocoderWindow> VocoderChunker::windows(int64_t frames) const {
  if (frames < 1) throw std::invalid_argument("no frames to vocode");
  if (frames <= max_frames_) return {VocoderWindow{0, static_cast<int>(frames), 0, static_cast<int>(frames)}};
  const int64_t keep = keep_frames();
  std::vector<VocoderWindow> out;
  for (int64_t kept = 0; kept < frames; kept += keep) {
    VocoderWindow w;
    w.first = std::clamp<int64_t>(kept - context_, 0, frames - max_frames_);
    w.frames = max_frames_;
    w.keep_first = kept;
    w.keep_frames = static_cast<int>(std::min(keep, frames - kept));
    out.push_back(w);
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
  const int context = is_hifigan(weights, path) ? hifigan_receptive_radius(hifigan_config(weights, path))
                                                : vocoder_receptive_radius(vocoder_config(weights, path));
  return VocoderChunker(max_frames, context);
}

}  // namespace xfv
