// Python str algorithms used by filters and methods: split/rsplit/splitlines, replace, center,
// int()/float() parsing, and jinja2's indent/title/truncate/wordcount/striptags.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jinja/value.h"

namespace bakeoff::jinja {

// The start of sub's last occurrence in s, else npos (empty sub: s.size()). A scan for sub's
// last byte with memrchr, where std::string_view::rfind compares at every position.
size_t py_rfind(std::string_view s, std::string_view sub);
// sep == nullptr: split on runs of Unicode whitespace.
std::vector<std::string> py_split(std::string_view s, const std::string* sep, int64_t maxsplit);
std::vector<std::string> py_split(std::string_view s, std::string_view sep, int64_t maxsplit);
std::vector<std::string> py_rsplit(std::string_view s, const std::string* sep, int64_t maxsplit);
std::vector<std::string> py_splitlines(std::string_view s, bool keepends);
std::string py_replace(std::string_view s, std::string_view old, std::string_view repl,
                       int64_t count);
std::string py_center(std::string_view s, int64_t width, std::string_view fill);
std::string py_ljust(std::string_view s, int64_t width, std::string_view fill, bool right);
std::optional<int64_t> py_int(const Value& v, int base);
std::optional<double> py_float(const Value& v);
std::string py_indent(const std::string& s, const std::string& indention, bool first, bool blank);
std::string jinja_title(std::string_view s);
std::string py_truncate(const std::string& s, int64_t length, bool killwords,
                        const std::string& end, int64_t leeway);
int64_t py_wordcount(std::string_view s);
std::string py_striptags(const std::string& s);

}  // namespace bakeoff::jinja
