// Python's text forms that chat templates print: str() of a float, str.lower() for dictsort.
#pragma once
#include <string>
#include <string_view>

namespace bakeoff::formats::detail {

// Python repr()/str() of a float: shortest round-trip digits, positional for 1e-4 <= |x| < 1e16
// (always with a '.': 2.0), exponent form otherwise (1e+16, 1e-05, 1.5e-07); inf, -inf, nan.
std::string python_float_repr(double value);

// Python str.lower() for the sort key of jinja's case-insensitive dictsort. Lowers ASCII,
// Latin-1, Latin Extended-A, Greek and Cyrillic capitals; other scripts compare as they are.
std::string python_lower(std::string_view text);

}  // namespace bakeoff::formats::detail
