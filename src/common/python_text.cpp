#include "common/python_text.h"

#include "common/utf8.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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
void append_escaped_u(std::string& out, unsigned cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u%04x", cp);
  out += buf;
}
}  // namespace

void append_json_string(std::string& out, std::string_view s, bool ensure_ascii) {
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
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHighs = 0x8080808080808080ull;
  // Per 64-bit word: is any byte zero / below n (exact as a yes-or-no for n <= 128).
  auto has_zero = [](uint64_t v) { return ((v - kOnes) & ~v & kHighs) != 0; };
  auto has_less = [](uint64_t v, uint64_t n) { return ((v - kOnes * n) & ~v & kHighs) != 0; };
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
