// Python's number printing and string formatting as templates reach them: repr(float) (shortest
// round trip, exponent outside 1e-4..1e16), str(int), `fmt % args` and str.format.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jinja/value.h"

namespace bakeoff::jinja {

void append_float_repr(std::string& out, double v);
std::string float_repr(double v);
void append_int(std::string& out, int64_t v);

// `fmt % args` (printf-style); args is a tuple for several values. Throws JinjaError.
std::string percent_format(std::string_view fmt, const Value& args);
// str.format with positional and keyword arguments. Throws JinjaError.
std::string str_format(std::string_view fmt, const std::vector<Value>& args,
                       const std::vector<std::pair<std::string, Value>>& kwargs);

}  // namespace bakeoff::jinja
