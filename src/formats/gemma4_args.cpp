// Recursive-descent parser for a Gemma 4 argument block. The canonical grammar (§1.4):
//   block := '{' [KEY ':' VALUE (',' KEY ':' VALUE)*] '}'
//   VALUE := <|"|>raw text<|"|> | NUMBER | true | false | null | block | '[' [VALUE (',' VALUE)*]
//   ']'
// Accepted beyond it, each recorded as a repair (what real models emit, reference §9 / FAULTS.md):
//   whitespace between tokens; keys with spaces (valid: the template prints keys verbatim, no
//   repair); `key=value` (#17882); '…' and "…" strings (#17882, #51284 — JSON escapes decoded in
//   "…"); `<|"|>k<|"|>` and "k" keys; Python None/True/False (pre-July templates); a trailing ',';
//   duplicate keys (last wins); an unquoted value (taken as a trimmed string); missing closing
//   brackets or an unterminated <|"|> string when a control token ends the call (#17562).
// Errors (the call is not returned; the error names the offset): a missing key or value, a stray
// character where ',' or a closer belongs, and any block still open at the end of the completion.
#include "formats/gemma4_args.h"
#include "common/utf8.h"

#include <charconv>
#include <string>

#include <fmt/core.h>

namespace bakeoff::formats::gemma4::detail {
namespace {

struct Failure {
  size_t offset;
  std::string message;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return trim_right(s);
}

// Shortens a quoted excerpt for messages.
std::string excerpt(std::string_view s) {
  constexpr size_t kMax = 40;
  if (s.size() <= kMax) return std::string(s);
  return std::string(s.substr(0, kMax)) + "…";
}

// -?digits(.digits)?([eE][+-]?digits)? — JSON numbers and Python's str() forms (1e-05, 1e+16).
bool is_number_text(std::string_view s, bool& is_integer) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (!digits()) return false;
  is_integer = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
    is_integer = false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
    is_integer = false;
  }
  return i == s.size();
}

class ArgumentParser {
 public:
  ArgumentParser(std::string_view text, size_t begin, size_t end, bool end_is_marker,
                 std::vector<ParseIssue>& errors, std::vector<ParseIssue>& repairs)
      : text_(text),
        pos_(begin),
        end_(end),
        end_is_marker_(end_is_marker),
        errors_(errors),
        repairs_(repairs) {}

  Json parse_block() {
    char open = text_[pos_++];
    return parse_object(open == '(' ? ')' : '}');
  }
  size_t pos() const { return pos_; }

 private:
  bool at_end() const { return pos_ >= end_; }
  char peek() const { return text_[pos_]; }
  bool starts_with(std::string_view s) const {
    return end_ - pos_ >= s.size() && text_.substr(pos_, s.size()) == s;
  }
  void skip_space() {
    while (!at_end() && is_space(peek())) ++pos_;
  }
  void repair(size_t offset, std::string message) {
    repairs_.push_back({offset, std::move(message)});
  }
  [[noreturn]] void fail(size_t offset, std::string message) {
    throw Failure{offset, std::move(message)};
  }

  // The span ended with brackets still open. At a control token the model has ended the call:
  // close them (Ollama #17562 drops such calls). At the end of the completion it was truncated.
  void close_open_brackets() {
    if (closed_implicitly_) return;
    if (!end_is_marker_)
      fail(pos_, "the completion ends inside the tool-call arguments (truncated output?)");
    std::string missing(closers_.rbegin(), closers_.rend());
    repair(pos_,
           fmt::format("missing '{}' at the end of the tool-call arguments; closed", missing));
    closed_implicitly_ = true;
    closers_.clear();
  }

  Json parse_object(char close) {
    closers_.push_back(close);
    Json object = Json::object();
    bool first = true;
    std::string last_key;
    while (true) {
      if (closed_implicitly_) return object;
      skip_space();
      if (at_end()) {
        close_open_brackets();
        return object;
      }
      if (peek() == close) {
        ++pos_;
        closers_.pop_back();
        return object;
      }
      if (!first) {
        if (peek() != ',')
          fail(pos_, fmt::format("expected ',' or '{}' after the value of '{}', found '{}'", close,
                                 last_key, excerpt(text_.substr(pos_, end_ - pos_))));
        size_t comma = pos_++;
        skip_space();
        if (at_end()) {
          close_open_brackets();
          return object;
        }
        if (peek() == close) {
          repair(comma, "trailing ',' before the closing bracket ignored");
          continue;
        }
      }
      first = false;
      size_t key_at = pos_;
      std::string key = parse_key();
      skip_space();
      if (at_end()) fail(pos_, fmt::format("no value after key '{}'", key));
      if (peek() == '=') {
        repair(pos_, fmt::format("'=' instead of ':' after key '{}'", key));
      } else if (peek() != ':') {
        fail(pos_, fmt::format("expected ':' after key '{}'", key));
      }
      ++pos_;
      skip_space();
      Json value = parse_value(key);
      if (object.contains(key))
        repair(key_at, fmt::format("duplicate key '{}': last value kept", key));
      object[key] = std::move(value);
      last_key = std::move(key);
    }
  }

  Json parse_array() {
    size_t open_at = pos_++;
    closers_.push_back(']');
    Json array = Json::array();
    bool first = true;
    while (true) {
      if (closed_implicitly_) return array;
      skip_space();
      if (at_end()) {
        close_open_brackets();
        return array;
      }
      if (peek() == ']') {
        ++pos_;
        closers_.pop_back();
        return array;
      }
      if (!first) {
        if (peek() != ',')
          fail(pos_, fmt::format("expected ',' or ']' in the array opened at offset {}, found '{}'",
                                 open_at, excerpt(text_.substr(pos_, end_ - pos_))));
        size_t comma = pos_++;
        skip_space();
        if (!at_end() && peek() == ']') {
          repair(comma, "trailing ',' before the closing bracket ignored");
          continue;
        }
      }
      first = false;
      array.push_back(parse_value("array element"));
    }
  }

  std::string parse_key() {
    size_t start = pos_;
    if (starts_with(kQuote)) return parse_delimited_string(/*is_key=*/true);
    if (peek() == '"') {
      repair(start, "double-quoted key");
      return parse_json_string();
    }
    if (peek() == '\'') {
      repair(start, "single-quoted key");
      return parse_single_quoted();
    }
    // A bare key runs to ':' (or '='); spaces inside are kept (n8n's "Basic LLM Chain", #18390).
    while (!at_end()) {
      char c = peek();
      if (c == ':' || c == '=' || c == ',' || c == '{' || c == '}' || c == '[' || c == ']' ||
          c == '(' || c == ')' || c == '"' || c == '\'' || starts_with(kQuote))
        break;
      ++pos_;
    }
    std::string_view key = trim(text_.substr(start, pos_ - start));
    if (key.empty()) {
      if (at_end()) fail(pos_, "expected a key");
      fail(pos_,
           fmt::format("expected a key, found '{}'", excerpt(text_.substr(pos_, end_ - pos_))));
    }
    return std::string(key);
  }

  Json parse_value(std::string_view key) {
    if (at_end()) fail(pos_, fmt::format("no value for '{}'", key));
    if (starts_with(kQuote)) return parse_delimited_string(/*is_key=*/false);
    size_t start = pos_;
    char c = peek();
    if (c == '{') {
      ++pos_;
      return parse_object('}');
    }
    if (c == '[') return parse_array();
    if (c == '"') {
      repair(start, fmt::format("double-quoted (JSON) string for '{}'", key));
      return parse_json_string();
    }
    if (c == '\'') {
      repair(start, fmt::format("single-quoted string for '{}'", key));
      return parse_single_quoted();
    }
    return parse_bare(key);
  }

  // A number, a literal, or (repaired) an unquoted string: runs to the next ',' or closer.
  Json parse_bare(std::string_view key) {
    size_t start = pos_;
    while (!at_end()) {
      char c = peek();
      if (c == ',' || c == '}' || c == ']' || c == ')' || starts_with(kQuote)) break;
      ++pos_;
    }
    std::string_view raw = trim_right(text_.substr(start, pos_ - start));
    if (raw.empty()) fail(start, fmt::format("no value for '{}'", key));
    if (raw == "true") return true;
    if (raw == "false") return false;
    if (raw == "null") return nullptr;
    if (raw == "None" || raw == "True" || raw == "False") {
      repair(start, fmt::format("Python literal '{}' for '{}'", raw, key));
      if (raw == "None") return nullptr;
      return raw == "True";
    }
    bool is_integer = false;
    if (is_number_text(raw, is_integer)) return parse_number(raw, is_integer, start);
    repair(start, fmt::format("unquoted value '{}' for '{}' taken as a string", excerpt(raw), key));
    return std::string(raw);
  }

  Json parse_number(std::string_view raw, bool is_integer, size_t at) {
    const char* first = raw.data();
    const char* last = raw.data() + raw.size();
    if (is_integer) {
      int64_t value = 0;
      auto res = std::from_chars(first, last, value);
      if (res.ec == std::errc() && res.ptr == last) return value;
      uint64_t unsigned_value = 0;
      res = std::from_chars(first, last, unsigned_value);
      if (res.ec == std::errc() && res.ptr == last) return unsigned_value;
      errors_.push_back({at, fmt::format("integer {} is outside the 64-bit range; kept as the "
                                         "string of its digits, not rounded to a double",
                                         excerpt(raw))});
      return std::string(raw);
    }
    double value = 0;
    auto res = std::from_chars(first, last, value);
    if (res.ec == std::errc() && res.ptr == last) return value;
    errors_.push_back(
        {at, fmt::format("number {} is outside the range of a double; kept as its text",
                         excerpt(raw))});
    return std::string(raw);
  }

  // <|"|>raw text<|"|>: no escapes at all (the template inserts the string verbatim).
  std::string parse_delimited_string(bool is_key) {
    size_t open_at = pos_;
    pos_ += kQuote.size();
    size_t close = text_.substr(0, end_).find(kQuote, pos_);
    if (close != std::string_view::npos) {
      std::string value(text_.substr(pos_, close - pos_));
      pos_ = close + kQuote.size();
      return value;
    }
    if (!end_is_marker_ || is_key)
      fail(open_at, "unterminated <|\"|> string (no closing <|\"|> before the end of the call)");
    // The model ended the call inside a string: the closing brackets it wrote after the text
    // are taken off the end of the string, innermost first (Ollama's repair, PR #15374).
    std::string_view rest = trim_right(text_.substr(pos_, end_ - pos_));
    size_t closed = 0;
    for (auto it = closers_.rbegin(); it != closers_.rend(); ++it) {
      if (rest.empty() || rest.back() != *it) break;
      rest = trim_right(rest.substr(0, rest.size() - 1));
      ++closed;
    }
    repair(open_at, "unterminated <|\"|> string: ended at the end of the call");
    if (closed < closers_.size()) {
      std::string missing(closers_.rbegin() + static_cast<std::ptrdiff_t>(closed), closers_.rend());
      repair(end_,
             fmt::format("missing '{}' at the end of the tool-call arguments; closed", missing));
    }
    closed_implicitly_ = true;
    closers_.clear();
    pos_ = end_;
    return std::string(rest);
  }

  std::string parse_single_quoted() {
    size_t open_at = pos_++;
    size_t close = text_.substr(0, end_).find('\'', pos_);
    if (close == std::string_view::npos) fail(open_at, "unterminated '…' string");
    std::string value(text_.substr(pos_, close - pos_));
    pos_ = close + 1;
    return value;
  }

  std::string parse_json_string() {
    size_t open_at = pos_++;
    std::string value;
    while (!at_end()) {
      char c = text_[pos_++];
      if (c == '"') return value;
      if (c != '\\' || at_end()) {
        value += c;
        continue;
      }
      char e = text_[pos_++];
      switch (e) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'u':
          value += parse_unicode_escape();
          break;
        case '"':
        case '\\':
        case '/':
          value += e;
          break;
        default:
          value += '\\';
          value += e;
          break;  // not JSON: kept as written
      }
    }
    fail(open_at, "unterminated \"…\" string");
  }

  std::string parse_unicode_escape() {
    auto hex4 = [&](uint32_t& out) {
      if (end_ - pos_ < 4) return false;
      out = 0;
      for (int i = 0; i < 4; ++i) {
        char h = text_[pos_ + static_cast<size_t>(i)];
        uint32_t d = (h >= '0' && h <= '9')   ? static_cast<uint32_t>(h - '0')
                     : (h >= 'a' && h <= 'f') ? static_cast<uint32_t>(h - 'a' + 10)
                     : (h >= 'A' && h <= 'F') ? static_cast<uint32_t>(h - 'A' + 10)
                                              : 16U;
        if (d == 16) return false;
        out = out * 16 + d;
      }
      pos_ += 4;
      return true;
    };
    size_t at = pos_ - 2;
    uint32_t code = 0;
    if (!hex4(code)) fail(at, "bad \\u escape in a \"…\" string");
    if (code >= 0xD800 && code <= 0xDBFF) {
      uint32_t low = 0;
      if (end_ - pos_ >= 2 && text_[pos_] == '\\' && text_[pos_ + 1] == 'u') {
        pos_ += 2;
        if (hex4(low) && low >= 0xDC00 && low <= 0xDFFF)
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        else
          fail(at, "unpaired surrogate in a \\u escape");
      } else {
        fail(at, "unpaired surrogate in a \\u escape");
      }
    }
    std::string out;
    append_utf8(out, code);
    return out;
  }

  std::string_view text_;
  size_t pos_;
  size_t end_;
  bool end_is_marker_;
  std::vector<ParseIssue>& errors_;
  std::vector<ParseIssue>& repairs_;
  std::vector<char> closers_;
  bool closed_implicitly_ = false;
};

}  // namespace

ArgumentsResult parse_arguments(std::string_view text, size_t begin, size_t span_end,
                                bool span_ends_at_marker, std::vector<ParseIssue>& errors,
                                std::vector<ParseIssue>& repairs) {
  // Issues of a call that fails are reported as the failure alone: its repairs would mislead.
  std::vector<ParseIssue> local_errors;
  std::vector<ParseIssue> local_repairs;
  ArgumentParser parser(text, begin, span_end, span_ends_at_marker, local_errors, local_repairs);
  ArgumentsResult result;
  try {
    result.arguments = parser.parse_block();
    result.end = parser.pos();
  } catch (const Failure& failure) {
    errors.push_back({failure.offset, failure.message});
    result.end = span_end;
    return result;
  }
  errors.insert(errors.end(), local_errors.begin(), local_errors.end());
  repairs.insert(repairs.end(), local_repairs.begin(), local_repairs.end());
  return result;
}

}  // namespace bakeoff::formats::gemma4::detail
