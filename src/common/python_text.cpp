#include "common/python_text.h"

#include "common/utf8.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bakeoff {

void append_python_float_repr(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "nan";
    return;
  }
  if (std::isinf(v)) {
    out += v < 0 ? "-inf" : "inf";
    return;
  }
  // Shortest round-trip digits, then Python's rule: fixed notation for 1e-4 <= |v| < 1e16.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  bool negative = !sci.empty() && sci[0] == '-';
  if (negative) sci.remove_prefix(1);
  size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos)) {
    if (c != '.') digits += c;
  }
  int exp10 = std::atoi(std::string(sci.substr(epos + 1)).c_str());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int decpt = exp10 + 1;
  if (negative) out += '-';
  if (v == 0) {
    out += "0.0";
    return;
  }
  if (decpt > -4 + 0 && decpt <= 16 && !(decpt <= -4)) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<size_t>(-decpt), '0');
      out += digits;
    } else if (static_cast<size_t>(decpt) >= digits.size()) {
      out += digits;
      out.append(static_cast<size_t>(decpt) - digits.size(), '0');
      out += ".0";
    } else {
      out += digits.substr(0, static_cast<size_t>(decpt));
      out += '.';
      out += digits.substr(static_cast<size_t>(decpt));
    }
    return;
  }
  out += digits[0];
  if (digits.size() > 1) {
    out += '.';
    out += digits.substr(1);
  }
  int e = decpt - 1;
  out += e < 0 ? "e-" : "e+";
  int ae = e < 0 ? -e : e;
  if (ae < 10) out += '0';
  out += std::to_string(ae);
}

std::string python_float_repr(double v) {
  std::string s;
  append_python_float_repr(s, v);
  return s;
}

namespace {
constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;
// Per 64-bit word: is any byte zero / below n (exact as a yes-or-no for n <= 128).
bool has_zero(uint64_t v) {
  return ((v - kOnes) & ~v & kHighs) != 0;
}
bool has_less(uint64_t v, uint64_t n) {
  return ((v - kOnes * n) & ~v & kHighs) != 0;
}

#if defined(__SSE2__)
// Calls `plain` on all of s, sixteen bytes at a time, until it returns false: whole blocks,
// then the last sixteen bytes (overlapping: the checks here may see a byte twice). A shorter
// string is loaded as two overlapping halves, or byte by byte padded with spaces (which every
// check here passes), never through a stack copy: a store-to-load stall costs more than a scan.
// With kCopy, each block that passes is also stored to `to` at its offset, so that a string that
// needs no escape is scanned and copied in one pass (to must have room for s.size() bytes; a
// failed scan leaves part of it written).
template <bool kCopy, typename Plain>
bool scan_blocks(char* to, std::string_view s, Plain&& plain) {
  const char* p = s.data();
  const size_t n = s.size();
  if (n >= 16) {
    auto block_at = [&](size_t i) {
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      if (!plain(w)) return false;
      if constexpr (kCopy) _mm_storeu_si128(reinterpret_cast<__m128i*>(to + i), w);
      return true;
    };
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      if (!block_at(i)) return false;
    }
    return i == n || block_at(n - 16);
  }
  if (n >= 8) {
    int64_t lo = 0;
    int64_t hi = 0;
    std::memcpy(&lo, p, 8);
    std::memcpy(&hi, p + n - 8, 8);
    if (!plain(_mm_set_epi64x(hi, lo))) return false;
    if constexpr (kCopy) {
      std::memcpy(to, &lo, 8);
      std::memcpy(to + n - 8, &hi, 8);
    }
    return true;
  }
  if (n >= 4) {
    int32_t lo = 0;
    int32_t hi = 0;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    if (!plain(_mm_set_epi32(hi, lo, hi, lo))) return false;
    if constexpr (kCopy) {
      std::memcpy(to, &lo, 4);
      std::memcpy(to + n - 4, &hi, 4);
    }
    return true;
  }
  auto at = [&](size_t k) { return k < n ? p[k] : ' '; };
  if (!plain(_mm_setr_epi8(at(0), at(1), at(2), ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
                           ' ', ' ', ' '))) {
    return false;
  }
  if constexpr (kCopy) {
    for (size_t k = 0; k < n; ++k) to[k] = p[k];
  }
  return true;
}

template <typename Plain>
bool all_blocks(std::string_view s, Plain&& plain) {
  return scan_blocks<false>(nullptr, s, plain);
}

// The block checks. repr: printable ASCII other than the backslash, noting the quotes seen.
struct ReprPlain {
  __m128i singles_seen = _mm_setzero_si128();
  __m128i doubles_seen = _mm_setzero_si128();
  bool operator()(__m128i w) {
    // As signed bytes, everything at or above 0x80 is below 0x20 too.
    const __m128i bad = _mm_or_si128(_mm_cmplt_epi8(w, _mm_set1_epi8(0x20)),
                                     _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8(0x7F)),
                                                  _mm_cmpeq_epi8(w, _mm_set1_epi8('\\'))));
    singles_seen = _mm_or_si128(singles_seen, _mm_cmpeq_epi8(w, _mm_set1_epi8('\'')));
    doubles_seen = _mm_or_si128(doubles_seen, _mm_cmpeq_epi8(w, _mm_set1_epi8('"')));
    return _mm_movemask_epi8(bad) == 0;
  }
  // The quote repr uses, or 0 when both occur (then it escapes).
  char quote() const {
    const bool single = _mm_movemask_epi8(singles_seen) != 0;
    const bool dbl = _mm_movemask_epi8(doubles_seen) != 0;
    if (single && dbl) return 0;
    return single ? '"' : '\'';
  }
};

// json.dumps: no control byte, quote or backslash, and (with ensure_ascii) nothing outside
// ASCII.
struct JsonPlain {
  bool ensure_ascii;
  bool operator()(__m128i w) const {
    // Unsigned w <= 0x1F; with ensure_ascii, any byte with its top bit set.
    __m128i bad = _mm_cmpeq_epi8(_mm_min_epu8(w, _mm_set1_epi8(0x1F)), w);
    bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('\\')),
                                         _mm_cmpeq_epi8(w, _mm_set1_epi8('"'))));
    int mask = _mm_movemask_epi8(bad);
    // ensure_ascii escapes DEL and everything above ASCII.
    if (ensure_ascii) {
      mask |= _mm_movemask_epi8(w) | _mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8(0x7F)));
    }
    return mask == 0;
  }
};
#endif
}  // namespace

bool repr_copies_unchanged(std::string_view s, char* quote) {
#if defined(__SSE2__)
  ReprPlain plain;
  if (!all_blocks(s, plain)) return false;
  *quote = plain.quote();
  return *quote != 0;
#else
  bool single = false;
  bool dbl = false;
  const uint64_t singles = kOnes * static_cast<unsigned char>('\'');
  const uint64_t doubles = kOnes * static_cast<unsigned char>('"');
  const uint64_t backslashes = kOnes * static_cast<unsigned char>('\\');
  const uint64_t deletes = kOnes * 0x7Fu;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, 8);
    if ((w & kHighs) != 0 || has_less(w, 0x20) || has_zero(w ^ backslashes) ||
        has_zero(w ^ deletes)) {
      return false;
    }
    single = single || has_zero(w ^ singles);
    dbl = dbl || has_zero(w ^ doubles);
  }
  for (; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 || b >= 0x7F || b == '\\') return false;
    single = single || b == '\'';
    dbl = dbl || b == '"';
  }
  if (single && dbl) return false;
  *quote = single ? '"' : '\'';
  return true;
#endif
}

namespace {
// Whether json.dumps copies s unchanged between its quotes: no control byte, quote or
// backslash, and (with ensure_ascii) nothing outside ASCII.
bool json_copies_unchanged(std::string_view s, bool ensure_ascii) {
#if defined(__SSE2__)
  return all_blocks(s, JsonPlain{ensure_ascii});
#else
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == '"' || b == '\\' || (ensure_ascii && b >= 0x7F)) return false;
  }
  return true;
#endif
}
}  // namespace

size_t copy_json_plain(char* to, std::string_view s, bool ensure_ascii) {
#if defined(__SSE2__)
  if (!scan_blocks<true>(to + 1, s, JsonPlain{ensure_ascii})) return 0;
#else
  if (!json_copies_unchanged(s, ensure_ascii)) return 0;
  if (!s.empty()) std::memcpy(to + 1, s.data(), s.size());
#endif
  to[0] = '"';
  to[s.size() + 1] = '"';
  return s.size() + 2;
}

size_t copy_repr_plain(char* to, std::string_view s) {
  char quote = 0;
#if defined(__SSE2__)
  ReprPlain plain;
  if (!scan_blocks<true>(to + 1, s, plain)) return 0;
  quote = plain.quote();
  if (quote == 0) return 0;
#else
  if (!repr_copies_unchanged(s, &quote)) return 0;
  if (!s.empty()) std::memcpy(to + 1, s.data(), s.size());
#endif
  to[0] = quote;
  to[s.size() + 1] = quote;
  return s.size() + 2;
}

void append_quoted(std::string& out, std::string_view s, char quote) {
  const size_t at = out.size();
  out.resize(at + s.size() + 2);
  char* p = out.data() + at;
  *p = quote;
  if (!s.empty()) std::memcpy(p + 1, s.data(), s.size());
  p[s.size() + 1] = quote;
}

namespace {
void append_escaped_u(std::string& out, unsigned cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u%04x", cp);
  out += buf;
}
}  // namespace

void append_json_string(std::string& out, std::string_view s, bool ensure_ascii) {
  if (json_copies_unchanged(s, ensure_ascii)) {  // most strings: keys, names, descriptions
    append_quoted(out, s, '"');
    return;
  }
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    // A run that needs no escape (most of any text) is copied whole.
    const size_t run = plain_ascii_run(s, i, '"');
    if (run > i) {
      out.append(s.data() + i, run - i);
      i = run;
      if (i == s.size()) break;
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20 || (ensure_ascii && c == 0x7F)) {
            append_escaped_u(out, c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    size_t len = 1;
    char32_t cp = next_utf8_code_point(s, i, &len);
    if (ensure_ascii) {
      if (cp >= 0x10000) {
        char32_t v = cp - 0x10000;
        append_escaped_u(out, 0xD800 | (v >> 10));
        append_escaped_u(out, 0xDC00 | (v & 0x3FF));
      } else {
        append_escaped_u(out, cp);
      }
    } else {
      out.append(s.data() + i, len);
    }
    i += len;
  }
  out += '"';
}

size_t plain_ascii_run(std::string_view s, size_t from, char quote) {
  const uint64_t quotes = kOnes * static_cast<unsigned char>(quote);
  const uint64_t backslashes = kOnes * static_cast<unsigned char>('\\');
  const uint64_t deletes = kOnes * 0x7Fu;
  size_t i = from;
  while (i + 8 <= s.size()) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, 8);
    if ((w & kHighs) != 0 || has_less(w, 0x20) || has_zero(w ^ quotes) ||
        has_zero(w ^ backslashes) || has_zero(w ^ deletes)) {
      break;
    }
    i += 8;
  }
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 || b >= 0x7F || b == static_cast<unsigned char>(quote) || b == '\\') break;
    ++i;
  }
  return i;
}

}  // namespace bakeoff
