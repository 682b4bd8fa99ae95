#include "jinja/unicode.h"

#include <locale.h>
#include <wctype.h>
#include <cstdint>
#include <cstring>

namespace bakeoff::jinja::unicode {
namespace {

// glibc's C.UTF-8 locale carries the full Unicode simple case tables; one shared handle.
locale_t utf8_locale() {
  static locale_t loc = [] {
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (l == static_cast<locale_t>(nullptr)) l = newlocale(LC_CTYPE_MASK, "C", nullptr);
    return l;
  }();
  return loc;
}

char32_t simple_upper(char32_t c) {
  if (c < 128) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  return static_cast<char32_t>(towupper_l(static_cast<wint_t>(c), utf8_locale()));
}
char32_t simple_lower(char32_t c) {
  if (c < 128) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  return static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), utf8_locale()));
}

// Python's full (SpecialCasing) upper mappings that expand to several characters.
bool special_upper(char32_t c, std::u32string& out, bool title) {
  switch (c) {
    case 0x00DF:
      out += title ? U"Ss" : U"SS";
      return true;
    case 0xFB00:
      out += title ? U"Ff" : U"FF";
      return true;
    case 0xFB01:
      out += title ? U"Fi" : U"FI";
      return true;
    case 0xFB02:
      out += title ? U"Fl" : U"FL";
      return true;
    case 0xFB03:
      out += title ? U"Ffi" : U"FFI";
      return true;
    case 0xFB04:
      out += title ? U"Ffl" : U"FFL";
      return true;
    case 0xFB05:
    case 0xFB06:
      out += title ? U"St" : U"ST";
      return true;
    case 0x0149:
      out += U"\u02BCN";
      return true;
    case 0x01F0:
      out += U"J\u030C";
      return true;
    case 0x0587:
      out += title ? U"\u0535\u0582" : U"\u0535\u0552";
      return true;
    case 0x1E96:
      out += U"H\u0331";
      return true;
    case 0x1E97:
      out += U"T\u0308";
      return true;
    case 0x1E98:
      out += U"W\u030A";
      return true;
    case 0x1E99:
      out += U"Y\u030A";
      return true;
    case 0x1E9A:
      out += U"A\u02BE";
      return true;
    case 0x0390:
      out += U"\u0399\u0308\u0301";
      return true;
    case 0x03B0:
      out += U"\u03A5\u0308\u0301";
      return true;
    default:
      return false;
  }
}

// Titlecase differs from uppercase for the Latin digraphs.
char32_t simple_title(char32_t c) {
  switch (c) {
    case 0x01C4:
    case 0x01C5:
    case 0x01C6:
      return 0x01C5;
    case 0x01C7:
    case 0x01C8:
    case 0x01C9:
      return 0x01C8;
    case 0x01CA:
    case 0x01CB:
    case 0x01CC:
      return 0x01CB;
    case 0x01F1:
    case 0x01F2:
    case 0x01F3:
      return 0x01F2;
    default:
      return simple_upper(c);
  }
}

void append_upper(std::u32string& out, char32_t c, bool title) {
  if (special_upper(c, out, title)) return;
  out += title ? simple_title(c) : simple_upper(c);
}

// Python's lower: U+0130 expands, and a capital sigma at the end of a word becomes final sigma.
void append_lower(std::u32string& out, const std::u32string& s, size_t i) {
  char32_t c = s[i];
  if (c == 0x0130) {
    out += U"i\u0307";
    return;
  }
  if (c == 0x03A3) {
    bool before = false;
    for (size_t j = i; j-- > 0;) {
      if (is_cased(s[j])) {
        before = true;
        break;
      }
      if (s[j] != '\'' && s[j] != 0x2019 && s[j] != 0xAD) break;
    }
    bool after = false;
    for (size_t j = i + 1; j < s.size(); ++j) {
      if (is_cased(s[j])) {
        after = true;
        break;
      }
      if (s[j] != '\'' && s[j] != 0x2019 && s[j] != 0xAD) break;
    }
    out += (before && !after) ? char32_t{0x03C2} : char32_t{0x03C3};
    return;
  }
  out += simple_lower(c);
}

}  // namespace

bool is_ascii(std::string_view s) {
  // Eight bytes at a time: templates test and measure whole message contents.
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, 8);
    if ((w & 0x8080808080808080ull) != 0) return false;
  }
  for (; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) >= 0x80) return false;
  }
  return true;
}

// One code point at s[i]; an invalid byte stands for itself (length 1).
std::u32string decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t len = 1;
    out += next_code_point(s, i, &len);
    i += len;
  }
  return out;
}

std::string encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

size_t length(std::string_view s) {
  // Code points are the bytes that are not UTF-8 continuation bytes (10xxxxxx), counted eight
  // at a time: `message['content']|length` measures whole messages.
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  size_t continuations = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, 8);
    if ((w & kHigh) == 0) continue;  // ASCII
    // Top bit set and the next bit clear, per byte.
    continuations += static_cast<size_t>(__builtin_popcountll(w & ~(w << 1) & kHigh));
  }
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++continuations;
  }
  return s.size() - continuations;
}

bool is_space(char32_t c) {
  if (c < 128) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_cased(char32_t c) {
  if (c < 128) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return iswupper_l(static_cast<wint_t>(c), utf8_locale()) ||
         iswlower_l(static_cast<wint_t>(c), utf8_locale()) || (c >= 0x01C5 && c <= 0x01CB);
}
bool is_alpha(char32_t c) {
  if (c < 128) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return iswalpha_l(static_cast<wint_t>(c), utf8_locale());
}
bool is_digit(char32_t c) {
  if (c < 128) return c >= '0' && c <= '9';
  return iswdigit_l(static_cast<wint_t>(c), utf8_locale());
}
bool is_alnum(char32_t c) {
  return is_alpha(c) || is_digit(c);
}

std::string upper(std::string_view s) {
  if (is_ascii(s)) {
    std::string out(s);
    for (char& c : out) c = ascii_cased(c, true);
    return out;
  }
  std::u32string in = decode(s), out;
  for (char32_t c : in) append_upper(out, c, false);
  return encode(out);
}

std::string lower(std::string_view s) {
  if (is_ascii(s)) {
    std::string out(s);
    for (char& c : out) c = ascii_cased(c, false);
    return out;
  }
  std::u32string in = decode(s), out;
  for (size_t i = 0; i < in.size(); ++i) append_lower(out, in, i);
  return encode(out);
}

std::string title(std::string_view s) {
  std::u32string in = decode(s), out;
  bool prev_cased = false;
  for (size_t i = 0; i < in.size(); ++i) {
    char32_t c = in[i];
    bool cased = is_cased(c);
    if (prev_cased) {
      append_lower(out, in, i);
    } else {
      append_upper(out, c, true);
    }
    prev_cased = cased;
  }
  return encode(out);
}

std::string capitalize(std::string_view s) {
  std::u32string in = decode(s), out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (i == 0) {
      append_upper(out, in[i], true);
    } else {
      append_lower(out, in, i);
    }
  }
  return encode(out);
}

std::string swapcase(std::string_view s) {
  std::u32string in = decode(s), out;
  for (size_t i = 0; i < in.size(); ++i) {
    char32_t c = in[i];
    if (iswupper_l(static_cast<wint_t>(c), utf8_locale())) {
      append_lower(out, in, i);
    } else if (iswlower_l(static_cast<wint_t>(c), utf8_locale())) {
      append_upper(out, c, false);
    } else {
      out += c;
    }
  }
  return encode(out);
}

bool is_upper(std::string_view s) {
  bool any = false;
  for (char32_t c : decode(s)) {
    if (iswlower_l(static_cast<wint_t>(c), utf8_locale())) return false;
    if (iswupper_l(static_cast<wint_t>(c), utf8_locale())) any = true;
  }
  return any;
}
bool is_lower(std::string_view s) {
  bool any = false;
  for (char32_t c : decode(s)) {
    if (iswupper_l(static_cast<wint_t>(c), utf8_locale())) return false;
    if (iswlower_l(static_cast<wint_t>(c), utf8_locale())) any = true;
  }
  return any;
}

std::string_view strip(std::string_view s, const std::string* chars, bool left, bool right) {
  if (chars == nullptr) {
    // Walk in from both ends only, decoding a code point just where a non-ASCII byte sits.
    size_t b = 0, e = s.size();
    if (left) {
      while (b < e) {
        auto c = static_cast<unsigned char>(s[b]);
        if (c < 0x80) {
          if (!is_space(c)) break;
          ++b;
          continue;
        }
        size_t len = 1;
        if (!is_space(next_code_point(s, b, &len))) break;
        b += len;
      }
    }
    if (right) {
      while (e > b) {
        auto c = static_cast<unsigned char>(s[e - 1]);
        if (c < 0x80) {
          if (!is_space(c)) break;
          --e;
          continue;
        }
        size_t start = e - 1;
        while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
        size_t len = 1;
        char32_t cp = next_code_point(s, start, &len);
        if (start + len != e || !is_space(cp)) break;
        e = start;
      }
    }
    return s.substr(b, e - b);
  }
  // Given characters: walk in from the ends just as far as they reach, a code point at a time
  // (no decoding of the text in between).
  const std::u32string set = decode(*chars);
  auto drop = [&](char32_t c) { return set.find(c) != std::u32string::npos; };
  size_t b = 0, e = s.size();
  if (left) {
    while (b < e) {
      size_t len = 1;
      if (!drop(next_code_point(s, b, &len))) break;
      b += len;
    }
  }
  if (right) {
    while (e > b) {
      size_t start = e - 1;
      while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
      size_t len = 1;
      const char32_t cp = next_code_point(s, start, &len);
      if (start + len != e || !drop(cp)) break;
      e = start;
    }
  }
  return s.substr(b, e - b);
}

}  // namespace bakeoff::jinja::unicode
