#include "jinja/text_ops.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "jinja/error.h"
#include "jinja/unicode.h"
#include "jinja/value_ops.h"

namespace bakeoff::jinja {
namespace {

struct Cp {
  char32_t c;
  size_t pos;
  size_t len;
};

std::vector<Cp> code_points(std::string_view s) {
  std::vector<Cp> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t len = 1;
    char32_t c = unicode::next_code_point(s, i, &len);
    out.push_back({c, i, len});
    i += len;
  }
  return out;
}

}  // namespace

std::vector<std::string> py_split(std::string_view s, std::string_view sep, int64_t maxsplit) {
  if (sep.empty()) fail("runtime", "ValueError: empty separator");
  std::vector<std::string> out;
  size_t start = 0;
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    size_t p = s.find(sep, start);
    if (p == std::string_view::npos) break;
    out.emplace_back(s.substr(start, p - start));
    start = p + sep.size();
  }
  out.emplace_back(s.substr(start));
  return out;
}

std::vector<std::string> py_split(std::string_view s, const std::string* sep, int64_t maxsplit) {
  if (sep != nullptr) return py_split(s, std::string_view(*sep), maxsplit);
  std::vector<std::string> out;
  std::vector<Cp> cps = code_points(s);
  size_t i = 0;
  while (i < cps.size()) {
    while (i < cps.size() && unicode::is_space(cps[i].c)) ++i;
    if (i >= cps.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
      // The rest, with trailing whitespace stripped.
      size_t e = cps.size();
      while (e > i && unicode::is_space(cps[e - 1].c)) --e;
      out.emplace_back(s.substr(cps[i].pos, cps[e - 1].pos + cps[e - 1].len - cps[i].pos));
      return out;
    }
    size_t j = i;
    while (j < cps.size() && !unicode::is_space(cps[j].c)) ++j;
    out.emplace_back(s.substr(cps[i].pos, cps[j - 1].pos + cps[j - 1].len - cps[i].pos));
    i = j;
  }
  return out;
}

size_t py_rfind(std::string_view s, std::string_view sub) {
  const size_t m = sub.size();
  if (m == 0) return s.size();
  if (m > s.size()) return std::string_view::npos;
  size_t end = s.size();  // the next occurrence to look for ends at or before `end`
  while (end >= m) {
    const void* hit = memrchr(s.data() + m - 1, sub.back(), end - (m - 1));
    if (hit == nullptr) break;
    const auto last = static_cast<size_t>(static_cast<const char*>(hit) - s.data());
    if (std::memcmp(s.data() + last + 1 - m, sub.data(), m) == 0) return last + 1 - m;
    end = last;
  }
  return std::string_view::npos;
}

std::vector<std::string> py_rsplit(std::string_view s, const std::string* sep, int64_t maxsplit) {
  if (maxsplit < 0) return py_split(s, sep, -1);
  std::vector<std::string> out;
  if (sep != nullptr) {
    if (sep->empty()) fail("runtime", "ValueError: empty separator");
    size_t end = s.size();
    while (static_cast<int64_t>(out.size()) < maxsplit) {
      if (end < sep->size()) break;
      size_t p = py_rfind(s.substr(0, end), *sep);
      if (p == std::string_view::npos) break;
      out.emplace_back(s.substr(p + sep->size(), end - p - sep->size()));
      end = p;
    }
    out.emplace_back(s.substr(0, end));
    std::reverse(out.begin(), out.end());
    return out;
  }
  std::vector<Cp> cps = code_points(s);
  size_t j = cps.size();
  while (j > 0) {
    while (j > 0 && unicode::is_space(cps[j - 1].c)) --j;
    if (j == 0) break;
    if (static_cast<int64_t>(out.size()) >= maxsplit) {
      size_t b = 0;
      while (b < j && unicode::is_space(cps[b].c)) ++b;
      out.emplace_back(s.substr(cps[b].pos, cps[j - 1].pos + cps[j - 1].len - cps[b].pos));
      break;
    }
    size_t i = j;
    while (i > 0 && !unicode::is_space(cps[i - 1].c)) --i;
    out.emplace_back(s.substr(cps[i].pos, cps[j - 1].pos + cps[j - 1].len - cps[i].pos));
    j = i;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> py_splitlines(std::string_view s, bool keepends) {
  std::vector<std::string> out;
  std::vector<Cp> cps = code_points(s);
  size_t start = 0;  // byte offset
  for (size_t i = 0; i < cps.size(); ++i) {
    char32_t c = cps[i].c;
    bool brk = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D ||
               c == 0x1E || c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!brk) continue;
    size_t end = cps[i].pos;
    size_t next = cps[i].pos + cps[i].len;
    if (c == '\r' && i + 1 < cps.size() && cps[i + 1].c == '\n') {
      next = cps[i + 1].pos + 1;
      ++i;
    }
    out.emplace_back(s.substr(start, (keepends ? next : end) - start));
    start = next;
  }
  if (start < s.size()) out.emplace_back(s.substr(start));
  return out;
}

std::string py_replace(std::string_view s, std::string_view old, std::string_view repl,
                       int64_t count) {
  std::string out;
  if (old.empty()) {
    // Python inserts repl before every code point and at the end.
    std::vector<Cp> cps = code_points(s);
    int64_t n = 0;
    for (const auto& cp : cps) {
      if (count < 0 || n < count) {
        out += repl;
        ++n;
      }
      out += s.substr(cp.pos, cp.len);
      if (out.size() > kMaxSequenceSize) fail("limit", "string too large");
    }
    if (count < 0 || n < count) out += repl;
    return out;
  }
  size_t start = 0;
  int64_t n = 0;
  while (count < 0 || n < count) {
    size_t p = s.find(old, start);
    if (p == std::string_view::npos) break;
    out += s.substr(start, p - start);
    out += repl;
    if (out.size() > kMaxSequenceSize) fail("limit", "string too large");
    start = p + old.size();
    ++n;
  }
  out += s.substr(start);
  return out;
}

std::string py_center(std::string_view s, int64_t width, std::string_view fill) {
  auto len = static_cast<int64_t>(unicode::length(s));
  if (width <= len) return std::string(s);
  if (width > static_cast<int64_t>(kMaxSequenceSize)) fail("limit", "string too large");
  int64_t marg = width - len;
  int64_t left = marg / 2 + (marg & width & 1);
  std::string out;
  for (int64_t i = 0; i < left; ++i) out += fill;
  out += s;
  for (int64_t i = 0; i < marg - left; ++i) out += fill;
  return out;
}

std::string py_ljust(std::string_view s, int64_t width, std::string_view fill, bool right) {
  auto len = static_cast<int64_t>(unicode::length(s));
  if (width <= len) return std::string(s);
  if (width > static_cast<int64_t>(kMaxSequenceSize)) fail("limit", "string too large");
  std::string pad;
  for (int64_t i = 0; i < width - len; ++i) pad += fill;
  return right ? pad + std::string(s) : std::string(s) + pad;
}

namespace {

std::optional<double> parse_float_str(std::string_view s) {
  std::string t(unicode::strip(s, nullptr, true, true));
  std::string clean;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '_') {
      bool ok = i > 0 && i + 1 < t.size() && std::isdigit(static_cast<unsigned char>(t[i - 1])) &&
                std::isdigit(static_cast<unsigned char>(t[i + 1]));
      if (!ok) return std::nullopt;
      continue;
    }
    clean += t[i];
  }
  if (clean.empty()) return std::nullopt;
  std::string lower;
  for (char c : clean) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view body = lower;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") return neg ? -INFINITY : INFINITY;
  if (body == "nan") return NAN;
  // Only decimal digits, one point, an exponent: no hex floats, no "0x".
  for (char c : body) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == '+' ||
          c == '-')) {
      return std::nullopt;
    }
  }
  char* end = nullptr;
  double d = std::strtod(clean.c_str(), &end);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return d;
}

std::optional<int64_t> parse_int_str(std::string_view s, int base) {
  std::string t(unicode::strip(s, nullptr, true, true));
  if (t.empty()) return std::nullopt;
  size_t i = 0;
  bool neg = false;
  if (t[i] == '+' || t[i] == '-') {
    neg = t[i] == '-';
    ++i;
  }
  if (base == 16 || base == 8 || base == 2 || base == 0) {
    if (i + 1 < t.size() && t[i] == '0') {
      char p = static_cast<char>(std::tolower(static_cast<unsigned char>(t[i + 1])));
      int pb = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
      if (pb != 0 && (base == 0 || base == pb)) {
        base = pb;
        i += 2;
        if (i < t.size() && t[i] == '_') ++i;
      }
    }
    if (base == 0) base = 10;
  }
  if (i >= t.size()) return std::nullopt;
  __int128 v = 0;
  bool last_us = true;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (c == '_') {
      if (last_us) return std::nullopt;
      last_us = true;
      continue;
    }
    int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : std::isalpha(static_cast<unsigned char>(c))
                ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                : 99;
    if (d >= base) return std::nullopt;
    v = v * base + d;
    if (v > static_cast<__int128>(INT64_MAX) + 1)
      fail("runtime", "integer overflow: results beyond 64-bit integers are not supported");
    last_us = false;
  }
  if (last_us) return std::nullopt;
  if (neg) v = -v;
  if (v > INT64_MAX)
    fail("runtime", "integer overflow: results beyond 64-bit integers are not supported");
  return static_cast<int64_t>(v);
}

std::optional<int64_t> float_to_int(double d) {
  if (std::isnan(d)) return std::nullopt;
  if (std::isinf(d)) fail("runtime", "OverflowError: cannot convert float infinity to integer");
  if (std::fabs(d) >= 9.2233720368547758e18)
    fail("runtime", "integer overflow: results beyond 64-bit integers are not supported");
  return static_cast<int64_t>(std::trunc(d));
}

}  // namespace

std::optional<int64_t> py_int(const Value& v, int base) {
  switch (v.kind) {
    case Kind::Int:
      return v.i;
    case Kind::Bool:
      return v.b;
    case Kind::Float:
      return float_to_int(v.f);
    case Kind::String: {
      if (auto r = parse_int_str(v.str(), base)) return r;
      if (auto d = parse_float_str(v.str())) return float_to_int(*d);
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::optional<double> py_float(const Value& v) {
  switch (v.kind) {
    case Kind::Int:
      return static_cast<double>(v.i);
    case Kind::Bool:
      return v.b ? 1.0 : 0.0;
    case Kind::Float:
      return v.f;
    case Kind::String:
      return parse_float_str(v.str());
    default:
      return std::nullopt;
  }
}

std::string py_indent(const std::string& s, const std::string& indention, bool first, bool blank) {
  std::vector<std::string> lines = py_splitlines(s, false);
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) rv += "\n" + indention;
      rv += lines[i];
    }
  } else if (!lines.empty()) {
    rv = lines[0];
    if (lines.size() > 1) {
      rv += "\n";
      for (size_t i = 1; i < lines.size(); ++i) {
        if (i > 1) rv += "\n";
        if (!lines[i].empty()) rv += indention;
        rv += lines[i];
      }
    }
  }
  if (first) rv = indention + rv;
  return rv;
}

std::string jinja_title(std::string_view s) {
  // jinja2 splits at runs of [-\s({\[<] and capitalises each piece's first character.
  std::vector<Cp> cps = code_points(s);
  auto is_sep = [](char32_t c) {
    return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || unicode::is_space(c);
  };
  std::string out;
  size_t i = 0;
  while (i < cps.size()) {
    size_t j = i;
    bool sep = is_sep(cps[i].c);
    while (j < cps.size() && is_sep(cps[j].c) == sep) ++j;
    std::string_view piece = s.substr(cps[i].pos, cps[j - 1].pos + cps[j - 1].len - cps[i].pos);
    if (sep) {
      out += piece;
    } else {
      out += unicode::upper(piece.substr(0, cps[i].len));
      out += unicode::lower(piece.substr(cps[i].len));
    }
    i = j;
  }
  return out;
}

std::string py_truncate(const std::string& s, int64_t length, bool killwords,
                        const std::string& end, int64_t leeway) {
  std::u32string cps = unicode::decode(s);
  auto n = static_cast<int64_t>(cps.size());
  if (length < static_cast<int64_t>(unicode::length(end)))
    fail("runtime", "expected length >= len(end)");
  if (leeway < 0) fail("runtime", "expected leeway >= 0");
  if (n <= length + leeway) return s;
  int64_t keep = length - static_cast<int64_t>(unicode::length(end));
  std::string head =
      unicode::encode(cps.substr(0, static_cast<size_t>(std::max<int64_t>(0, keep))));
  if (killwords) return head + end;
  size_t sp = head.rfind(' ');
  if (sp != std::string::npos) head = head.substr(0, sp);
  return head + end;
}

int64_t py_wordcount(std::string_view s) {
  int64_t n = 0;
  bool in_word = false;
  for (const auto& cp : code_points(s)) {
    bool w = cp.c == '_' || unicode::is_alnum(cp.c);
    if (w && !in_word) ++n;
    in_word = w;
  }
  return n;
}

std::string py_striptags(const std::string& s) {
  std::string t;
  size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 4, "<!--") == 0) {
      size_t e = s.find("-->", i + 4);
      if (e == std::string::npos) {
        t += s.substr(i);
        break;
      }
      i = e + 3;
    } else if (s[i] == '<') {
      size_t e = s.find('>', i + 1);
      if (e == std::string::npos) {
        t += s.substr(i);
        break;
      }
      i = e + 1;
    } else {
      t += s[i++];
    }
  }
  std::vector<std::string> words = py_split(t, nullptr, -1);
  std::string joined;
  for (size_t k = 0; k < words.size(); ++k) {
    if (k > 0) joined += ' ';
    joined += words[k];
  }
  // Unescape the common entities.
  joined = py_replace(joined, "&lt;", "<", -1);
  joined = py_replace(joined, "&gt;", ">", -1);
  joined = py_replace(joined, "&#34;", "\"", -1);
  joined = py_replace(joined, "&#39;", "'", -1);
  joined = py_replace(joined, "&quot;", "\"", -1);
  joined = py_replace(joined, "&amp;", "&", -1);
  return joined;
}

}  // namespace bakeoff::jinja
