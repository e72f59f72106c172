/* Streaming a voice through xfv from C (docs/embedding.md, "Streams"): a recording is read
 * in chunks of 20 ms, as a sound card would deliver it, pushed through a voice-conversion
 * stream and the converted samples pulled after each push into a WAV.
 *
 *   stream_example BUNDLE.safetensors IN.wav OUT.wav [SEED [DOMAIN [BACKEND]]]
 *
 * The style is that of the latent of SEED (default 3) through the mapping network's domain
 * DOMAIN (an index, default 0); BACKEND is "cpu" (the default), "sim" or "cuda". The stream
 * runs with the default parameters (xfv_stream_default_params) at the recording's rate. C99;
 * libsndfile reads and writes the files (any format it knows in, 32-bit float WAV out).
 * Every call is checked; a failure prints xfv_last_error() and exits with status 1. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <sndfile.h>

#include "xfv.h"

/* Pulls what the stream has ready into `out` (a buffer of `capacity` samples) and writes it.
 * The samples pulled, or -1. */
static int64_t drain(xfv_stream* stream, float* out, int64_t capacity, SNDFILE* file) {
  int64_t total = 0;
  while (xfv_stream_available(stream) > 0) {
    const int64_t n = xfv_stream_pull(stream, out, capacity);
    if (n < 0) return -1;
    if (sf_writef_float(file, out, n) != n) {
      fprintf(stderr, "stream_example: writing: %s\n", sf_strerror(file));
      return -1;
    }
    total += n;
  }
  return total;
}

int main(int argc, char** argv) {
  if (argc < 4 || argc > 7) {
    fprintf(stderr, "usage: %s BUNDLE.safetensors IN.wav OUT.wav [SEED [DOMAIN [BACKEND]]]\n", argv[0]);
    return 2;
  }
  const uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 3;
  const int domain = argc > 5 ? atoi(argv[5]) : 0;
  const char* backend = argc > 6 ? argv[6] : "cpu";
  int status = 1;
  xfv_model* model = NULL;
  xfv_session* session = NULL;
  xfv_stream* stream = NULL;
  SNDFILE* in = NULL;
  SNDFILE* out = NULL;
  float *latent = NULL, *style = NULL, *chunk = NULL, *converted = NULL;

  SF_INFO in_info = {0};
  in = sf_open(argv[2], SFM_READ, &in_info);
  if (!in || in_info.channels != 1) {
    fprintf(stderr, "stream_example: %s: %s\n", argv[2], in ? "not mono" : sf_strerror(NULL));
    goto done;
  }
  model = xfv_model_open(argv[1], backend);
  if (!model || !(session = xfv_session_open(model, NULL))) goto fail;
  latent = malloc(sizeof(float) * (size_t)xfv_latent_dim(model));
  style = malloc(sizeof(float) * (size_t)xfv_style_dim(model));
  if (!latent || !style) goto done;
  if (xfv_latent_from_seed(model, seed, latent) != 0) goto fail;
  if (xfv_style_from_latent(session, latent, domain, 1.f, style) != 0) goto fail;

  struct xfv_stream_params params = xfv_stream_default_params();
  params.input_rate = in_info.samplerate;
  params.chunk_samples = in_info.samplerate / 50; /* 20 ms */
  stream = xfv_stream_open(session, style, &params);
  if (!stream) goto fail;
  const int rate = xfv_stream_rate(stream);
  printf("stream: %d Hz in, %d Hz out, algorithmic latency %.1f ms\n", in_info.samplerate, rate,
         1000.0 * (double)xfv_stream_latency(stream) / rate);

  SF_INFO out_info = {0};
  out_info.samplerate = rate, out_info.channels = 1, out_info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  out = sf_open(argv[3], SFM_WRITE, &out_info);
  if (!out) {
    fprintf(stderr, "stream_example: %s: %s\n", argv[3], sf_strerror(NULL));
    goto done;
  }
  /* One chunk in gives at most its length times the rate ratio out, plus a step's worth. */
  const int64_t capacity = 4 * (int64_t)rate;
  chunk = malloc(sizeof(float) * (size_t)params.chunk_samples);
  converted = malloc(sizeof(float) * (size_t)capacity);
  if (!chunk || !converted) goto done;

  int64_t chunks = 0, written = 0, got;
  sf_count_t read;
  while ((read = sf_readf_float(in, chunk, params.chunk_samples)) > 0) {
    if (xfv_stream_push(stream, chunk, read) != 0 || (got = drain(stream, converted, capacity, out)) < 0) goto fail;
    ++chunks, written += got;
  }
  if (xfv_stream_flush(stream) != 0 || (got = drain(stream, converted, capacity, out)) < 0) goto fail;
  written += got;
  printf("converted %lld chunks of 20 ms into %lld samples: %s\n", (long long)chunks, (long long)written, argv[3]);
  status = 0;
  goto done;

fail:
  fprintf(stderr, "stream_example: %s\n", xfv_last_error());
done:
  xfv_stream_close(stream);
  xfv_session_close(session);
  if (xfv_model_close(model) != 0) status = 1;
  if (in) sf_close(in);
  if (out && sf_close(out) != 0) status = 1;
  if (out && status != 0) remove(argv[3]); /* no partial output */
  free(latent), free(style), free(chunk), free(converted);
  return status;
}
