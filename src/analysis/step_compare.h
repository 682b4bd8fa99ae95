// Comparing two units step by step: the first divergence and its layer, the layers that were
// actually checked at each step, and the token-count cross-check (docs/ARCHITECTURE.md
// "Compare layers").
#pragma once
#include <string>

#include "analysis/run_data.h"
#include "common/json.h"

namespace bakeoff::analysis {

// The layers in the order they are checked at each step; `halt` is checked last.
inline constexpr const char* kLayers[] = {"prompt",    "completion",  "parse",
                                          "arguments", "tool_result", "halt"};

// Type-exact JSON equality: 2016, 2016.0 and "2016" all differ; object key order is ignored.
bool json_equal_exact(const Json& a, const Json& b);

// One comparison document entry for units x and y (same task/settings; a cross-arm pair or an
// A-vs-A control): {"task","repeat","settings_id","arms","units","kind","first_divergence",
// "steps":[{"step","checked_layers","unchecked"}], "token_crosscheck":{…}, "diverges"}.
// `kind` is "cross_arm" or "control". `blobs` supplies prompt bytes for the prompt diff.
Json compare_units(const UnitRecord& x, const UnitRecord& y, const BlobSource& blobs,
                   const std::string& kind);

// True when a comparison entry shows a divergence: a first divergence, or a token-count
// difference the prompt bytes do not explain (an extra BOS, or a flagged count).
bool comparison_diverges(const Json& comparison);

}  // namespace bakeoff::analysis
