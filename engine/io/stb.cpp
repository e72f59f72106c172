// The one definition of stb_image (PNG decoding) and stb_image_write (PNG encoding). Only PNG
// is compiled in (image.cpp decodes JPEG with libjpeg): less code parsing untrusted files. Files
// are read and written by image.cpp itself, so stb's stdio functions are left out too.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#define STBI_WRITE_NO_STDIO

#include <stb_image.h>

// stb_image_write's writers start their context with `= { 0 }`, which -Wextra flags.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb_image_write.h>
#pragma GCC diagnostic pop
