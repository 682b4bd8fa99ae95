// Python's text forms that chat templates print: str.lower() for dictsort (repr() of a float is
// common/python_text.h, shared with the Jinja engine).
#pragma once
#include <string>
#include <string_view>

namespace bakeoff::formats::detail {

// Python str.lower() for the sort key of jinja's case-insensitive dictsort. Lowers ASCII,
// Latin-1, Latin Extended-A, Greek and Cyrillic capitals; other scripts compare as they are.
std::string python_lower(std::string_view text);

}  // namespace bakeoff::formats::detail
