#include "control/native_parse.h"

#include "control/native_text.h"

#include <fmt/format.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace bakeoff::control {
namespace {

struct ReadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  Reader(std::string_view t, bool object_to_end) : t_(t), object_to_end_(object_to_end) {}

  Json value(size_t& p, int depth) {
    skip_ws(p);
    if (depth > 64) fail(p, "nesting deeper than 64");
    if (p >= t_.size()) fail(p, "expected a value, found the end");
    if (starts(p, kQuote)) return quoted(p);
    char c = t_[p];
    if (c == '{') return object(p, depth);
    if (c == '[') return array(p, depth);
    if (c == '\'') {
      notes.single_quoted = true;
      size_t e = t_.find('\'', p + 1);
      if (e == std::string_view::npos) fail(p, "unterminated '…' string");
      std::string s(t_.substr(p + 1, e - p - 1));
      p = e + 1;
      ++notes.string_count;
      return s;
    }
    if (c == '"') {
      size_t e = p + 1;
      while (e < t_.size() && t_[e] != '"') e += t_[e] == '\\' ? 2 : 1;
      if (e >= t_.size()) fail(p, "unterminated \"…\" string");
      Json s = Json::parse(t_.substr(p, e - p + 1), nullptr, false);
      if (s.is_discarded()) fail(p, "bad JSON string");
      p = e + 1;
      ++notes.string_count;
      return s;
    }
    return bare(p);
  }

  NativeReadNotes notes;

 private:
  [[noreturn]] void fail(size_t p, const std::string& what) {
    throw ReadError(fmt::format("offset {}: {}", p, what));
  }
  bool starts(size_t p, std::string_view s) const { return t_.substr(p, s.size()) == s; }
  void skip_ws(size_t& p) const {
    while (p < t_.size() && (t_[p] == ' ' || t_[p] == '\n' || t_[p] == '\t' || t_[p] == '\r')) ++p;
  }

  Json quoted(size_t& p) {
    size_t b = p + kQuote.size();
    size_t e = t_.find(kQuote, b);
    if (e == std::string_view::npos) fail(p, "unterminated <|\"|> string");
    p = e + kQuote.size();
    ++notes.string_count;
    return std::string(t_.substr(b, e - b));
  }

  Json bare(size_t& p) {
    size_t b = p;
    while (p < t_.size() && t_[p] != ',' && t_[p] != '}' && t_[p] != ']' && !starts(p, kQuote)) ++p;
    std::string word(t_.substr(b, p - b));
    while (!word.empty() && (word.back() == ' ' || word.back() == '\n')) word.pop_back();
    if (word == "true") return true;
    if (word == "false") return false;
    if (word == "null" || word == "None") return nullptr;
    if (word.empty()) fail(b, "expected a value");
    bool is_int = true;
    size_t i = word[0] == '-' ? 1 : 0;
    if (i >= word.size()) fail(b, fmt::format("not a value: '{}'", word));
    for (size_t k = i; k < word.size(); ++k)
      if (word[k] < '0' || word[k] > '9') is_int = false;
    if (is_int) {
      Json n = Json::parse(word, nullptr, false);
      if (!n.is_discarded()) return n;
    }
    Json n = Json::parse(word, nullptr, false);
    if (n.is_discarded() || !n.is_number()) fail(b, fmt::format("not a value: '{}'", word));
    return n;
  }

  Json object(size_t& p, int depth) {
    Json obj = Json::object();
    // The text ended inside the object: the top-level object may lack its final brace (noted),
    // any other is unclosed.
    auto ended = [&] {
      if (depth == 0 && object_to_end_) {
        notes.missing_final_brace = true;
        return;
      }
      fail(p, "unclosed object");
    };
    ++p;
    skip_ws(p);
    if (p < t_.size() && t_[p] == '}') {
      ++p;
      return obj;
    }
    while (true) {
      skip_ws(p);
      if (p >= t_.size()) {
        ended();
        return obj;
      }
      std::string key;
      if (starts(p, kQuote)) {
        key = quoted(p).get<std::string>();
        --notes.string_count;  // a quoted key is not a string value
      } else {
        size_t b = p;
        while (p < t_.size() && t_[p] != ':' && t_[p] != '=' && t_[p] != '}' && t_[p] != ',') ++p;
        key = std::string(t_.substr(b, p - b));
        while (!key.empty() && key.back() == ' ') key.pop_back();
        if (key.empty()) fail(b, "empty key");
        if (key.find_first_of(" \t\n") != std::string::npos) notes.spaced_keys = true;
      }
      skip_ws(p);
      if (p >= t_.size() || (t_[p] != ':' && t_[p] != '='))
        fail(p, fmt::format("expected ':' after key '{}'", key));
      if (t_[p] == '=') notes.equals_separator = true;
      ++p;
      obj[key] = value(p, depth + 1);
      skip_ws(p);
      if (p >= t_.size()) {
        ended();
        return obj;
      }
      if (t_[p] == ',') {
        ++p;
        continue;
      }
      if (t_[p] == '}') {
        ++p;
        return obj;
      }
      fail(p, fmt::format("expected ',' or '}}', found '{}'", t_[p]));
    }
  }

  Json array(size_t& p, int depth) {
    Json arr = Json::array();
    ++p;
    skip_ws(p);
    if (p < t_.size() && t_[p] == ']') {
      ++p;
      return arr;
    }
    while (true) {
      int before = notes.string_count;
      Json v = value(p, depth + 1);
      if (v.is_string() && before >= 45) notes.string_array_after_45_strings = true;
      arr.push_back(std::move(v));
      skip_ws(p);
      if (p >= t_.size()) fail(p, "unclosed array");
      if (t_[p] == ',') {
        ++p;
        continue;
      }
      if (t_[p] == ']') {
        ++p;
        return arr;
      }
      fail(p, fmt::format("expected ',' or ']', found '{}'", t_[p]));
    }
  }

  std::string_view t_;
  bool object_to_end_;
};

}  // namespace

NativeRead read_native_value(std::string_view text, size_t pos, bool object_to_end) {
  NativeRead r;
  Reader reader(text, object_to_end);
  try {
    size_t p = pos;
    r.value = reader.value(p, 0);
    r.end = p;
    r.ok = true;
  } catch (const ReadError& e) {
    r.error = e.what();
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  r.notes = reader.notes;
  return r;
}

}  // namespace bakeoff::control
