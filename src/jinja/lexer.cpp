#include "jinja/lexer.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "jinja/error.h"
#include "jinja/unicode.h"

namespace bakeoff::jinja {
namespace {

bool is_py_space(std::string_view s, size_t i, size_t* len) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    *len = 1;
    return b == ' ' || (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F);
  }
  size_t l = 1;
  char32_t c = unicode::next_code_point(s, i, &l);
  *len = l;
  return unicode::is_space(c);
}

// Python's str.rstrip() (Unicode whitespace).
std::string_view rstrip_ws(std::string_view s) {
  return unicode::strip(s, nullptr, false, true);
}

// Length of the whitespace run at pos (Python's \s*).
size_t skip_ws(std::string_view s, size_t pos) {
  size_t p = pos;
  while (p < s.size()) {
    size_t len = 1;
    if (!is_py_space(s, p, &len)) break;
    p += len;
  }
  return p;
}

bool all_ws_nonempty(std::string_view s) {
  return !s.empty() && skip_ws(s, 0) == s.size();
}

bool is_name_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
bool is_name_char(unsigned char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

class Lexer {
 public:
  Lexer(const std::string& src, const Options& opt) : s_(src), opt_(opt) {}

  std::vector<Token> run() {
    tokens_.reserve(s_.size() / 6 + 16);
    size_t pos = 0;
    bool line_starting = true;
    while (pos < s_.size()) {
      size_t tag = find_tag(pos);
      if (tag == std::string_view::npos) {
        emit_data(std::string(s_.substr(pos)), pos);
        break;
      }
      char kind = s_[tag + 1];
      size_t after = tag + 2;
      char sign = 0;
      if (after < s_.size() && (s_[after] == '-' || s_[after] == '+')) sign = s_[after++];
      bool raw = kind == '%' && is_raw_begin(after);
      std::string_view text = s_.substr(pos, tag - pos);
      if (sign == '-') {
        text = rstrip_ws(text);
      } else if (sign != '+' && opt_.lstrip_blocks && kind != '{') {
        size_t nl = text.rfind('\n');
        size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
        if ((l_pos > 0 || line_starting) && all_ws_nonempty(text.substr(l_pos))) {
          text = text.substr(0, l_pos);
        }
      }
      emit_data(std::string(text), pos);
      if (kind == '#') {
        pos = lex_comment(after, tag, &line_starting);
      } else if (raw) {
        pos = lex_raw(after, tag, &line_starting);
      } else {
        pos = lex_tag(kind, tag, after, &line_starting);
      }
    }
    Token eof{Tok::Eof};
    set_pos(eof, s_.size());
    tokens_.push_back(eof);
    return std::move(tokens_);
  }

 private:
  std::string_view s_;
  const Options& opt_;
  std::vector<Token> tokens_;
  std::vector<char> balance_;  // open brackets inside the current tag
  // Line bookkeeping: positions are converted lazily but monotonically.
  size_t line_pos_ = 0;
  int line_ = 1;
  int col_ = 1;

  void set_pos(Token& t, size_t pos) {
    if (pos < line_pos_) {
      line_pos_ = 0;
      line_ = 1;
      col_ = 1;
    }
    // Incremental: tokens arrive in source order, so this stays linear.
    for (size_t i = line_pos_; i < pos && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line_;
        col_ = 1;
      } else if ((static_cast<unsigned char>(s_[i]) & 0xC0) != 0x80) {
        ++col_;
      }
    }
    line_pos_ = pos;
    t.line = line_;
    t.col = col_;
  }

  [[noreturn]] void error(const std::string& msg, size_t pos) {
    Token t{Tok::Eof};
    set_pos(t, pos);
    fail_at("syntax", msg, t.line, t.col);
  }

  size_t find_tag(size_t pos) const {
    while (true) {
      size_t p = s_.find('{', pos);
      if (p == std::string_view::npos || p + 1 >= s_.size()) return std::string_view::npos;
      char n = s_[p + 1];
      if (n == '{' || n == '%' || n == '#') return p;
      pos = p + 1;
    }
  }

  void emit_data(std::string text, size_t pos) {
    if (text.empty()) return;
    Token t{Tok::Data};
    set_pos(t, pos);
    t.text = std::move(text);
    tokens_.push_back(std::move(t));
  }

  // `{%[-+]? raw` followed by whitespace or the tag end.
  bool is_raw_begin(size_t after) const {
    size_t p = skip_ws(s_, after);
    if (s_.substr(p, 3) != "raw") return false;
    p = skip_ws(s_, p + 3);
    return s_.substr(p, 2) == "%}" || s_.substr(p, 3) == "-%}";
  }

  // Consumes a block end at p (`+%}`, `-%}\s*`, `%}\n?`) and returns the position after it.
  size_t block_end_after(size_t p, std::string_view close, bool* line_starting) const {
    size_t end;
    if (s_[p] == '+') {
      end = p + 1 + close.size();
    } else if (s_[p] == '-') {
      end = skip_ws(s_, p + 1 + close.size());
    } else {
      end = p + close.size();
      if (opt_.trim_blocks && end < s_.size() && s_[end] == '\n') ++end;
    }
    *line_starting = end > 0 && s_[end - 1] == '\n';
    return end;
  }

  size_t lex_comment(size_t after, size_t tag, bool* line_starting) {
    size_t k = s_.find("#}", after);
    if (k == std::string_view::npos) error("Missing end of comment tag", tag);
    size_t p = k;
    if (k > after && (s_[k - 1] == '-' || s_[k - 1] == '+')) p = k - 1;
    return block_end_after(p, "#}", line_starting);
  }

  size_t lex_raw(size_t after, size_t tag, bool* line_starting) {
    size_t p = skip_ws(s_, after) + 3;
    p = skip_ws(s_, p);
    if (s_[p] == '-') {
      p = skip_ws(s_, p + 3);
    } else {
      p += 2;
    }
    // Find `{%[-+]?\s*endraw\s*(+%}|-%}\s*|%}\n?)`.
    size_t search = p;
    while (true) {
      size_t b = s_.find("{%", search);
      if (b == std::string_view::npos) error("Missing end of raw directive", tag);
      size_t q = b + 2;
      char sign = 0;
      if (q < s_.size() && (s_[q] == '-' || s_[q] == '+')) sign = s_[q++];
      q = skip_ws(s_, q);
      if (s_.substr(q, 6) != "endraw") {
        search = b + 2;
        continue;
      }
      q = skip_ws(s_, q + 6);
      if (!(s_.substr(q, 2) == "%}" || s_.substr(q, 3) == "-%}" || s_.substr(q, 3) == "+%}")) {
        search = b + 2;
        continue;
      }
      std::string_view text = s_.substr(p, b - p);
      if (sign == '-') {
        text = rstrip_ws(text);
      } else if (sign != '+' && opt_.lstrip_blocks) {
        size_t nl = text.rfind('\n');
        size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
        if ((l_pos > 0 || *line_starting) && all_ws_nonempty(text.substr(l_pos))) {
          text = text.substr(0, l_pos);
        }
      }
      emit_data(std::string(text), p);
      return block_end_after(q, "%}", line_starting);
    }
  }

  size_t lex_tag(char kind, size_t tag, size_t pos, bool* line_starting) {
    Token begin{kind == '{' ? Tok::VarBegin : Tok::BlockBegin};
    set_pos(begin, tag);
    tokens_.push_back(begin);
    std::string_view close = kind == '{' ? "}}" : "%}";
    std::vector<char>& balance = balance_;
    balance.clear();
    while (true) {
      if (pos >= s_.size()) {
        error(kind == '{' ? "unexpected end of template, expected 'end of print statement'."
                          : "unexpected end of template, expected 'end of statement block'.",
              pos);
      }
      if (balance.empty()) {
        bool plus = kind == '%' && s_[pos] == '+' && s_.substr(pos + 1, 2) == close;
        bool minus = s_[pos] == '-' && s_.substr(pos + 1, 2) == close;
        if (plus || minus || s_.substr(pos, 2) == close) {
          Token end{kind == '{' ? Tok::VarEnd : Tok::BlockEnd};
          set_pos(end, pos);
          tokens_.push_back(end);
          if (kind == '{') {
            size_t e = minus ? skip_ws(s_, pos + 3) : pos + 2;
            *line_starting = e > 0 && s_[e - 1] == '\n';
            return e;
          }
          return block_end_after(pos, close, line_starting);
        }
      }
      size_t wl = 1;
      if (is_py_space(s_, pos, &wl)) {
        pos += wl;
        continue;
      }
      pos = lex_token(pos, balance);
    }
  }

  size_t lex_number(size_t pos) {
    // Digits with single underscores between them.
    auto digits = [&](size_t p) {
      if (p >= s_.size() || !is_digit(s_[p])) return p;
      ++p;
      while (p < s_.size()) {
        if (is_digit(s_[p])) {
          ++p;
        } else if (s_[p] == '_' && p + 1 < s_.size() && is_digit(s_[p + 1])) {
          p += 2;
        } else {
          break;
        }
      }
      return p;
    };
    bool after_dot = pos > 0 && s_[pos - 1] == '.';
    size_t int_end = digits(pos);
    // Float: digits ((.digits)? e[+-]?digits | .digits), not directly after a '.'.
    if (!after_dot) {
      size_t p = int_end;
      bool has_frac = false;
      if (p + 1 < s_.size() && s_[p] == '.' && is_digit(s_[p + 1])) {
        p = digits(p + 1);
        has_frac = true;
      }
      size_t f_end = std::string_view::npos;
      if (p < s_.size() && (s_[p] == 'e' || s_[p] == 'E')) {
        size_t q = p + 1;
        if (q < s_.size() && (s_[q] == '+' || s_[q] == '-')) ++q;
        if (q < s_.size() && is_digit(s_[q])) f_end = digits(q);
      }
      if (f_end == std::string_view::npos && has_frac) f_end = p;
      if (f_end != std::string_view::npos) {
        std::string text;
        for (char c : s_.substr(pos, f_end - pos)) {
          if (c != '_') text += c;
        }
        Token t{Tok::Float};
        set_pos(t, pos);
        t.fval = std::strtod(text.c_str(), nullptr);
        t.text = text;
        tokens_.push_back(t);
        return f_end;
      }
    }
    // Integers: 0b/0o/0x prefixes, [1-9](_?\d)*, 0(_?0)*.
    Token t{Tok::Int};
    set_pos(t, pos);
    size_t end;
    if (s_[pos] == '0' && pos + 1 < s_.size() &&
        std::string_view("bBoOxX").find(s_[pos + 1]) != std::string_view::npos) {
      char p = static_cast<char>(s_[pos + 1] | 0x20);
      int base = p == 'b' ? 2 : p == 'o' ? 8 : 16;
      size_t q = pos + 2;
      std::string text;
      auto ok = [&](char c) {
        int d = (c >= '0' && c <= '9')                     ? c - '0'
                : ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') ? (c | 0x20) - 'a' + 10
                                                           : 99;
        return d < base;
      };
      while (q < s_.size()) {
        if (s_[q] == '_' && q + 1 < s_.size() && ok(s_[q + 1])) {
          q += 1;
        } else if (ok(s_[q])) {
          text += s_[q++];
        } else {
          break;
        }
      }
      if (text.empty()) {
        end = pos + 1;
        t.ival = 0;
      } else {
        end = q;
        auto r = std::from_chars(text.data(), text.data() + text.size(), t.ival, base);
        if (r.ec != std::errc()) error("integer literal too large", pos);
      }
    } else if (s_[pos] == '0') {
      end = pos + 1;
      while (end < s_.size()) {
        if (s_[end] == '0') {
          ++end;
        } else if (s_[end] == '_' && end + 1 < s_.size() && s_[end + 1] == '0') {
          end += 2;
        } else {
          break;
        }
      }
      t.ival = 0;
    } else {
      end = int_end;
      std::string text;
      for (char c : s_.substr(pos, end - pos)) {
        if (c != '_') text += c;
      }
      auto r = std::from_chars(text.data(), text.data() + text.size(), t.ival);
      if (r.ec != std::errc()) error("integer literal too large (integers are 64-bit)", pos);
    }
    t.text = std::string(s_.substr(pos, end - pos));
    tokens_.push_back(t);
    return end;
  }

  size_t lex_string(size_t pos) {
    char q = s_[pos];
    size_t p = pos + 1;
    while (p < s_.size() && s_[p] != q) {
      if (s_[p] == '\\') ++p;
      ++p;
    }
    if (p >= s_.size()) error("unexpected char '" + std::string(1, q) + "'", pos);
    Token t{Tok::String};
    set_pos(t, pos);
    t.text = decode_escapes(s_.substr(pos + 1, p - pos - 1), pos);
    tokens_.push_back(std::move(t));
    return p + 1;
  }

  // Python's unicode-escape decoding, as jinja2 applies it to string literals.
  std::string decode_escapes(std::string_view body, size_t pos) {
    std::string out;
    out.reserve(body.size());
    for (size_t i = 0; i < body.size(); ++i) {
      char c = body[i];
      if (c != '\\' || i + 1 >= body.size()) {
        out += c;
        continue;
      }
      char e = body[++i];
      auto hex = [&](size_t n) -> char32_t {
        if (i + n >= body.size()) {
          error(fmt::format("truncated \\{}{} escape", e, std::string(n, 'X')), pos);
        }
        char32_t v = 0;
        for (size_t k = 1; k <= n; ++k) {
          char h = body[i + k];
          int d = (h >= '0' && h <= '9')                     ? h - '0'
                  : ((h | 0x20) >= 'a' && (h | 0x20) <= 'f') ? (h | 0x20) - 'a' + 10
                                                             : -1;
          if (d < 0) error(fmt::format("truncated \\{}{} escape", e, std::string(n, 'X')), pos);
          v = v * 16 + static_cast<char32_t>(d);
        }
        i += n;
        return v;
      };
      switch (e) {
        case '\n':
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case 'x':
          unicode::append_utf8(out, hex(2));
          break;
        case 'u':
          unicode::append_utf8(out, hex(4));
          break;
        case 'U': {
          char32_t v = hex(8);
          if (v > 0x10FFFF) error("illegal Unicode character", pos);
          unicode::append_utf8(out, v);
          break;
        }
        case 'N':
          error("\\N{...} escapes are not supported", pos);
        default:
          if (e >= '0' && e <= '7') {
            char32_t v = static_cast<char32_t>(e - '0');
            for (int k = 0;
                 k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k) {
              v = v * 8 + static_cast<char32_t>(body[++i] - '0');
            }
            unicode::append_utf8(out, v);
          } else {
            out += '\\';
            out += e;
          }
      }
    }
    return out;
  }

  size_t lex_token(size_t pos, std::vector<char>& balance) {
    auto c = static_cast<unsigned char>(s_[pos]);
    if (is_digit(static_cast<char>(c))) return lex_number(pos);
    if (is_name_start(c)) {
      size_t p = pos;
      while (p < s_.size() && is_name_char(static_cast<unsigned char>(s_[p]))) ++p;
      Token t{Tok::Name};
      set_pos(t, pos);
      t.text = std::string(s_.substr(pos, p - pos));
      tokens_.push_back(std::move(t));
      return p;
    }
    if (c == '\'' || c == '"') return lex_string(pos);
    static constexpr std::string_view two[] = {"//", "**", "==", "!=", ">=", "<="};
    std::string_view op;
    for (auto t : two) {
      if (s_.substr(pos, 2) == t) op = t;
    }
    if (op.empty() && std::string_view("+-/*%~[](){}=<>.:|,;").find(static_cast<char>(c)) !=
                          std::string_view::npos) {
      op = s_.substr(pos, 1);
    }
    if (op.empty())
      error(fmt::format("unexpected char '{}' at {}", static_cast<char>(c), pos), pos);
    char o = op[0];
    if (op.size() == 1) {
      if (o == '(') balance.push_back(')');
      if (o == '[') balance.push_back(']');
      if (o == '{') balance.push_back('}');
      if (o == ')' || o == ']' || o == '}') {
        if (balance.empty()) error(fmt::format("unexpected '{}'", o), pos);
        if (balance.back() != o)
          error(fmt::format("unexpected '{}', expected '{}'", o, balance.back()), pos);
        balance.pop_back();
      }
    }
    Token t{Tok::Op};
    set_pos(t, pos);
    t.text = std::string(op);
    tokens_.push_back(std::move(t));
    return pos + op.size();
  }
};

}  // namespace

std::string normalize_source(std::string_view source, const Options& options) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    char c = source[i];
    if (c == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += c;
    }
  }
  if (!options.keep_trailing_newline && !out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::vector<Token> tokenize(const std::string& source, const Options& options) {
  return Lexer(source, options).run();
}

}  // namespace bakeoff::jinja
