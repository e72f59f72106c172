// The largest sizes the engine accepts from a file's own header, each checked before anything
// is allocated from it (docs/reliability.md lists them). A file over one is refused with a
// FileError naming the file and the limit: no face photo, recording, weight file or dump of
// this engine comes near them, and a hostile header must not make a reader allocate without
// bound.
#pragma once

#include <cstdint>

namespace xfv {

// Safetensors (weights, reference dumps): the JSON header's length, and a tensor's rank.
// A tensor's dims and data offsets are checked against the file's own size.
constexpr uint64_t kMaxSafetensorsHeaderBytes = uint64_t{64} << 20;
constexpr int kMaxTensorRank = 4;

// .npy (latents, noise): the header (a Python dict literal; NumPy itself reads at most 10000
// bytes of it unless told otherwise). Its dims are checked against the file's size.
constexpr uint32_t kMaxNpyHeaderBytes = 1 << 16;

// Images (PNG, JPEG): each side, and the pixels in all (a 67-megapixel RGB photo is 200 MB
// decoded), read from the header before the decoder allocates its buffers.
constexpr int kMaxImageSide = 16384;
constexpr int64_t kMaxImagePixels = int64_t{1} << 26;

// Recordings (WAV, FLAC, OGG): frames (samples per channel), three hours at 48 kHz; the
// header's count is checked, and the decoded count again as blocks arrive (a compressed
// stream's header is only a claim). libsndfile itself refuses more than 1024 channels.
constexpr int64_t kMaxAudioFrames = int64_t{3} * 3600 * 48000;
// Sample rates, of a file and of samples handed in: resampling to a model's rate makes up to
// 768 samples of each one at the lowest (a 1 Hz file of a few KB would otherwise become
// gigabytes), and the resampled length is held to kMaxAudioFrames too.
constexpr int kMinAudioRate = 1000;
constexpr int kMaxAudioRate = 768000;

// Weight-file configurations (JSON in the header's metadata): a vocoder's hop, the product of
// its upsampling rates (HiFi-GAN V1's is 256, StarGANv2-VC's Parallel WaveGAN's 300); each
// integer must fit an int.
constexpr int kMaxVocoderHop = 1 << 12;

// Counts handed to the C API (engine/include/xfv.h), which cannot measure a caller's buffer:
// a count past these is refused before a value is read from the buffer or anything is sized
// from it. Faces or latents in one call; a vocoder stream's step (frames per graph run); mel
// frames in one call or push are held to kMaxAudioFrames of audio, samples in one push to
// kMaxAudioFrames.
constexpr int kMaxBatch = 1024;
constexpr int kMaxStreamStepFrames = 4096;

}  // namespace xfv
