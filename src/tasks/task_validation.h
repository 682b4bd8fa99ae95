// Structural validation of a parsed task file (internal to bakeoff_tasks): every error names the
// file and the JSON path of the offending field.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"

namespace bakeoff::tasks::detail {

// Checks one tool declaration (OpenAI shape, parameters an object schema with properties).
std::optional<std::string> validate_tool(const Json& tool, const std::string& field);

// Checks history messages (roles, tool_calls with object arguments).
std::optional<std::string> validate_history(const Json& history, const std::string& field);

// Checks acceptance check definitions (known kinds, their fields).
std::optional<std::string> validate_acceptance(const Json& checks, const std::string& field);

// Checks the reference trajectory against the tools offered (`tools`, OpenAI shape).
std::optional<std::string> validate_expected(const Json& expected, const Json& tools,
                                             const std::string& field);

}  // namespace bakeoff::tasks::detail
