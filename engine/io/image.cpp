// Face images in and out, bit for bit as the StarGAN v2 reference's PIL + torchvision pipeline:
// PIL decodes and converts to RGB, Resize is PIL's antialiased bilinear resampling (reproduced
// here in its own fixed-point arithmetic, src/libImaging/Resample.c), ToTensor and Normalize
// map to [-1, 1]; saving is torchvision's save_image after denormalizing.
//
// JPEGs are decoded by libjpeg-turbo, the library PIL decodes them with, with PIL's settings:
// the same pixels. stb_image's JPEG decoder rounds its IDCT and color conversion differently
// (up to 3 levels on a 4:2:0 photo). PNG is lossless, so stb decodes it as PIL does.
#include "engine/io/image.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <vector>

#include "engine/io/atomic_write.h"
#include "engine/limits.h"

// After <cstdio>: jpeglib.h needs FILE and size_t declared.
#ifdef XFV_HAVE_JPEG  // libjpeg-turbo; a bare GPU build may lack it (CMakeLists.txt)
#include <jpeglib.h>
#include <jerror.h>
#endif

namespace xfv {
namespace {

// PIL's PRECISION_BITS: resampling weights are int32 with 22 fraction bits, leaving 8 bits for
// the pixel and 2 of headroom.
constexpr int kFractionBits = 22;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw FileError(path + ": " + what);
}

std::string os_error(int err) { return std::generic_category().message(err); }

std::string dims(int64_t w, int64_t h) { return std::to_string(w) + " x " + std::to_string(h); }

struct CloseFile {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, CloseFile>;

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "cannot read: " + ec.message());
  if (size == 0) fail(path, "empty file (0 bytes)");
  // stb takes the length as an int.
  if (size > INT_MAX) fail(path, "too large for an image file (" + std::to_string(size) + " bytes)");
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) fail(path, "cannot open: " + os_error(errno));
  std::vector<unsigned char> bytes(size);
  if (std::fread(bytes.data(), 1, bytes.size(), file.get()) != bytes.size())
    fail(path, "cannot read its " + std::to_string(size) + " bytes");
  return bytes;
}

// An 8-bit RGB image, pixels interleaved, rows top to bottom.
struct Rgb8 {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
};

#ifdef XFV_HAVE_JPEG
// libjpeg reports a fatal error through error_exit, which must not return: it longjmps back to
// the setjmp of the JpegDecoder step running, with the message kept here.
struct JpegErrors {
  jpeg_error_mgr mgr;  // first: libjpeg's pointer to it is a pointer to the whole
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void jpeg_fatal(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  errors->mgr.format_message(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}

// libjpeg decodes a truncated file as if it ended there, with a warning; PIL refuses it ("image
// file is truncated") and ignores the other warnings.
void jpeg_warning(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) jpeg_fatal(cinfo);
}

// One decompression in PIL's settings (libjpeg's defaults: the accurate integer IDCT, fancy
// upsampling). Each step holds its own setjmp, in a frame without C++ objects that the longjmp
// would skip; false means failed, with message() saying why.
class JpegDecoder {
 public:
  explicit JpegDecoder(const std::vector<unsigned char>& bytes) : bytes_(bytes) {
    cinfo_.err = jpeg_std_error(&errors_.mgr);
    errors_.mgr.error_exit = jpeg_fatal;
    errors_.mgr.emit_message = jpeg_warning;
  }
  ~JpegDecoder() { jpeg_destroy_decompress(&cinfo_); }  // safe on a never-created decoder
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;

  bool read_header() {
    if (setjmp(errors_.jump)) return false;
    jpeg_create_decompress(&cinfo_);
    jpeg_mem_src(&cinfo_, bytes_.data(), bytes_.size());
    jpeg_read_header(&cinfo_, TRUE);
    return true;
  }
  int width() const { return static_cast<int>(cinfo_.image_width); }
  int height() const { return static_cast<int>(cinfo_.image_height); }
  bool is_cmyk() const { return cinfo_.jpeg_color_space == JCS_CMYK || cinfo_.jpeg_color_space == JCS_YCCK; }

  // Gray is replicated to RGB, as PIL's convert("RGB") does.
  bool read_rgb(uint8_t* rgb) {
    if (setjmp(errors_.jump)) return false;
    cinfo_.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo_);
    while (cinfo_.output_scanline < cinfo_.output_height) {
      JSAMPROW row = rgb + size_t(cinfo_.output_scanline) * cinfo_.output_width * 3;
      jpeg_read_scanlines(&cinfo_, &row, 1);
    }
    jpeg_finish_decompress(&cinfo_);
    return true;
  }
  const char* message() const { return errors_.message; }

 private:
  const std::vector<unsigned char>& bytes_;
  jpeg_decompress_struct cinfo_{};
  JpegErrors errors_{};
};

#endif  // XFV_HAVE_JPEG

// Larger images are refused on their header, before the decoder allocates: no face photo is,
// and a hostile header could otherwise make it allocate gigabytes (engine/limits.h).
void check_size(const std::string& path, int w, int h) {
  if (w < 1 || h < 1) fail(path, "the header says the image is " + dims(w, h));
  if (w > kMaxImageSide || h > kMaxImageSide)
    fail(path, "the image is " + dims(w, h) + "; at most " + dims(kMaxImageSide, kMaxImageSide) + " is accepted");
  if (int64_t{w} * h > kMaxImagePixels)
    fail(path, "the image is " + dims(w, h) + "; at most " + std::to_string(kMaxImagePixels) + " pixels are accepted");
}

[[noreturn]] void fail_corrupt(const std::string& path, const char* why) {
  fail(path, std::string("cannot decode it, truncated or corrupt (") + why + ")");
}

#ifdef XFV_HAVE_JPEG
Rgb8 decode_jpeg(const std::string& path, const std::vector<unsigned char>& bytes) {
  JpegDecoder jpeg(bytes);
  if (!jpeg.read_header()) fail_corrupt(path, jpeg.message());
  check_size(path, jpeg.width(), jpeg.height());
  // PIL converts CMYK to RGB with its own formula, not libjpeg's.
  if (jpeg.is_cmyk()) fail(path, "CMYK JPEG: not supported, convert it to RGB first");
  Rgb8 img{jpeg.width(), jpeg.height(), std::vector<uint8_t>(size_t(jpeg.width()) * size_t(jpeg.height()) * 3)};
  if (!jpeg.read_rgb(img.pixels.data())) fail_corrupt(path, jpeg.message());
  return img;
}
#else
Rgb8 decode_jpeg(const std::string& path, const std::vector<unsigned char>&) {
  fail(path, "a JPEG, and this build of xfv has no JPEG decoder (built without libjpeg): convert it to PNG");
}
#endif

// stb_image trusts a PNG chunk's length: it grows its IDAT buffer to the length claimed before
// reading (a few bytes claiming 2 GB allocate 2 GB), and copies an empty first IDAT from a
// null buffer (undefined behaviour; found by fuzzing). So the chunks are walked first: each
// must fit in the bytes left, and no IDAT may be empty (docs/reliability.md).
void check_png_chunks(const std::string& path, const std::vector<unsigned char>& bytes) {
  constexpr size_t kSignature = 8, kHead = 8, kCrc = 4;  // a chunk: length, type, data, CRC
  for (size_t at = kSignature; bytes.size() - at >= kHead;) {
    const uint32_t length = uint32_t{bytes[at]} << 24 | uint32_t{bytes[at + 1]} << 16 |
                            uint32_t{bytes[at + 2]} << 8 | uint32_t{bytes[at + 3]};
    const std::string type(bytes.begin() + static_cast<std::ptrdiff_t>(at + 4),
                           bytes.begin() + static_cast<std::ptrdiff_t>(at + kHead));
    const size_t left = bytes.size() - at - kHead;
    if (uint64_t{length} + kCrc > left)
      fail_corrupt(path, ("PNG chunk '" + type + "' claims " + std::to_string(length) + " bytes and its CRC, " +
                          std::to_string(left) + " follow")
                             .c_str());
    if (type == "IDAT" && length == 0) fail_corrupt(path, "an empty PNG IDAT chunk");
    if (type == "IEND") return;
    at += kHead + length + kCrc;
  }
}

Rgb8 decode_png(const std::string& path, const std::vector<unsigned char>& bytes) {
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, channels = 0;
  if (!stbi_info_from_memory(bytes.data(), len, &w, &h, &channels))
    fail(path, std::string("not a JPEG or PNG image (") + stbi_failure_reason() + ")");
  check_size(path, w, h);
  check_png_chunks(path, bytes);
  // PIL opens a 16-bit gray PNG as 32-bit integers and clips them to 255 in convert("RGB"),
  // where stb keeps the high byte: refused rather than silently unlike the reference.
  if (channels == 1 && stbi_is_16_bit_from_memory(bytes.data(), len))
    fail(path, "16-bit grayscale PNG, which the reference (PIL) clips to 8 bits: convert it to 8 bits first");
  // Asking stb for 3 channels is PIL's convert("RGB"): gray is replicated (also from a
  // palette) and alpha dropped, not composited onto a background.
  int dw = 0, dh = 0, dc = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> data(stbi_load_from_memory(bytes.data(), len, &dw, &dh, &dc, 3),
                                                 stbi_image_free);
  if (!data) fail_corrupt(path, stbi_failure_reason());
  if (dw != w || dh != h) fail(path, "the header says " + dims(w, h) + " but " + dims(dw, dh) + " was decoded");
  return {w, h, std::vector<uint8_t>(data.get(), data.get() + size_t(w) * size_t(h) * 3)};
}

Rgb8 decode_rgb(const std::string& path, const std::vector<unsigned char>& bytes) {
  const bool jpeg = bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8;  // start of image
  return jpeg ? decode_jpeg(path, bytes) : decode_png(path, bytes);
}

// PIL's bilinear resampling weights along one axis (precompute_coeffs, normalize_coeffs_8bpc),
// in the same double arithmetic so that the same integers come out: output i reads `count[i]`
// inputs from `first[i]`, with weights `weights[i * stride ...]`.
struct Taps {
  int stride = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<int32_t> weights;
};

double triangle(double x) {
  x = std::abs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

Taps bilinear_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  // Downscaling stretches the triangle over `scale` input pixels: the antialiasing.
  const double filter_scale = std::max(scale, 1.0);
  const double support = filter_scale;
  Taps taps;
  taps.stride = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.weights.assign(size_t(out_size) * size_t(taps.stride), 0);
  std::vector<double> w(taps.stride);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    const double inv_scale = 1.0 / filter_scale;
    const int first = std::max(static_cast<int>(center - support + 0.5), 0);
    const int count = std::min(static_cast<int>(center + support + 0.5), in_size) - first;
    double total = 0.0;
    for (int k = 0; k < count; ++k) {
      w[k] = triangle((k + first - center + 0.5) * inv_scale);
      total += w[k];
    }
    for (int k = 0; k < count; ++k)
      taps.weights[size_t(i) * taps.stride + k] = static_cast<int32_t>(0.5 + w[k] / total * (1 << kFractionBits));
    taps.first.push_back(first);
    taps.count.push_back(count);
  }
  return taps;
}

// Byte distances between consecutive lines, and between consecutive pixels along the axis
// being resampled.
struct Layout {
  size_t line;
  size_t pixel;
};

// One pass of PIL's 8-bit resampling over `lines` lines of an interleaved RGB image: each
// output rounded and clamped to 8 bits, as PIL stores it between and after its passes.
void resample(const uint8_t* in, Layout in_layout, uint8_t* out, Layout out_layout, int lines, const Taps& taps) {
  for (int line = 0; line < lines; ++line) {
    for (size_t i = 0; i < taps.first.size(); ++i) {
      const int32_t* w = &taps.weights[i * taps.stride];
      const uint8_t* src = in + line * in_layout.line + taps.first[i] * in_layout.pixel;
      uint8_t* dst = out + line * out_layout.line + i * out_layout.pixel;
      for (int c = 0; c < 3; ++c) {
        int32_t acc = 1 << (kFractionBits - 1);
        for (int k = 0; k < taps.count[i]; ++k) acc += src[k * in_layout.pixel + c] * w[k];
        dst[c] = static_cast<uint8_t>(std::clamp(acc >> kFractionBits, 0, 255));
      }
    }
  }
}

// PIL's Image.resize((size, size), BILINEAR): the horizontal pass, then the vertical one; like
// PIL, a pass is skipped where that side already has the size.
Rgb8 resize(Rgb8 img, int size) {
  if (img.width != size) {
    Rgb8 out{size, img.height, std::vector<uint8_t>(size_t(size) * size_t(img.height) * 3)};
    resample(img.pixels.data(), {size_t(img.width) * 3, 3}, out.pixels.data(), {size_t(size) * 3, 3}, img.height,
             bilinear_taps(img.width, size));
    img = std::move(out);
  }
  if (img.height != size) {
    Rgb8 out{img.width, size, std::vector<uint8_t>(size_t(img.width) * size_t(size) * 3)};
    const size_t row = size_t(img.width) * 3;
    resample(img.pixels.data(), {3, row}, out.pixels.data(), {3, row}, img.width, bilinear_taps(img.height, size));
    img = std::move(out);
  }
  return img;
}

// torchvision's ToTensor then Normalize(0.5, 0.5), in their float32 order of operations.
HostTensor to_tensor(const Rgb8& img) {
  HostTensor t(Shape{1, 3, img.height, img.width});
  const size_t plane = size_t(img.width) * size_t(img.height);
  for (size_t p = 0; p < plane; ++p)
    for (size_t c = 0; c < 3; ++c) t.data[c * plane + p] = (img.pixels[p * 3 + c] / 255.0f - 0.5f) / 0.5f;
  return t;
}

// StarGAN v2's denormalize ((x + 1) / 2, clamped to [0, 1]) then torchvision's save_image
// (mul(255).add_(0.5).clamp_(0, 255), truncated to uint8), in float32 as they compute it.
uint8_t to_byte(float x) {
  const float unit = (x + 1.0f) / 2.0f;
  // NaN becomes 0: torch's clamp keeps it, and converting it to an integer is undefined.
  const float clamped = unit > 0.0f ? std::min(unit, 1.0f) : 0.0f;
  // At most 255.5, which truncates to 255: torchvision's second clamp changes nothing.
  return static_cast<uint8_t>(clamped * 255.0f + 0.5f);
}

std::vector<uint8_t> to_rgb8(const HostTensor& image, size_t plane) {
  std::vector<uint8_t> rgb(plane * 3);
  for (size_t p = 0; p < plane; ++p)
    for (size_t c = 0; c < 3; ++c) rgb[p * 3 + c] = to_byte(image.data[c * plane + p]);
  return rgb;
}

std::vector<unsigned char> encode_png(const std::string& path, const std::vector<uint8_t>& rgb, int w, int h) {
  std::vector<unsigned char> png;
  auto append = [](void* context, void* data, int size) {
    auto& out = *static_cast<std::vector<unsigned char>*>(context);
    const auto* bytes = static_cast<const unsigned char*>(data);
    out.insert(out.end(), bytes, bytes + size);
  };
  if (!stbi_write_png_to_func(append, &png, w, h, 3, rgb.data(), w * 3)) fail(path, "PNG encoding failed");
  return png;
}

// Written here rather than by stbi_write_png, which ignores write errors (a full disk would
// leave a truncated PNG under the real name), and written whole or not at all.
void write_png(const std::string& path, const std::vector<unsigned char>& png) {
  write_atomically(path, {std::string_view(reinterpret_cast<const char*>(png.data()), png.size())});
}

}  // namespace

HostTensor load_face_image(const std::string& path, int size) {
  if (size < 1 || size > kMaxImageSide)
    throw std::invalid_argument(path + ": cannot resize an image to " + dims(size, size));
  return load_face_image_bytes(read_bytes(path), path, size);
}

HostTensor load_face_image_bytes(const std::vector<unsigned char>& bytes, const std::string& name, int size) {
  if (size < 1 || size > kMaxImageSide)
    throw std::invalid_argument(name + ": cannot resize an image to " + dims(size, size));
  if (bytes.empty()) fail(name, "empty file (0 bytes)");
  if (bytes.size() > INT_MAX) fail(name, "too large for an image file (" + std::to_string(bytes.size()) + " bytes)");
  return to_tensor(resize(decode_rgb(name, bytes), size));
}

HostTensor face_from_rgb8(const uint8_t* rgb, int width, int height, int size) {
  if (!rgb) throw std::invalid_argument("face_from_rgb8: null pixel buffer");
  if (width < 1 || height < 1 || width > kMaxImageSide || height > kMaxImageSide || size < 1 || size > kMaxImageSide ||
      int64_t{width} * height > kMaxImagePixels)
    throw std::invalid_argument("face_from_rgb8: cannot resize an image of " + dims(width, height) + " to " +
                                dims(size, size));
  Rgb8 img{width, height, std::vector<uint8_t>(rgb, rgb + size_t(width) * size_t(height) * 3)};
  return to_tensor(resize(std::move(img), size));
}

std::vector<uint8_t> face_to_rgb8(const HostTensor& image) {
  const Shape& s = image.shape;
  if (s.rank != 4 || s[0] != 1 || s[1] != 3 || image.data.size() != size_t(s.numel()))
    throw std::invalid_argument("face_to_rgb8: expected a (1, 3, H, W) image, got " + s.str());
  return to_rgb8(image, size_t(s[2]) * size_t(s[3]));
}

void save_png(const std::string& path, const HostTensor& image) {
  const Shape& s = image.shape;
  if (s.rank != 4 || s[0] != 1 || s[1] != 3 || s[2] < 1 || s[3] < 1 || s[2] > kMaxImageSide || s[3] > kMaxImageSide)
    fail(path, "cannot save a tensor of shape " + s.str() + " as an image: expected (1, 3, H, W), H and W in 1.." +
                   std::to_string(kMaxImageSide));
  if (image.data.size() != size_t(s.numel()))
    fail(path, "the tensor holds " + std::to_string(image.data.size()) + " values, not the " +
                   std::to_string(s.numel()) + " of its shape " + s.str());
  const int h = static_cast<int>(s[2]), w = static_cast<int>(s[3]);
  write_png(path, encode_png(path, to_rgb8(image, size_t(w) * size_t(h)), w, h));
}

void save_mel_png(const std::string& path, const HostTensor& mel) {
  const Shape& s = mel.shape;
  if (s.rank != 4 || s[0] != 1 || s[1] != 1 || s[2] < 1 || s[3] < 1 || s[2] > kMaxImageSide || s[3] > kMaxImageSide ||
      mel.data.size() != size_t(s.numel()))
    fail(path, "cannot save a tensor of shape " + s.str() + " as a mel image: expected (1, 1, bands, frames)");
  const int bands = static_cast<int>(s[2]), frames = static_cast<int>(s[3]);
  const auto [lo, hi] = std::minmax_element(mel.data.begin(), mel.data.end());
  const float range = *hi > *lo ? *hi - *lo : 1.f;
  std::vector<uint8_t> rgb(size_t(bands) * size_t(frames) * 3);
  for (int row = 0; row < bands; ++row)
    for (int t = 0; t < frames; ++t) {
      const float v = mel.data[size_t(bands - 1 - row) * size_t(frames) + size_t(t)];  // low bands at the bottom
      const float level = std::isfinite(v) ? std::round((v - *lo) / range * 255.f) : 0.f;
      for (int ch = 0; ch < 3; ++ch) rgb[(size_t(row) * size_t(frames) + size_t(t)) * 3 + size_t(ch)] = uint8_t(level);
    }
  write_png(path, encode_png(path, rgb, frames, bands));
}

}  // namespace xfv
