/* A C program against xfv.h: proves the header is C and the library links from C, and that
 * a model's lifetime holds from C: a failed open names the file; given a bundle, a session
 * keeps its model open (xfv_model_close refuses while it lives) and closing the session
 * first lets the model close.
 *
 *   c_client [BUNDLE.safetensors] */
#include <stdio.h>
#include <string.h>

#include "engine/include/xfv.h"

static int fail(const char* what) {
  fprintf(stderr, "c_client: %s: %s\n", what, xfv_last_error());
  return 1;
}

int main(int argc, char** argv) {
  xfv_model* missing = xfv_model_open("/nonexistent/w.safetensors", "cpu");
  if (missing != NULL || strstr(xfv_last_error(), "/nonexistent/w.safetensors") == NULL)
    return fail("expected a failure naming the file");
  printf("c_client: %s\n", xfv_last_error());
  if (argc < 2) return 0;

  xfv_model* model = xfv_model_open(argv[1], "cpu");
  if (!model) return fail("the bundle did not open");
  struct xfv_session_params params = xfv_session_default_params();
  params.byte_budget = 64 << 20;
  xfv_session* session = xfv_session_open(model, &params);
  if (!session) return fail("no session");
  if (xfv_model_close(model) != -1 || strstr(xfv_last_error(), "session") == NULL)
    return fail("expected xfv_model_close to refuse under an open session");
  printf("c_client: %s\n", xfv_last_error());
  const int domains = xfv_domain_count(model, "mapping_network");
  if (domains < 1) return fail("no domains");
  printf("c_client: %d domains of mapping_network, the last named '%s'\n", domains,
         xfv_domain_name(model, "mapping_network", domains - 1));
  xfv_session_close(session);
  if (xfv_model_close(model) != 0) return fail("the model did not close");
  printf("c_client: closed\n");
  return 0;
}
