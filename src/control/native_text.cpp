#include "control/native_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace bakeoff::control {
namespace {

// Shortest round-trip digits and decimal exponent of a finite double: value = 0.d1d2… × 10^(exp+1).
struct Decimal {
  std::string digits;
  int exponent = 0;  // exponent of the first digit (scientific form d.ddd × 10^exponent)
};

Decimal shortest_decimal(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  Decimal d;
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  d.exponent = std::stoi(s.substr(e + 1));
  for (char c : mant)
    if (c >= '0' && c <= '9') d.digits.push_back(c);
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  return d;
}

std::string fmt_integral(double a) {
  char buf[400];
  auto res = std::to_chars(buf, buf + sizeof buf, a, std::chars_format::fixed, 0);
  return std::string(buf, res.ptr);
}

std::string python_float(double v, const ValueStyle& style) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string sign = std::signbit(v) ? "-" : "";
  double a = std::fabs(v);
  bool integral = a == std::floor(a);
  if (style.float_as_int && integral && a < 1e16) {
    // Go prints an integral float64 with %d: 2.0 -> 2, -0.0 -> 0.
    return a == 0 ? "0" : sign + fmt_integral(a);
  }
  if (a == 0) return sign + "0.0";
  Decimal d = shortest_decimal(a);
  int n = static_cast<int>(d.digits.size());
  if (style.exp_expanded && integral && d.exponent >= 16) {
    return sign + d.digits + std::string(static_cast<size_t>(d.exponent + 1 - n), '0');
  }
  if (d.exponent < -4 || d.exponent >= 16) {
    std::string m = d.digits.substr(0, 1);
    if (n > 1) m += "." + d.digits.substr(1);
    int ex = d.exponent;
    std::string es = std::to_string(std::abs(ex));
    if (es.size() < 2) es = "0" + es;
    return sign + m + "e" + (ex < 0 ? "-" : "+") + es;
  }
  std::string out;
  if (d.exponent < 0) {
    out = "0." + std::string(static_cast<size_t>(-d.exponent - 1), '0') + d.digits;
  } else if (d.exponent + 1 >= n) {
    out = d.digits + std::string(static_cast<size_t>(d.exponent + 1 - n), '0') + ".0";
  } else {
    auto point = static_cast<size_t>(d.exponent) + 1;
    out = d.digits.substr(0, point) + "." + d.digits.substr(point);
  }
  return sign + out;
}

// Whether an ASCII byte is whitespace; `python` adds the information separators \x1c-\x1f that
// Python treats as whitespace and Go does not.
bool ascii_space(unsigned char c, bool python) {
  return c == ' ' || (c >= 0x09 && c <= 0x0d) || (python && c >= 0x1c && c <= 0x1f);
}

// Length in bytes of a Unicode whitespace code point at s[i] (0 if none).
size_t space_len(std::string_view s, size_t i, bool python) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return ascii_space(c, python) ? 1 : 0;
  auto at = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
  if (c == 0xc2 && (at(1) == 0x85 || at(1) == 0xa0)) return 2;
  if (c == 0xe1 && at(1) == 0x9a && at(2) == 0x80) return 3;  // U+1680
  if (c == 0xe2 && at(1) == 0x80) {
    unsigned char t = at(2);
    if ((t >= 0x80 && t <= 0x8a) || t == 0xa8 || t == 0xa9 || t == 0xaf) return 3;
  }
  if (c == 0xe2 && at(1) == 0x81 && at(2) == 0x9f) return 3;  // U+205F
  if (c == 0xe3 && at(1) == 0x80 && at(2) == 0x80) return 3;  // U+3000
  return 0;
}

// Start of the trailing run of whitespace (scans code points from the front so UTF-8
// continuation bytes are never misread).
std::string trim_with(std::string_view s, bool python) {
  size_t begin = 0;
  while (begin < s.size()) {
    size_t n = space_len(s, begin, python);
    if (n == 0) break;
    begin += n;
  }
  size_t end = begin, i = begin;
  while (i < s.size()) {
    // ASCII, most of every prompt, decided inline; the same answer space_len would give.
    if (auto c = static_cast<unsigned char>(s[i]); c < 0x80) {
      ++i;
      if (!ascii_space(c, python)) end = i;
      continue;
    }
    size_t n = space_len(s, i, python);
    if (n == 0) {
      auto c = static_cast<unsigned char>(s[i]);
      size_t step = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
      i = std::min(s.size(), i + step);
      end = i;
    } else {
      i += n;
    }
  }
  return std::string(s.substr(begin, end - begin));
}

}  // namespace

std::string python_number(const Json& number, const ValueStyle& style) {
  if (number.is_number_integer()) return number.dump();
  if (number.is_number_float()) return python_float(number.get<double>(), style);
  return number.dump();
}

std::vector<std::string> sorted_keys(const Json& object, bool bytewise) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  auto lower = [](std::string s) {
    for (char& c : s)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
  };
  if (bytewise) {
    std::stable_sort(keys.begin(), keys.end());
  } else {
    std::stable_sort(keys.begin(), keys.end(), [&](const std::string& a, const std::string& b) {
      return lower(a) < lower(b);
    });
  }
  return keys;
}

std::string native_value(const Json& value, bool quote_keys, const ValueStyle& style) {
  if (value.is_null()) return "null";
  if (value.is_string())
    return std::string(kQuote) + value.get<std::string>() + std::string(kQuote);
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return python_number(value, style);
  std::string out;
  if (value.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& key : sorted_keys(value, style.bytewise_key_sort)) {
      if (!first) out += ',';
      first = false;
      out += quote_keys ? std::string(kQuote) + key + std::string(kQuote) : key;
      out += ':';
      out += native_value(value.at(key), quote_keys, style);
    }
    out += '}';
    return out;
  }
  out += '[';
  bool first = true;
  for (const auto& item : value) {
    if (!first) out += ',';
    first = false;
    out += native_value(item, quote_keys, style);
  }
  out += ']';
  return out;
}

std::string python_strip(std::string_view text) {
  return trim_with(text, true);
}
std::string go_trim_space(std::string_view text) {
  return trim_with(text, false);
}

uint64_t fnv1a64(std::string_view bytes, uint64_t seed) {
  uint64_t h = seed;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace bakeoff::control
