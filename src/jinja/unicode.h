// UTF-8 and the parts of Python's Unicode str semantics templates reach: code-point length and
// indexing, isspace, and the case mappings of upper/lower/title/capitalize (from the C library's
// Unicode tables plus Python's special full mappings such as 'ß'.upper() == 'SS').
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.h"

namespace bakeoff::jinja::unicode {

bool is_ascii(std::string_view s);
// Decodes UTF-8; an invalid byte decodes as itself (U+0080..U+00FF) rather than failing.
std::u32string decode(std::string_view s);
inline char32_t next_code_point(std::string_view s, size_t i, size_t* len) {
  return next_utf8_code_point(s, i, len);
}
using bakeoff::append_utf8;
std::string encode(std::u32string_view s);
size_t length(std::string_view s);  // in code points

bool is_space(char32_t c);  // Python str.isspace
bool is_cased(char32_t c);
bool is_alnum(char32_t c);
bool is_alpha(char32_t c);
bool is_digit(char32_t c);

// c upper-cased (or lower-cased) if it is an ASCII letter: all that Python's upper() and
// lower() do to ASCII text, one byte for one.
inline char ascii_cased(char c, bool to_upper) {
  const char first = to_upper ? 'a' : 'A';
  if (c < first || c > first + 25) return c;
  return static_cast<char>(to_upper ? c - 32 : c + 32);
}
std::string upper(std::string_view s);
std::string lower(std::string_view s);
std::string title(std::string_view s);
std::string capitalize(std::string_view s);
std::string swapcase(std::string_view s);
bool is_upper(std::string_view s);
bool is_lower(std::string_view s);

// Python str.strip/lstrip/rstrip: chars == nullptr strips Unicode whitespace.
std::string_view strip(std::string_view s, const std::string* chars, bool left, bool right);

}  // namespace bakeoff::jinja::unicode
