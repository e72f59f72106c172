/* xfv: the C API for embedding the engine (docs/embedding.md).
 *
 * A context is one weight file (weights/README.md; a bundle may hold image networks, voice
 * networks, a mapping network and a Parallel WaveGAN or HiFi-GAN vocoder) loaded on one
 * backend. Each task of XFaVoT is a style call plus a task call:
 *
 *   audio-guided image translation   xfv_style_from_voice   + xfv_translate_face(s)
 *   image-guided voice conversion    xfv_style_from_face    + xfv_convert_voice
 *   latent-guided generation         xfv_styles_from_latents + xfv_translate_faces / xfv_convert_voice
 *   reference-guided, same modality  xfv_style_from_face + xfv_translate_face,
 *                                    xfv_style_from_voice + xfv_convert_voice
 *
 * Errors: every call that can fail returns -1 (or NULL) and leaves a message naming the
 * problem in xfv_last_error(); no exception and no exit() crosses the API. A call the file
 * cannot serve (a voice call on a face-only file, say) fails with a message naming the file
 * and the missing network. On failure no output buffer is written.
 *
 * Threads: a context is used by one thread at a time. Contexts share no mutable state, so
 * each thread may run its own context concurrently with the others. xfv_last_error() is
 * per thread.
 *
 * Buffers: every buffer is the caller's and is only read during the call, except the output
 * of xfv_convert_voice_alloc (the library's, freed with xfv_free) and the string of
 * xfv_last_profile_json (the context's, valid until the next call on that context).
 *
 * Data:
 *   face    float32, planar RGB (3 x S x S, S = xfv_image_size), in [-1, 1], as the
 *           reference preprocesses images; n faces are n such blocks one after the other.
 *   style   float32, xfv_style_dim values; n styles are n rows.
 *   latent  float32, xfv_latent_dim values; n latents are n rows.
 *   voice   float32 mono samples at any rate, in any range: resampled to xfv_voice_rate
 *           and peak-normalized as the reference loads a recording. The output of the
 *           voice conversion is at xfv_voice_rate, as the vocoder makes it (unclipped).
 *   mel     (HiFi-GAN calls) float32 log-mel, bands x frames, row-major.
 *   domain  an index into a network's domains (xfv_domain finds one by name). */
#ifndef XFV_H
#define XFV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xfv_context xfv_context;

/* ---- context ------------------------------------------------------------------------- */

/* Loads a weight file onto a backend: "cpu", "sim" or "cuda". NULL on failure. */
xfv_context* xfv_open(const char* weights_path, const char* backend);
/* Frees the context and everything it owns (a NULL context is ignored). */
void xfv_close(xfv_context* ctx);

/* The message of the last failure on this thread; "" after a call that succeeded. */
const char* xfv_last_error(void);

/* Frees what an _alloc call returned (NULL is ignored). */
void xfv_free(void* buffer);

/* ---- what the file holds: each -1 when it lacks the networks that define it ------------ */

int xfv_image_size(const xfv_context* ctx);  /* S of the faces (image networks)         */
int xfv_style_dim(const xfv_context* ctx);   /* any network that makes or takes a style */
int xfv_latent_dim(const xfv_context* ctx);  /* the mapping network's latent            */
int xfv_voice_rate(const xfv_context* ctx);  /* the rate of the voice networks' audio   */

/* A domain by name (or decimal index) of "image_style_encoder", "audio_style_encoder" or
 * "mapping_network"; -1 when the file lacks the network or the network the domain. */
int xfv_domain(xfv_context* ctx, const char* network, const char* name);

/* ---- faces in and out ---------------------------------------------------------------- */

/* 8-bit interleaved RGB of any size to a face: resized as the reference preprocesses. */
int xfv_face_from_rgb8(xfv_context* ctx, const uint8_t* rgb, int width, int height, float* face);
/* A face to 8-bit interleaved RGB (S x S x 3), as the reference saves images. */
int xfv_face_to_rgb8(xfv_context* ctx, const float* face, uint8_t* rgb);

/* ---- styles: each writes style_dim floats per style ---------------------------------- */

/* The image style encoder on one face, for one of its domains. */
int xfv_style_from_face(xfv_context* ctx, const float* face, int domain, float* style);
/* The audio style encoder on `count` samples of a voice at `rate` Hz (resampled with
 * libsoxr to xfv_voice_rate and peak-normalized, as the `xfv` command line loads a file),
 * for one of its domains. The voice must last at least 80 mel frames (about 1 s). */
int xfv_style_from_voice(xfv_context* ctx, const float* samples, int64_t count, int rate, int domain,
                         float* style);
/* The mapping network on `count` latents, for one of its domains. psi in [0, 1] truncates
 * toward the domain's mean style (1: no truncation). */
int xfv_styles_from_latents(xfv_context* ctx, const float* latents, int count, int domain, float psi,
                            float* styles);
/* xfv_styles_from_latents of one latent. */
int xfv_style_from_latent(xfv_context* ctx, const float* latent, int domain, float psi, float* style);
/* Philox normals: the same latent on every backend and machine for a seed. */
int xfv_latent_from_seed(xfv_context* ctx, uint64_t seed, float* latent);

/* ---- the image task ------------------------------------------------------------------ */

/* `source` restyled by `style`: one face into `out`. */
int xfv_translate_face(xfv_context* ctx, const float* source, const float* style, float* out);
/* n faces restyled by n styles (face i by style i) as one batch: n faces into `out`. The
 * same faces as n xfv_translate_face calls. */
int xfv_translate_faces(xfv_context* ctx, int n, const float* sources, const float* styles, float* out);

/* ---- the voice task ------------------------------------------------------------------ */

/* The number of samples xfv_convert_voice writes for `count` samples at `rate` Hz: the
 * frames of the resampled voice, cut to a multiple of 4, times the vocoder's hop. -1 when
 * the file cannot convert voices or the voice is too short. */
int64_t xfv_converted_samples(xfv_context* ctx, int64_t count, int rate);
/* `count` samples of a voice at `rate` Hz converted to `style`, as the `xfv` command line
 * converts a file: xfv_converted_samples(ctx, count, rate) samples at xfv_voice_rate into
 * `out`, which holds `capacity`; `*written` gets that number. A capacity too small is an
 * error naming both sizes, and nothing is written. */
int xfv_convert_voice(xfv_context* ctx, const float* samples, int64_t count, int rate, const float* style,
                      float* out, int64_t capacity, int64_t* written);
/* The same into a buffer the library allocates: `*out` (free it with xfv_free) gets
 * `*written` samples. On failure `*out` is NULL. */
int xfv_convert_voice_alloc(xfv_context* ctx, const float* samples, int64_t count, int rate, const float* style,
                            float** out, int64_t* written);
/* The seed of a Parallel WaveGAN vocoder's noise (Philox normals; the command line's
 * --noise-seed), 0 until set. A HiFi-GAN vocoder takes no noise. */
int xfv_set_noise_seed(xfv_context* ctx, uint64_t seed);

/* ---- the HiFi-GAN vocoder (files whose vocoder is a HiFi-GAN): -1 without one --------- */

int xfv_vocoder_rate(const xfv_context* ctx);       /* output rate, Hz      */
int xfv_vocoder_hop(const xfv_context* ctx);        /* samples per mel frame */
int xfv_vocoder_mel_bands(const xfv_context* ctx);  /* mel bands             */
/* The log-mel of `samples` samples at xfv_vocoder_rate by the recipe the vocoder was trained
 * on (as they are, no normalization): samples / hop frames into `mel`
 * (bands * (samples / hop) floats). */
int xfv_mel_from_audio(xfv_context* ctx, const float* audio, int64_t samples, float* mel);
/* The waveform of a log-mel of `frames` frames: frames * hop samples into `audio`. */
int xfv_vocode(xfv_context* ctx, const float* mel, int frames, float* audio);

/* ---- profile ------------------------------------------------------------------------- */

/* On (non-zero): every later call that runs networks records each node it runs (time, FLOPs,
 * bytes). Off (0, the default): nothing is recorded. Either way the record is cleared. */
int xfv_set_profiling(xfv_context* ctx, int on);
/* The nodes run by the last call on this context that runs networks (the style, task,
 * mel and vocode calls; each one clears the record first), as JSON (docs/profile.md):
 * {"backend":..., "nodes":[...], "networks":[...], "total":{...}}. "" while profiling is
 * off. Owned by the context: valid until the next call on it. NULL for a NULL context. */
const char* xfv_last_profile_json(xfv_context* ctx);

#ifdef __cplusplus
}
#endif

#endif /* XFV_H */
