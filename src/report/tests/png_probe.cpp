#include "png_probe.h"

#include <cstdint>
#include <cstdlib>
#include <vector>

#include <zlib.h>

namespace bakeoff::report::testing {
namespace {

uint32_t be32(const std::string& s, size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

int paeth(int a, int b, int c) {
  int p = a + b - c;
  int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

}  // namespace

PngProbe probe_png(const std::string& bytes) {
  PngProbe out;
  if (bytes.size() < 8 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
    out.error = "not a PNG";
    return out;
  }
  std::string idat;
  unsigned depth = 0, color = 0, interlace = 0;
  size_t at = 8;
  while (at + 8 <= bytes.size()) {
    uint32_t len = be32(bytes, at);
    std::string type = bytes.substr(at + 4, 4);
    if (at + 12 + len > bytes.size()) break;
    if (type == "IHDR") {
      out.width = be32(bytes, at + 8);
      out.height = be32(bytes, at + 12);
      depth = static_cast<unsigned char>(bytes[at + 16]);
      color = static_cast<unsigned char>(bytes[at + 17]);
      interlace = static_cast<unsigned char>(bytes[at + 20]);
    } else if (type == "IDAT") {
      idat += bytes.substr(at + 8, len);
    } else if (type == "IEND") {
      break;
    }
    at += 12 + len;
  }
  if (depth != 8 || (color != 2 && color != 6) || interlace != 0) {
    out.error = "unsupported PNG (need 8-bit RGB/RGBA, not interlaced)";
    return out;
  }
  const size_t channels = color == 6 ? 4 : 3;
  const size_t stride = out.width * channels;
  std::vector<unsigned char> raw((stride + 1) * out.height);
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) !=
          Z_OK ||
      raw_len != raw.size()) {
    out.error = "IDAT does not inflate to the image size";
    return out;
  }
  std::vector<unsigned char> prev(stride, 0), cur(stride);
  std::vector<unsigned char> last_row;
  for (size_t y = 0; y < out.height; ++y) {
    const unsigned char* line = &raw[y * (stride + 1)];
    unsigned filter = line[0];
    for (size_t i = 0; i < stride; ++i) {
      int a = i >= channels ? cur[i - channels] : 0;
      int b = prev[i];
      int c = i >= channels ? prev[i - channels] : 0;
      int x = line[1 + i];
      switch (filter) {
        case 0:
          break;
        case 1:
          x += a;
          break;
        case 2:
          x += b;
          break;
        case 3:
          x += (a + b) / 2;
          break;
        case 4:
          x += paeth(a, b, c);
          break;
        default:
          out.error = "bad filter type";
          return out;
      }
      cur[i] = static_cast<unsigned char>(x & 0xFF);
    }
    for (size_t px = 0; px < out.width; ++px) {
      const unsigned char* p = &cur[px * channels];
      if (p[0] < 240 || p[1] < 240 || p[2] < 240) ++out.non_white;
    }
    if (cur != prev) ++out.distinct_rows;
    prev = cur;
  }
  out.ok = true;
  return out;
}

}  // namespace bakeoff::report::testing
