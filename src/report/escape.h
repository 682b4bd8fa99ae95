// Escaping for the two report formats (internal to src/report).
#pragma once
#include <string>
#include <string_view>

namespace bakeoff::report::detail {

// Text safe inside HTML elements and quoted attributes: & < > " ' become entities.
std::string html_escape(std::string_view text);

// Text safe in Markdown prose and table cells: Markdown punctuation (including `<` and `|`,
// since prompts hold `<|…|>` markers) is backslash-escaped; newlines become spaces.
std::string md_escape(std::string_view text);

// An HTML id fragment from any text: [A-Za-z0-9._-] kept, everything else becomes '_'.
std::string anchor_id(std::string_view text);

// The anchor of one step of one unit ("u-<unit>-s<step>") and of a unit ("u-<unit>").
std::string step_anchor(std::string_view unit_id, long step);
std::string unit_anchor(std::string_view unit_id);

// A number for people: integers without decimals, others with up to 3 significant decimals.
std::string fmt_number(double v);

}  // namespace bakeoff::report::detail
