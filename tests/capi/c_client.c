/* A C program against xfv.h: proves the header is C and the library links from C. */
#include <stdio.h>
#include <string.h>

#include "engine/include/xfv.h"

int main(void) {
  xfv_context* ctx = xfv_open("/nonexistent/w.safetensors", "cpu");
  if (ctx != NULL || strstr(xfv_last_error(), "/nonexistent/w.safetensors") == NULL) {
    fprintf(stderr, "c_client: expected a failure naming the file, got: %s\n", xfv_last_error());
    return 1;
  }
  printf("c_client: %s\n", xfv_last_error());
  return 0;
}
