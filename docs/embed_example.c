/* Embedding xfv from C (docs/embedding.md): the three tasks of XFaVoT on synthetic inputs,
 * each a style call plus a task call, on one session of a model.
 *
 *   embed_example BUNDLE.safetensors [DOMAIN [BACKEND]]
 *
 * DOMAIN is a domain name known to the style networks ("female" or "male" on a bundle that
 * names them so); without it each network's first domain (index 0) is taken. BACKEND is
 * "cpu" (the default), "sim" or "cuda". C99, and nothing of xfv but xfv.h. Every call is
 * checked; a failure prints xfv_last_error() and exits with status 1. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "xfv.h"

#define CHECK(call)                                                                    \
  do {                                                                                 \
    if ((call) != 0) {                                                                 \
      fprintf(stderr, "embed_example: %s failed: %s\n", #call, xfv_last_error());      \
      goto done;                                                                       \
    }                                                                                  \
  } while (0)

/* Prints the first characters of the profile of the last call on `session`, on one line. */
static void print_profile(xfv_session* session, const char* task) {
  const char* json = xfv_last_profile_json(session);
  if (!json) {
    fprintf(stderr, "embed_example: xfv_last_profile_json failed: %s\n", xfv_last_error());
    return;
  }
  printf("  profile of the %s call: ", task);
  int shown = 0;
  for (const char* c = json; *c && shown < 100; ++c) {
    if (*c == '\n' || (*c == ' ' && (c[1] == ' ' || (c > json && c[-1] == '\n')))) continue; /* pretty-printed */
    putchar(*c);
    ++shown;
  }
  printf("...\n");
}

/* The domain of `network` named `name`, or its first (index 0) when no name is given; -1
 * (with the message printed) when the network lacks it. */
static int find_domain(const xfv_model* model, const char* network, const char* name) {
  const int domain = name ? xfv_domain(model, network, name) : 0;
  const char* found = domain >= 0 ? xfv_domain_name(model, network, domain) : NULL;
  if (!found) {
    fprintf(stderr, "embed_example: %s\n", xfv_last_error());
    return -1;
  }
  printf("  %s: domain %d ('%s') of %d\n", network, domain, found, xfv_domain_count(model, network));
  return domain;
}

static double megabytes(int64_t bytes) { return (double)bytes / 1e6; }

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    fprintf(stderr, "usage: %s BUNDLE.safetensors [DOMAIN [BACKEND]]\n", argv[0]);
    return 2;
  }
  const char* domain_name = argc > 2 ? argv[2] : NULL;
  const char* backend = argc > 3 ? argv[3] : "cpu";
  int status = 1;
  uint8_t *rgb = NULL, *rgb_out = NULL;
  float *face = NULL, *face_out = NULL, *voice = NULL, *voice_out = NULL;
  float *voice_style = NULL, *face_style = NULL, *latent = NULL, *latent_style = NULL;
  xfv_session* session = NULL;

  /* The model: the file's weights on the backend, shared by every session of it. */
  xfv_model* model = xfv_model_open(argv[1], backend);
  if (!model) {
    fprintf(stderr, "embed_example: xfv_model_open failed: %s\n", xfv_last_error());
    return 1;
  }
  const int size = xfv_image_size(model), style_dim = xfv_style_dim(model), rate = xfv_voice_rate(model);
  const int latent_dim = xfv_latent_dim(model);
  if (size < 0 || style_dim < 0 || rate < 0 || latent_dim < 0) {
    fprintf(stderr, "embed_example: %s is no bundle of both modalities: %s\n", argv[1], xfv_last_error());
    goto done;
  }
  printf("%s on %s: faces %d x %d, styles of %d, latents of %d, voices at %d Hz\n", argv[1], backend, size, size,
         style_dim, latent_dim, rate);
  const int audio_domain = find_domain(model, "audio_style_encoder", domain_name);
  const int image_domain = find_domain(model, "image_style_encoder", domain_name);
  const int latent_domain = find_domain(model, "mapping_network", domain_name);
  if (audio_domain < 0 || image_domain < 0 || latent_domain < 0) goto done;

  /* A session: this thread's compiled networks, noise seed and profile. */
  struct xfv_session_params params = xfv_session_default_params();
  params.profiling = 1;
  session = xfv_session_open(model, &params);
  if (!session) {
    fprintf(stderr, "embed_example: xfv_session_open failed: %s\n", xfv_last_error());
    goto done;
  }

  /* A synthetic face: a 160 x 120 RGB gradient, which xfv_face_from_rgb8 resizes. */
  const int width = 160, height = 120;
  const size_t face_floats = (size_t)3 * size * size;
  rgb = malloc((size_t)width * height * 3);
  rgb_out = malloc((size_t)size * size * 3);
  face = malloc(face_floats * sizeof(float));
  face_out = malloc(face_floats * sizeof(float));
  voice_style = malloc((size_t)style_dim * sizeof(float));
  face_style = malloc((size_t)style_dim * sizeof(float));
  latent_style = malloc((size_t)style_dim * sizeof(float));
  latent = malloc((size_t)latent_dim * sizeof(float));
  /* A synthetic voice: a 1.2 s chirp from 200 Hz to 2 kHz at 16 kHz (resampled by the library). */
  const int voice_rate = 16000;
  const int64_t voice_count = 19200;
  voice = malloc((size_t)voice_count * sizeof(float));
  if (!rgb || !rgb_out || !face || !face_out || !voice_style || !face_style || !latent_style || !latent || !voice) {
    fprintf(stderr, "embed_example: out of memory\n");
    goto done;
  }
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      uint8_t* p = rgb + ((size_t)y * width + x) * 3;
      p[0] = (uint8_t)(255 * x / (width - 1));
      p[1] = (uint8_t)(255 * y / (height - 1));
      p[2] = 128;
    }
  CHECK(xfv_face_from_rgb8(model, rgb, width, height, face));
  const double seconds = (double)voice_count / voice_rate, f0 = 200, f1 = 2000;
  for (int64_t i = 0; i < voice_count; ++i) {
    const double t = (double)i / voice_rate;
    voice[i] = (float)(0.5 * sin(2 * 3.14159265358979 * (f0 * t + (f1 - f0) * t * t / (2 * seconds))));
  }

  /* Audio-guided image translation: the voice's style restyles the face. */
  printf("audio-guided image translation\n");
  CHECK(xfv_style_from_voice(session, voice, voice_count, voice_rate, audio_domain, voice_style));
  print_profile(session, "style");
  CHECK(xfv_translate_face(session, face, voice_style, face_out));
  print_profile(session, "task");
  CHECK(xfv_face_to_rgb8(model, face_out, rgb_out));
  printf("  translated face: %d x %d x 3 bytes of RGB\n", size, size);

  /* Image-guided voice conversion: the face's style converts the voice. */
  printf("image-guided voice conversion\n");
  CHECK(xfv_style_from_face(session, face, image_domain, face_style));
  print_profile(session, "style");
  const int64_t capacity = xfv_converted_samples(model, voice_count, voice_rate);
  if (capacity < 0) {
    fprintf(stderr, "embed_example: xfv_converted_samples failed: %s\n", xfv_last_error());
    goto done;
  }
  voice_out = malloc((size_t)capacity * sizeof(float));
  if (!voice_out) {
    fprintf(stderr, "embed_example: out of memory\n");
    goto done;
  }
  int64_t written = 0;
  CHECK(xfv_convert_voice(session, voice, voice_count, voice_rate, face_style, voice_out, capacity, &written));
  print_profile(session, "task");
  float peak = 0;
  for (int64_t i = 0; i < written; ++i) peak = fabsf(voice_out[i]) > peak ? fabsf(voice_out[i]) : peak;
  printf("  converted voice: %lld samples at %d Hz (%.2f s), peak %.3f\n", (long long)written, rate,
         (double)written / rate, peak);

  /* Latent-guided generation: a random latent's style, truncated halfway to the domain's
   * mean style, restyles the face. */
  printf("latent-guided generation\n");
  CHECK(xfv_latent_from_seed(model, 1, latent));
  CHECK(xfv_style_from_latent(session, latent, latent_domain, 0.5f, latent_style));
  CHECK(xfv_translate_face(session, face, latent_style, face_out));
  printf("  generated face: %d x %d, from the latent of seed 1\n", size, size);

  /* What the model holds once for all its sessions, and what this session keeps. */
  printf("memory: weights %.1f MB on the host, %.1f MB on %s; this session's graphs %.1f MB"
         " (the image generator's %.1f MB)\n",
         megabytes(xfv_model_host_bytes(model, NULL)), megabytes(xfv_model_backend_bytes(model, NULL)), backend,
         megabytes(xfv_session_bytes(session, NULL)), megabytes(xfv_session_bytes(session, "image_generator")));

  /* The session first: a model refuses to close while a session of it is open. */
  xfv_session_close(session);
  session = NULL;
  CHECK(xfv_model_close(model));
  model = NULL;
  printf("session and model closed\n");
  status = 0;

done:
  free(rgb);
  free(rgb_out);
  free(face);
  free(face_out);
  free(voice);
  free(voice_out);
  free(voice_style);
  free(face_style);
  free(latent);
  free(latent_style);
  xfv_session_close(session);
  xfv_model_close(model);
  return status;
}
