#include "analysis/text_diff.h"

#include <algorithm>

#include <fmt/core.h>

namespace bakeoff::analysis {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid.
size_t utf8_length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4;
  else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start + 1));
    start = nl + 1;
  }
  return lines;
}

enum class Op { equal, remove, insert };
struct Edit {
  Op op;
  size_t a;  // line index in a (equal, remove)
  size_t b;  // line index in b (equal, insert)
};

// Myers' greedy O((N+M)D) shortest edit script, keeping one V array per D for the backtrack.
// Gives up (nullopt) past `max_d` edits so that two unrelated long texts cost bounded memory.
std::optional<std::vector<Edit>> myers(const std::vector<std::string_view>& a,
                                       const std::vector<std::string_view>& b, long max_d) {
  const long n = static_cast<long>(a.size());
  const long m = static_cast<long>(b.size());
  const long max = n + m;
  const long offset = max + 1;
  std::vector<long> v(static_cast<size_t>(2 * max + 3), 0);
  std::vector<std::vector<long>> trace;
  long final_d = 0;
  bool done = false;
  for (long d = 0; d <= max && !done; ++d) {
    if (d > max_d) return std::nullopt;
    // Only diagonals -d..d can be read back at this d: keep that slice (O(D^2) memory).
    trace.emplace_back(v.begin() + (offset - d), v.begin() + (offset + d + 1));
    for (long k = -d; k <= d; k += 2) {
      long x = 0;
      if (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) {
        x = v[offset + k + 1];
      } else {
        x = v[offset + k - 1] + 1;
      }
      long y = x - k;
      while (x < n && y < m && a[x] == b[y]) {
        ++x;
        ++y;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        final_d = d;
        done = true;
        break;
      }
    }
  }
  std::vector<Edit> edits;
  long x = n;
  long y = m;
  for (long d = final_d; d > 0; --d) {
    const std::vector<long>& slice = trace[static_cast<size_t>(d)];
    auto vd = [&](long k) { return slice[static_cast<size_t>(k + d)]; };
    long k = x - y;
    long prev_k = (k == -d || (k != d && vd(k - 1) < vd(k + 1))) ? k + 1 : k - 1;
    long prev_x = vd(prev_k);
    long prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      edits.push_back({Op::equal, static_cast<size_t>(x - 1), static_cast<size_t>(y - 1)});
      --x;
      --y;
    }
    if (x == prev_x) {
      edits.push_back({Op::insert, static_cast<size_t>(x), static_cast<size_t>(y - 1)});
    } else {
      edits.push_back({Op::remove, static_cast<size_t>(x - 1), static_cast<size_t>(y)});
    }
    x = prev_x;
    y = prev_y;
  }
  while (x > 0 && y > 0) {
    edits.push_back({Op::equal, static_cast<size_t>(x - 1), static_cast<size_t>(y - 1)});
    --x;
    --y;
  }
  std::reverse(edits.begin(), edits.end());
  return edits;
}

bool is_marker_byte(char c) {
  return c != ' ' && c != '\n' && c != '\t' && c != '\r' && c != '<' && c != '>';
}

// Length of a control marker (`<|name>`, `<name|>`, `<|"|>`) at text[i], or 0.
size_t marker_length(std::string_view text, size_t i) {
  if (text[i] != '<') return 0;
  size_t limit = std::min(text.size(), i + 24);
  for (size_t j = i + 1; j < limit; ++j) {
    if (text[j] == '>') {
      bool pipe_open = text[i + 1] == '|';
      bool pipe_close = text[j - 1] == '|';
      return (j > i + 1 && (pipe_open || pipe_close)) ? j - i + 1 : 0;
    }
    if (!is_marker_byte(text[j])) return 0;
  }
  return 0;
}

bool is_word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c >= 0x80;
}
bool is_space_byte(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

}  // namespace

std::optional<size_t> first_difference(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return i;
  }
  if (a.size() == b.size()) return std::nullopt;
  return n;
}

std::string escape_for_display(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 8);
  for (size_t i = 0; i < bytes.size();) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\\')
      out += "\\\\";
    else if (c < 0x20 || c == 0x7F)
      out += fmt::format("\\x{:02x}", c);
    else if (c < 0x80)
      out += static_cast<char>(c);
    else {
      size_t n = utf8_length(bytes, i);
      if (n == 0) {
        out += fmt::format("\\x{:02x}", c);
      } else {
        out.append(bytes.substr(i, n));
        i += n;
        continue;
      }
    }
    ++i;
  }
  return out;
}

std::string context_around(std::string_view bytes, size_t offset, size_t radius) {
  size_t begin = offset > radius ? offset - radius : 0;
  size_t end = std::min(bytes.size(), offset + radius);
  // Do not cut a UTF-8 sequence in half at either edge.
  while (begin > 0 && (static_cast<unsigned char>(bytes[begin]) & 0xC0) == 0x80) --begin;
  while (end < bytes.size() && (static_cast<unsigned char>(bytes[end]) & 0xC0) == 0x80) ++end;
  if (begin >= end) return "";
  std::string out = begin > 0 ? "…" : "";
  out += escape_for_display(bytes.substr(begin, end - begin));
  if (end < bytes.size()) out += "…";
  return out;
}

std::string unified_diff(std::string_view a, std::string_view b, std::string_view label_a,
                         std::string_view label_b, size_t context, size_t max_lines) {
  if (a == b) return "";
  auto la = split_lines(a);
  auto lb = split_lines(b);
  std::vector<Edit> edits;
  if (auto found = myers(la, lb, 1000)) {
    edits = std::move(*found);
  } else {
    // Too many changes for a minimal script: common prefix and suffix, then replace the rest.
    size_t p = 0;
    while (p < la.size() && p < lb.size() && la[p] == lb[p])
      edits.push_back({Op::equal, p, p}), ++p;
    size_t s = 0;
    while (s + p < la.size() && s + p < lb.size() &&
           la[la.size() - 1 - s] == lb[lb.size() - 1 - s]) {
      ++s;
    }
    for (size_t k = p; k + s < la.size(); ++k) edits.push_back({Op::remove, k, p});
    for (size_t k = p; k + s < lb.size(); ++k) edits.push_back({Op::insert, la.size() - s, k});
    for (size_t k = 0; k < s; ++k) {
      edits.push_back({Op::equal, la.size() - s + k, lb.size() - s + k});
    }
  }

  // Group edits into hunks: changes plus `context` equal lines either side.
  std::vector<std::string> out_lines;
  out_lines.push_back(fmt::format("--- {}", label_a));
  out_lines.push_back(fmt::format("+++ {}", label_b));
  size_t i = 0;
  while (i < edits.size()) {
    if (edits[i].op == Op::equal) {
      ++i;
      continue;
    }
    size_t start = i >= context ? i - context : 0;
    size_t end = i;
    // Extend while the next change is within 2*context equal lines.
    size_t j = i;
    while (j < edits.size()) {
      if (edits[j].op != Op::equal) {
        end = j;
        ++j;
        continue;
      }
      size_t run = j;
      while (run < edits.size() && edits[run].op == Op::equal) ++run;
      if (run < edits.size() && run - j <= 2 * context) {
        j = run;
        continue;
      }
      break;
    }
    size_t stop = std::min(edits.size(), end + 1 + context);
    // Hunk header line numbers are 1-based starts and counts in a and b.
    size_t a_start = 0, a_count = 0, b_start = 0, b_count = 0;
    bool a_set = false, b_set = false;
    for (size_t k = start; k < stop; ++k) {
      if (edits[k].op != Op::insert) {
        if (!a_set) a_start = edits[k].a, a_set = true;
        ++a_count;
      }
      if (edits[k].op != Op::remove) {
        if (!b_set) b_start = edits[k].b, b_set = true;
        ++b_count;
      }
    }
    if (!a_set) a_start = edits[start].a;
    if (!b_set) b_start = edits[start].b;
    out_lines.push_back(fmt::format("@@ -{},{} +{},{} @@", a_count ? a_start + 1 : a_start, a_count,
                                    b_count ? b_start + 1 : b_start, b_count));
    for (size_t k = start; k < stop; ++k) {
      const Edit& e = edits[k];
      if (e.op == Op::equal)
        out_lines.push_back(" " + escape_for_display(la[e.a]));
      else if (e.op == Op::remove)
        out_lines.push_back("-" + escape_for_display(la[e.a]));
      else
        out_lines.push_back("+" + escape_for_display(lb[e.b]));
    }
    i = stop;
  }
  std::string out;
  size_t shown = std::min(out_lines.size(), max_lines);
  for (size_t k = 0; k < shown; ++k) {
    out += out_lines[k];
    out += '\n';
  }
  if (out_lines.size() > shown) out += fmt::format("… {} more lines\n", out_lines.size() - shown);
  return out;
}

std::vector<size_t> approx_token_starts(std::string_view text) {
  std::vector<size_t> starts;
  size_t i = 0;
  while (i < text.size()) {
    starts.push_back(i);
    if (size_t m = marker_length(text, i); m > 0) {
      i += m;
    } else if (is_word_byte(static_cast<unsigned char>(text[i]))) {
      while (i < text.size() && is_word_byte(static_cast<unsigned char>(text[i]))) ++i;
    } else if (is_space_byte(text[i])) {
      while (i < text.size() && is_space_byte(text[i])) ++i;
    } else {
      ++i;
    }
  }
  return starts;
}

size_t approx_token_index(std::string_view text, size_t offset) {
  std::vector<size_t> starts = approx_token_starts(text);
  if (offset >= text.size()) return starts.size();
  auto it = std::upper_bound(starts.begin(), starts.end(), offset);
  return static_cast<size_t>(it - starts.begin()) - 1;
}

}  // namespace bakeoff::analysis
