// Sections of the HTML report (internal to src/report).
#pragma once
#include <string>

#include "analysis/run_data.h"
#include "common/json.h"

namespace bakeoff::report::detail {

// One comparison: first-divergence banner, token cross-check, the two arms side by side per
// step (token-count cells marked), and the prompt diff. `index` gives the anchor "cmp-<index>".
std::string comparison_section(const analysis::RunData& run, const Json& comparison, size_t index);

// One unit's steps, each row anchored "u-<unit>-s<step>" so that every number can link to it.
std::string unit_section(const analysis::UnitRecord& unit);

// The anchor ("#u-…-s<step>") of a comparison's step on whichever side has that step (a halt
// divergence can sit one step past the shorter unit), else the first unit's section.
std::string comparison_step_href(const analysis::RunData& run, const Json& comparison, long step);

// A unified diff (text_diff.h output) as coloured HTML lines.
std::string diff_html(const std::string& diff);

}  // namespace bakeoff::report::detail
