/* xfv: the C API for embedding the engine.
 *
 * Opaque handles, plain buffers, no exception crosses it: every call that can fail returns
 * -1 (or NULL) and leaves a message naming the problem in xfv_last_error().
 *
 * A context serves what its weight file holds: the face calls need the image networks, the
 * vocoder calls a HiFi-GAN vocoder; a call the file cannot serve fails with a message.
 *
 * Faces are float32, planar RGB (3 x S x S, S = xfv_image_size), in [-1, 1], as the
 * reference preprocesses them. Styles are float32 vectors of xfv_style_dim values.
 * Audio is float32 mono at xfv_vocoder_rate, in [-1, 1]; a log-mel is float32, bands x
 * frames row-major (xfv_vocoder_mel_bands rows). */
#ifndef XFV_H
#define XFV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xfv_context xfv_context;

/* Loads a weight file (weights/README.md) onto a backend: "cpu", "sim" or "cuda". */
xfv_context* xfv_open(const char* weights_path, const char* backend);
void xfv_close(xfv_context* ctx);

/* The message of the last failure on this thread; "" when there was none. */
const char* xfv_last_error(void);

int xfv_image_size(const xfv_context* ctx);
int xfv_latent_dim(const xfv_context* ctx);
int xfv_style_dim(const xfv_context* ctx);

/* A domain by name (or decimal index) for "image_style_encoder" or "mapping_network";
 * -1 when the network lacks it. */
int xfv_domain(xfv_context* ctx, const char* network, const char* name);

/* 8-bit interleaved RGB of any size to a face: resized as the reference preprocesses. */
int xfv_face_from_rgb8(xfv_context* ctx, const uint8_t* rgb, int width, int height, float* face);
/* A face to 8-bit interleaved RGB (S x S x 3), as the reference saves images. */
int xfv_face_to_rgb8(xfv_context* ctx, const float* face, uint8_t* rgb);

int xfv_style_from_face(xfv_context* ctx, const float* face, int domain, float* style);
/* psi in [0, 1] truncates toward the domain's mean style (1: no truncation). */
int xfv_style_from_latent(xfv_context* ctx, const float* latent, int domain, float psi, float* style);
/* Philox normals: the same latent on every backend and machine for a seed. */
int xfv_latent_from_seed(xfv_context* ctx, uint64_t seed, float* latent);

/* The image task: `source` restyled by `style`. */
int xfv_translate_face(xfv_context* ctx, const float* source, const float* style, float* out);

/* The HiFi-GAN vocoder: its output rate, samples per mel frame and mel bands; -1 without one. */
int xfv_vocoder_rate(const xfv_context* ctx);
int xfv_vocoder_hop(const xfv_context* ctx);
int xfv_vocoder_mel_bands(const xfv_context* ctx);
/* The log-mel of `samples` samples at xfv_vocoder_rate by the recipe the vocoder was trained
 * on: samples / hop frames into `mel` (bands * (samples / hop) floats). */
int xfv_mel_from_audio(xfv_context* ctx, const float* audio, int64_t samples, float* mel);
/* The waveform of a log-mel of `frames` frames: frames * hop samples into `audio`. */
int xfv_vocode(xfv_context* ctx, const float* mel, int frames, float* audio);

#ifdef __cplusplus
}
#endif

#endif /* XFV_H */
