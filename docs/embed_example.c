/* Embedding xfv from C (docs/embedding.md): the two cross-modal tasks of XFaVoT on synthetic
 * inputs, each a style call plus a task call.
 *
 *   embed_example BUNDLE.safetensors [DOMAIN [BACKEND]]
 *
 * DOMAIN is a domain name or index of the style encoders ("0" by default; "female" or
 * "male" on a bundle that names them), BACKEND "cpu" (the default), "sim" or "cuda".
 * C99, and nothing of xfv but xfv.h. Every call is checked; a failure prints
 * xfv_last_error() and exits with status 1. */
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

/* Prints the first characters of the profile of the last call, on one line. */
static void print_profile(xfv_context* ctx, const char* task) {
  const char* json = xfv_last_profile_json(ctx);
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

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    fprintf(stderr, "usage: %s BUNDLE.safetensors [DOMAIN [BACKEND]]\n", argv[0]);
    return 2;
  }
  const char* domain_name = argc > 2 ? argv[2] : "0";
  const char* backend = argc > 3 ? argv[3] : "cpu";
  int status = 1;
  uint8_t *rgb = NULL, *rgb_out = NULL;
  float *face = NULL, *face_out = NULL, *voice = NULL, *voice_out = NULL;
  float *voice_style = NULL, *face_style = NULL;

  xfv_context* ctx = xfv_open(argv[1], backend);
  if (!ctx) {
    fprintf(stderr, "embed_example: xfv_open failed: %s\n", xfv_last_error());
    return 1;
  }
  const int size = xfv_image_size(ctx), style_dim = xfv_style_dim(ctx), rate = xfv_voice_rate(ctx);
  if (size < 0 || style_dim < 0 || rate < 0) {
    fprintf(stderr, "embed_example: %s is no bundle of both modalities: %s\n", argv[1], xfv_last_error());
    goto done;
  }
  const int audio_domain = xfv_domain(ctx, "audio_style_encoder", domain_name);
  if (audio_domain < 0) {
    fprintf(stderr, "embed_example: %s\n", xfv_last_error());
    goto done;
  }
  const int image_domain = xfv_domain(ctx, "image_style_encoder", domain_name);
  if (image_domain < 0) {
    fprintf(stderr, "embed_example: %s\n", xfv_last_error());
    goto done;
  }
  printf("%s on %s: faces %d x %d, styles of %d, voices at %d Hz\n", argv[1], backend, size, size, style_dim, rate);

  /* A synthetic face: a 160 x 120 RGB gradient, which xfv_face_from_rgb8 resizes. */
  const int width = 160, height = 120;
  const size_t face_floats = (size_t)3 * size * size;
  rgb = malloc((size_t)width * height * 3);
  rgb_out = malloc((size_t)size * size * 3);
  face = malloc(face_floats * sizeof(float));
  face_out = malloc(face_floats * sizeof(float));
  voice_style = malloc((size_t)style_dim * sizeof(float));
  face_style = malloc((size_t)style_dim * sizeof(float));
  /* A synthetic voice: a 1.2 s chirp from 200 Hz to 2 kHz at 16 kHz (resampled by the library). */
  const int voice_rate = 16000;
  const int64_t voice_count = 19200;
  voice = malloc((size_t)voice_count * sizeof(float));
  if (!rgb || !rgb_out || !face || !face_out || !voice_style || !face_style || !voice) {
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
  CHECK(xfv_face_from_rgb8(ctx, rgb, width, height, face));
  const double seconds = (double)voice_count / voice_rate, f0 = 200, f1 = 2000;
  for (int64_t i = 0; i < voice_count; ++i) {
    const double t = (double)i / voice_rate;
    voice[i] = (float)(0.5 * sin(2 * 3.14159265358979 * (f0 * t + (f1 - f0) * t * t / (2 * seconds))));
  }

  CHECK(xfv_set_profiling(ctx, 1));

  /* Audio-guided image translation: the voice's style restyles the face. */
  printf("audio-guided image translation\n");
  CHECK(xfv_style_from_voice(ctx, voice, voice_count, voice_rate, audio_domain, voice_style));
  print_profile(ctx, "style");
  CHECK(xfv_translate_face(ctx, face, voice_style, face_out));
  print_profile(ctx, "task");
  CHECK(xfv_face_to_rgb8(ctx, face_out, rgb_out));
  printf("  translated face: %d x %d x 3 bytes of RGB\n", size, size);

  /* Image-guided voice conversion: the face's style converts the voice. */
  printf("image-guided voice conversion\n");
  CHECK(xfv_style_from_face(ctx, face, image_domain, face_style));
  print_profile(ctx, "style");
  const int64_t capacity = xfv_converted_samples(ctx, voice_count, voice_rate);
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
  CHECK(xfv_convert_voice(ctx, voice, voice_count, voice_rate, face_style, voice_out, capacity, &written));
  print_profile(ctx, "task");
  float peak = 0;
  for (int64_t i = 0; i < written; ++i) peak = fabsf(voice_out[i]) > peak ? fabsf(voice_out[i]) : peak;
  printf("  converted voice: %lld samples at %d Hz (%.2f s), peak %.3f\n", (long long)written, rate,
         (double)written / rate, peak);
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
  xfv_close(ctx);
  return status;
}
