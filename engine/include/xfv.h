/* xfv: the C API for embedding the engine (docs/embedding.md).
 *
 * A model is one weight file (weights/README.md; a bundle may hold image networks, voice
 * networks, a mapping network and a Parallel WaveGAN or HiFi-GAN vocoder) loaded on one
 * backend: its configurations, domains and weights, immutable once open and shared by any
 * number of threads. A session is one thread's use of a model: its compiled graphs (within a
 * byte budget), its noise seed, its profile. Each task of XFaVoT is a style call plus a task
 * call, both on a session:
 *
 *   audio-guided image translation   xfv_style_from_voice    + xfv_translate_face(s)
 *   image-guided voice conversion    xfv_style_from_face     + xfv_convert_voice
 *   latent-guided generation         xfv_styles_from_latents + xfv_translate_faces / xfv_convert_voice
 *   reference-guided, same modality  xfv_style_from_face + xfv_translate_face,
 *                                    xfv_style_from_voice + xfv_convert_voice
 *
 * Errors: every call that can fail returns -1 (or NULL) and leaves a message naming the
 * problem in xfv_last_error(); no exception and no exit() crosses the API. A call the file
 * cannot serve (a voice call on a face-only file, say) fails with a message naming the file
 * and the missing network. On failure no output buffer is written.
 *
 * Threads: a model may be used by any number of threads at once, each through its own
 * session; a session is used by one thread at a time. Weights are held once per model,
 * whatever the number of sessions. xfv_last_error() is per thread.
 *
 * Buffers: every buffer is the caller's and is only read during the call, except the output
 * of xfv_convert_voice_alloc (the library's, freed with xfv_free) and the strings of
 * xfv_domain_name (the model's, valid while it is open) and xfv_last_profile_json (the
 * session's, valid until the next call on that session).
 *
 * Data:
 *   face    float32, planar RGB (3 x S x S, S = xfv_image_size), in [-1, 1], as the
 *           reference preprocesses images; n faces are n such blocks one after the other.
 *   style   float32, xfv_style_dim values; n styles are n rows.
 *   latent  float32, xfv_latent_dim values; n latents are n rows.
 *   voice   float32 mono samples at 1000 to 768000 Hz, in any range, at most 3 hours at
 *           48 kHz after resampling (docs/reliability.md): resampled to xfv_voice_rate
 *           as the StarGANv2-VC demo loads a recording; a voice to convert is then
 *           peak-normalized, a voice whose style is taken is not (the style depends on its
 *           level, as in the demo). The output of the voice conversion is at
 *           xfv_voice_rate, as the vocoder makes it (unclipped).
 *   mel     (HiFi-GAN calls) float32 log-mel, bands x frames, row-major.
 *   domain  an index into the domains of the network that makes the style (0 to
 *           xfv_domain_count - 1); xfv_domain finds one by name.
 *   Every float a call reads must be finite: a NaN or an infinity is -1 and a message
 *   naming the value. */
#ifndef XFV_H
#define XFV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xfv_model xfv_model;
typedef struct xfv_session xfv_session;

/* ---- model ---------------------------------------------------------------------------- */

/* Loads a weight file onto a backend: "cpu", "sim" or "cuda". NULL on failure. */
xfv_model* xfv_model_open(const char* weights_path, const char* backend);
/* Frees the model (a NULL model is ignored, 0). Refused (-1 and a message, nothing freed,
 * the model still whole) while sessions of it are open, a closed session whose streams are
 * still open among them: close them first. */
int xfv_model_close(xfv_model* model);

/* ---- session -------------------------------------------------------------------------- */

struct xfv_session_params {
  int64_t byte_budget;  /* compiled graphs kept (activations, and on cpu the weight transforms
                           prepared for them, in the room the others leave): the least recently
                           used are evicted past it; one graph whose activations pass it is an
                           error naming it */
  uint64_t noise_seed;  /* a Parallel WaveGAN vocoder's noise (Philox normals) */
  int profiling;        /* non-zero: calls record each node they run (xfv_last_profile_json) */
  int vocoder_frames;   /* the vocoder runs long inputs in overlapping windows of this many
                           frames, bounding its activations (0: the family's default, 2048
                           frames for HiFi-GAN, 512 for Parallel WaveGAN); a window too short for
                           the vocoder's receptive field is an error giving its least length */
  const char* precision; /* the convs' and linear layers' arithmetic: "fp32" (NULL: fp32, the
                           reference), or on tensor cores "tf32", "bf16" or "fp16", operands
                           rounded, fp32 accumulate (cpu: the same rounding, as a reference);
                           FAN's masks stay fp32 (docs/kernels.md, "Precision") */
};
/* The defaults: a budget of 2 GiB, noise seed 0, profiling off, the vocoder family's default
 * windows, fp32. */
struct xfv_session_params xfv_session_default_params(void);

/* A session of `model` (NULL params: the defaults). NULL on failure. */
xfv_session* xfv_session_open(xfv_model* model, const struct xfv_session_params* params);
/* Frees the session and everything it owns (a NULL session is ignored). A session with open
 * streams (xfv_stream_open, xfv_vocoder_stream_open) is closed at once, the handle no longer
 * the caller's, and freed when its last stream closes: the streams go on working. */
void xfv_session_close(xfv_session* session);

/* The message of the last failure on this thread; "" after a call that succeeded. */
const char* xfv_last_error(void);

/* Frees what an _alloc call returned (NULL is ignored). */
void xfv_free(void* buffer);

/* ---- memory: bytes, -1 on failure; `network` NULL for all networks -------------------- */

/* The model's weights in host memory: each network's tensors as its file has them, read
 * once, the first time a session runs the network (0 for a network no session has run). */
int64_t xfv_model_host_bytes(const xfv_model* model, const char* network);
/* The model's weights on the backend, uploaded once as sessions first use them; 0 on cpu,
 * which reads the host tensors in place. */
int64_t xfv_model_backend_bytes(const xfv_model* model, const char* network);
/* The session's compiled graphs kept now: their activation arenas and what the backend
 * prepared from their weights (what the budget bounds). */
int64_t xfv_session_bytes(const xfv_session* session, const char* network);
/* Sets the session's budget, evicting down to it at once. */
int xfv_session_set_byte_budget(xfv_session* session, int64_t bytes);

/* ---- what the file holds: each -1 when it lacks the networks that define it ------------ */

int xfv_image_size(const xfv_model* model);  /* S of the faces (image networks)         */
int xfv_style_dim(const xfv_model* model);   /* any network that makes or takes a style */
int xfv_latent_dim(const xfv_model* model);  /* the mapping network's latent            */
int xfv_voice_rate(const xfv_model* model);  /* the rate of the voice networks' audio   */

/* Domains of "image_style_encoder", "audio_style_encoder" or "mapping_network": how many,
 * the index of a name (names only: an index is passed as an int), and the name of an index
 * ("" where the file names none). -1 (NULL) when the file lacks the network or the name. */
int xfv_domain_count(const xfv_model* model, const char* network);
int xfv_domain(const xfv_model* model, const char* network, const char* name);
const char* xfv_domain_name(const xfv_model* model, const char* network, int domain);

/* ---- faces in and out ---------------------------------------------------------------- */

/* 8-bit interleaved RGB of any size to a face: resized as the reference preprocesses. */
int xfv_face_from_rgb8(const xfv_model* model, const uint8_t* rgb, int width, int height, float* face);
/* A face to 8-bit interleaved RGB (S x S x 3), as the reference saves images. */
int xfv_face_to_rgb8(const xfv_model* model, const float* face, uint8_t* rgb);

/* ---- styles: each writes style_dim floats per style ---------------------------------- */

/* The image style encoder on one face, for one of its domains. */
int xfv_style_from_face(xfv_session* session, const float* face, int domain, float* style);
/* The audio style encoder on `count` samples of a reference voice at `rate` Hz (resampled
 * with libsoxr to xfv_voice_rate, at its own gain, as the demo computes a reference's style),
 * for one of its domains. The voice must last at least 80 mel frames (about 1 s). */
int xfv_style_from_voice(xfv_session* session, const float* samples, int64_t count, int rate, int domain,
                         float* style);
/* The mapping network on `count` latents (1 to 1024), for one of its domains. psi in [0, 1]
 * truncates toward the domain's mean style (1: no truncation). */
int xfv_styles_from_latents(xfv_session* session, const float* latents, int count, int domain, float psi,
                            float* styles);
/* xfv_styles_from_latents of one latent. */
int xfv_style_from_latent(xfv_session* session, const float* latent, int domain, float psi, float* style);
/* Philox normals: the same latent on every backend and machine for a seed. */
int xfv_latent_from_seed(const xfv_model* model, uint64_t seed, float* latent);

/* ---- the image task ------------------------------------------------------------------ */

/* `source` restyled by `style`: one face into `out`. */
int xfv_translate_face(xfv_session* session, const float* source, const float* style, float* out);
/* n faces restyled by n styles (face i by style i) as one batch: n faces into `out`. The
 * same faces as n xfv_translate_face calls. n is 1 to 1024. */
int xfv_translate_faces(xfv_session* session, int n, const float* sources, const float* styles, float* out);

/* ---- the voice task ------------------------------------------------------------------ */

/* The number of samples xfv_convert_voice writes for `count` samples at `rate` Hz: the
 * frames of the resampled voice, cut to a multiple of 4, times the vocoder's hop. -1 when
 * the file cannot convert voices or the voice is too short. */
int64_t xfv_converted_samples(const xfv_model* model, int64_t count, int rate);
/* `count` samples of a source voice at `rate` Hz (resampled and peak-normalized, as the
 * demo loads a source) converted to `style`: xfv_converted_samples(model, count, rate)
 * samples at xfv_voice_rate into `out`, which holds `capacity`; `*written` gets that number.
 * A capacity too small is an error naming both sizes, and nothing is written. */
int xfv_convert_voice(xfv_session* session, const float* samples, int64_t count, int rate, const float* style,
                      float* out, int64_t capacity, int64_t* written);
/* The same into a buffer the library allocates: `*out` (free it with xfv_free) gets
 * `*written` samples. On failure `*out` is NULL. */
int xfv_convert_voice_alloc(xfv_session* session, const float* samples, int64_t count, int rate,
                            const float* style, float** out, int64_t* written);
/* The seed of a Parallel WaveGAN vocoder's noise (as in xfv_session_params). A HiFi-GAN
 * vocoder takes no noise. */
int xfv_set_noise_seed(xfv_session* session, uint64_t seed);

/* ---- the HiFi-GAN vocoder (files whose vocoder is a HiFi-GAN): -1 without one --------- */

int xfv_vocoder_rate(const xfv_model* model);       /* output rate, Hz      */
int xfv_vocoder_hop(const xfv_model* model);        /* samples per mel frame */
int xfv_vocoder_mel_bands(const xfv_model* model);  /* mel bands             */
/* The log-mel of `samples` samples at xfv_vocoder_rate by the recipe the vocoder was trained
 * on (as they are, no normalization): samples / hop frames into `mel`
 * (bands * (samples / hop) floats). */
int xfv_mel_from_audio(xfv_session* session, const float* audio, int64_t samples, float* mel);
/* The waveform of a log-mel of `frames` frames: frames * hop samples into `audio`. At most
 * 3 hours at 48 kHz (518400000 samples) in one call, as for the mel's `samples`. */
int xfv_vocode(xfv_session* session, const float* mel, int frames, float* audio);

/* ---- streams (docs/streaming.md): live conversion and vocoding ------------------------- */

typedef struct xfv_stream xfv_stream;

/* Where the generator's instance norms take their statistics (docs/streaming.md). */
enum xfv_stream_stats {
  XFV_STATS_WINDOW = 0,  /* each step's window of window_frames (the default)              */
  XFV_STATS_RUNNING = 1, /* the utterance so far and the step's look-ahead                 */
  XFV_STATS_FIXED = 2    /* a calibration recording's, converted once when the stream opens */
};

/* How a voice stream runs. xfv_stream_default_params() gives the defaults. */
struct xfv_stream_params {
  int input_rate;        /* Hz of the samples pushed (default 24000; 0: xfv_voice_rate)      */
  int chunk_samples;     /* the pushes' size at input_rate, counted in the latency (480)     */
  int running_peak_gain; /* 0: multiply by fixed_gain (default); 1: divide by the running peak */
  float fixed_gain;      /* default 1: the caller's level                                    */
  int step_blocks;       /* generator blocks (4 frames) per step (1)                         */
  int lookahead_blocks;  /* blocks each step looks ahead (4)                                 */
  int window_frames;     /* frames the generator and its norms' statistics see (192)         */
  uint64_t noise_seed;   /* Parallel WaveGAN's noise                                         */
  int stats;             /* an xfv_stream_stats (XFV_STATS_WINDOW)                           */
  /* XFV_STATS_FIXED: the calibration recording, float32 in [-1, 1] at calibration_rate (0:
   * input_rate), peak-normalized as a source is; 1 s to about 25 s. Copied when the stream
   * opens. NULL and 0 otherwise. */
  const float* calibration;
  int64_t calibration_samples;
  int calibration_rate;
  /* 1: the vocoder's Winograd tiles on the whole run's grid, its bits, 131 ms more latency on
   * HiFi-GAN V1; 0 (default): the least latency, within 1e-6 of them (docs/streaming.md). */
  int exact_vocoder_tiles;
};
struct xfv_stream_params xfv_stream_default_params(void);

/* A voice-conversion stream on `session` (which must outlive it) to `style`
 * (xfv_style_dim floats). NULL and a message on failure. */
xfv_stream* xfv_stream_open(xfv_session* session, const float* style, const struct xfv_stream_params* params);
/* A vocoder-only stream: mel frames in (the vocoder's bands per frame, frame after frame),
 * samples out; `step_frames` frames per step (1 to 4096). */
xfv_stream* xfv_vocoder_stream_open(xfv_session* session, int step_frames);
void xfv_stream_close(xfv_stream* stream);

/* Appends `count` samples (float32 in [-1, 1], or int16 / 32768; 0 to 518400000 a push) at
 * the stream's input rate;
 * for a vocoder stream, `count` frames of float32 (xfv_vocoder_mel_bands each, frame after
 * frame; no int16). Runs in the calling thread. -1 and a message for NaN or infinite samples
 * (nothing taken: the stream stays usable), a push after flush, int16 to a vocoder stream. */
int xfv_stream_push(xfv_stream* stream, const float* samples, int64_t count);
int xfv_stream_push_s16(xfv_stream* stream, const int16_t* samples, int64_t count);
/* Samples ready to pull, at xfv_stream_rate. */
int64_t xfv_stream_available(const xfv_stream* stream);
/* Copies up to `capacity` ready samples into `out`; returns how many (-1 on failure). */
int64_t xfv_stream_pull(xfv_stream* stream, float* out, int64_t capacity);
/* The input has ended: the rest becomes ready; later pushes fail until xfv_stream_reset. */
int xfv_stream_flush(xfv_stream* stream);
/* A new utterance, the same style and options. */
int xfv_stream_reset(xfv_stream* stream);
/* A new style for the steps to come (voice streams). */
int xfv_stream_set_style(xfv_stream* stream, const float* style);
/* The output rate, and the algorithmic latency in output samples (docs/streaming.md). */
int xfv_stream_rate(const xfv_stream* stream);
int64_t xfv_stream_latency(const xfv_stream* stream);

/* ---- profile ------------------------------------------------------------------------- */

/* On (non-zero): every later call that runs networks records each node it runs (time, FLOPs,
 * bytes). Off (0, the default): nothing is recorded. Either way the record is cleared. */
int xfv_set_profiling(xfv_session* session, int on);
/* The nodes run by the last call on this session that runs networks (the style, task,
 * mel and vocode calls; each one clears the record first), as JSON (docs/profile.md):
 * {"backend":..., "nodes":[...], "networks":[...], "total":{...}}. "" while profiling is
 * off. Owned by the session: valid until the next call on it. NULL for a NULL session. */
const char* xfv_last_profile_json(xfv_session* session);

#ifdef __cplusplus
}
#endif

#endif /* XFV_H */
