// UTF-8 encoding and decoding of one code point: shared by the Jinja engine and the native
// codecs.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace bakeoff {

// Appends `c` (a Unicode scalar value; surrogates are encoded as given) to `out` in UTF-8.
inline void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// The code point starting at byte i of UTF-8 text and its length in bytes; an invalid byte
// decodes as itself (U+0080..U+00FF) with length 1, as Python-like str handling needs.
inline char32_t next_utf8_code_point(std::string_view s, size_t i, size_t* len) {
  auto c = static_cast<unsigned char>(s[i]);
  *len = 1;
  if (c < 0x80) return c;
  size_t n = c >= 0xF8 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (n == 0 || i + n >= s.size()) return c;
  char32_t cp = c & (0x3F >> n);
  for (size_t k = 1; k <= n; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return c;
    cp = (cp << 6) | (cc & 0x3F);
  }
  *len = n + 1;
  return cp;
}

}  // namespace bakeoff
