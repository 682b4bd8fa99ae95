// The argument block of one Gemma 4 call, `{k:v,…}`, parsed by recursive descent once the call's
// span is complete (the stream parser finds the span; strings cannot hold a control token, so
// the first control token after `<|tool_call>` other than `<|"|>` bounds it).
#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "formats/format.h"

namespace bakeoff::formats::gemma4::detail {

inline constexpr std::string_view kQuote = "<|\"|>";

struct ArgumentsResult {
  std::optional<Json> arguments;  // nullopt: did not parse (the reason is in `errors`)
  size_t end = 0;                 // offset just past the block (its `}`), or where it stopped
};

// Parses the block that opens at text[begin] ('{', or '(' for the `call:f(k=v)` form) and must
// end before `span_end`. `span_ends_at_marker`: the span was closed by a control token (missing
// closing brackets there are a repair) rather than by the end of the completion (truncation:
// an error). Offsets in the issues are offsets into `text`.
ArgumentsResult parse_arguments(std::string_view text, size_t begin, size_t span_end,
                                bool span_ends_at_marker, std::vector<ParseIssue>& errors,
                                std::vector<ParseIssue>& repairs);

}  // namespace bakeoff::formats::gemma4::detail
