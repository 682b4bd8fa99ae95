// Argument normalisation and validation against a tool's JSON Schema (TASKS.md §1): strings
// trimmed with internal whitespace collapsed (case kept; tools fold case only to match),
// integers and numbers from JSON numbers or numeric strings, booleans from true/false strings,
// defaults filled in. Violations become error objects (errors are data).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"

namespace bakeoff::tasks {

struct ArgCheck {
  Json args_norm = Json::object();  // declared properties in declaration order, then extras by key
  std::optional<Json> error;        // {"error":"missing_required"|"invalid_argument",…}
};

// Normalises and validates `args` (non-objects count as no arguments) against `parameters`.
ArgCheck check_args(const Json& parameters, const Json& args);

// Trims and collapses runs of ASCII whitespace to one space.
std::string normalise_text(std::string_view text);

// ASCII lower case: the case folding used for matching (non-ASCII bytes are kept).
std::string fold_case(std::string_view text);

// The compact JSON text fed back to the model (UTF-8 kept, invalid bytes replaced).
std::string compact_json(const Json& value);

}  // namespace bakeoff::tasks
