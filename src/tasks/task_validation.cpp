#include "tasks/task_validation.h"

#include <fmt/format.h>

#include <regex>
#include <set>

#include "tasks/schema.h"

namespace bakeoff::tasks::detail {
namespace {

using Problem = std::optional<std::string>;

Problem need(const Json& obj, const char* key, bool (Json::*is)() const noexcept, const char* what,
             const std::string& field) {
  if (!obj.contains(key))
    return fmt::format("field '{}.{}': missing ({} required)", field, key, what);
  if (!(obj[key].*is)()) return fmt::format("field '{}.{}': must be {}", field, key, what);
  return std::nullopt;
}

const std::set<std::string>& check_kinds() {
  static const std::set<std::string> kinds = {
      "contains", "not_contains", "matches",    "not_matches", "max_sentences",  "any_of",
      "all_of",   "called",       "not_called", "called_with", "not_called_with"};
  return kinds;
}

Problem validate_check(const Json& check, const std::string& field) {
  if (!check.is_object()) return fmt::format("field '{}': a check must be an object", field);
  if (auto p = need(check, "kind", &Json::is_string, "a string", field)) return p;
  const std::string kind = check["kind"].get<std::string>();
  if (!check_kinds().count(kind)) {
    std::string known;
    for (const auto& k : check_kinds()) known += (known.empty() ? "" : ", ") + k;
    return fmt::format("field '{}.kind': unknown check kind '{}' (known: {})", field, kind, known);
  }
  if (check.contains("name") && !check["name"].is_string())
    return fmt::format("field '{}.name': must be a string", field);
  if (kind == "contains" || kind == "not_contains")
    return need(check, "text", &Json::is_string, "a string", field);
  if (kind == "matches" || kind == "not_matches") {
    if (auto p = need(check, "regex", &Json::is_string, "a string", field)) return p;
    try {
      std::regex re(check["regex"].get<std::string>(), std::regex::icase);
    } catch (const std::regex_error& e) {
      return fmt::format("field '{}.regex': not a valid regular expression ({})", field, e.what());
    }
    return std::nullopt;
  }
  if (kind == "max_sentences")
    return need(check, "n", &Json::is_number_unsigned, "a non-negative integer", field);
  if (kind == "any_of" || kind == "all_of") {
    if (auto p = need(check, "checks", &Json::is_array, "an array", field)) return p;
    if (check["checks"].empty()) return fmt::format("field '{}.checks': must not be empty", field);
    for (size_t i = 0; i < check["checks"].size(); ++i)
      if (auto p = validate_check(check["checks"][i], fmt::format("{}.checks[{}]", field, i)))
        return p;
    return std::nullopt;
  }
  if (auto p = need(check, "tool", &Json::is_string, "a string", field)) return p;
  if (kind == "called_with" || kind == "not_called_with")
    return need(check, "args", &Json::is_object, "an object", field);
  return std::nullopt;
}

std::set<std::string> tool_names(const Json& tools) {
  std::set<std::string> names;
  for (const auto& t : tools) names.insert(t["function"]["name"].get<std::string>());
  return names;
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

Problem validate_tool(const Json& tool, const std::string& field) {
  if (!tool.is_object())
    return fmt::format("field '{}': a tool declaration must be an object", field);
  if (!tool.contains("type") || tool["type"] != "function")
    return fmt::format("field '{}.type': must be \"function\"", field);
  if (auto p = need(tool, "function", &Json::is_object, "an object", field)) return p;
  const Json& fn = tool["function"];
  const std::string f = field + ".function";
  if (auto p = need(fn, "name", &Json::is_string, "a string", f)) return p;
  if (fn["name"].get_ref<const std::string&>().empty())
    return fmt::format("field '{}.name': must not be empty", f);
  if (auto p = need(fn, "description", &Json::is_string, "a string", f)) return p;
  if (!fn.contains("parameters"))
    return fmt::format("field '{}.parameters': missing (tool '{}' has no parameters schema)", f,
                       fn["name"].get<std::string>());
  const Json& params = fn["parameters"];
  if (!params.is_object()) return fmt::format("field '{}.parameters': must be an object", f);
  if (params.value("type", "") != "object")
    return fmt::format("field '{}.parameters.type': must be \"object\"", f);
  if (auto p = need(params, "properties", &Json::is_object, "an object", f + ".parameters"))
    return p;
  if (params.contains("required")) {
    if (!params["required"].is_array())
      return fmt::format("field '{}.parameters.required': must be an array", f);
    for (const auto& r : params["required"])
      if (!r.is_string() || !params["properties"].contains(r.get<std::string>()))
        return fmt::format("field '{}.parameters.required': {} is not a declared property", f,
                           r.dump());
  }
  for (const auto& [name, schema] : params["properties"].items())
    if (!schema.is_object() || !schema.contains("type"))
      return fmt::format("field '{}.parameters.properties.{}': must be an object with a type", f,
                         name);
  return std::nullopt;
}

Problem validate_history(const Json& history, const std::string& field) {
  static const std::set<std::string> roles = {"system", "user", "assistant", "tool"};
  for (size_t i = 0; i < history.size(); ++i) {
    const Json& m = history[i];
    const std::string f = fmt::format("{}[{}]", field, i);
    if (!m.is_object()) return fmt::format("field '{}': a message must be an object", f);
    if (auto p = need(m, "role", &Json::is_string, "a string", f)) return p;
    if (!roles.count(m["role"].get<std::string>()))
      return fmt::format("field '{}.role': unknown role {}", f, m["role"].dump());
    if (auto p = need(m, "content", &Json::is_string, "a string", f)) return p;
    if (m.contains("tool_calls")) {
      if (!m["tool_calls"].is_array())
        return fmt::format("field '{}.tool_calls': must be an array", f);
      for (size_t j = 0; j < m["tool_calls"].size(); ++j) {
        const Json& c = m["tool_calls"][j];
        const std::string cf = fmt::format("{}.tool_calls[{}].function", f, j);
        if (!c.is_object() || !c.contains("function") || !c["function"].is_object())
          return fmt::format("field '{}': missing", cf);
        if (auto p = need(c["function"], "name", &Json::is_string, "a string", cf)) return p;
        if (auto p = need(c["function"], "arguments", &Json::is_object, "a JSON object", cf))
          return p;
      }
    }
    if (m["role"] == "tool") {
      if (auto p = need(m, "tool_call_id", &Json::is_string, "a string", f)) return p;
      if (auto p = need(m, "name", &Json::is_string, "a string", f)) return p;
    }
  }
  return std::nullopt;
}

Problem validate_acceptance(const Json& checks, const std::string& field) {
  if (!checks.is_array()) return fmt::format("field '{}': must be an array", field);
  for (size_t i = 0; i < checks.size(); ++i)
    if (auto p = validate_check(checks[i], fmt::format("{}[{}]", field, i))) return p;
  return std::nullopt;
}

Problem validate_expected(const Json& expected, const Json& tools, const std::string& field) {
  if (!expected.is_object()) return fmt::format("field '{}': must be an object", field);
  if (auto p = need(expected, "steps", &Json::is_number_unsigned, "a non-negative integer", field))
    return p;
  if (auto p =
          need(expected, "tool_calls", &Json::is_number_unsigned, "a non-negative integer", field))
    return p;
  if (auto p = need(expected, "trajectory", &Json::is_array, "an array", field)) return p;
  const Json& traj = expected["trajectory"];
  if (traj.empty()) return fmt::format("field '{}.trajectory': must not be empty", field);
  const auto names = tool_names(tools);
  static const std::regex placeholder(R"(\{([A-Za-z_][A-Za-z0-9_]*)\.[^{}\s]+\})");
  size_t calls_total = 0;
  for (size_t i = 0; i < traj.size(); ++i) {
    const Json& turn = traj[i];
    const std::string f = fmt::format("{}.trajectory[{}]", field, i);
    if (!turn.is_object()) return fmt::format("field '{}': a turn must be an object", f);
    const bool has_calls = turn.contains("calls"), has_answer = turn.contains("answer");
    if (has_calls == has_answer)
      return fmt::format("field '{}': a turn has either calls or an answer", f);
    if (has_answer) {
      if (!turn["answer"].is_string()) return fmt::format("field '{}.answer': must be a string", f);
      if (i + 1 != traj.size())
        return fmt::format("field '{}': only the last turn may be the answer", f);
      const auto& answer = turn["answer"].get_ref<const std::string&>();
      for (std::sregex_iterator it(answer.begin(), answer.end(), placeholder), end; it != end; ++it)
        if (!names.count((*it)[1].str()))
          return fmt::format("field '{}.answer': placeholder {} names unknown tool '{}'", f,
                             it->str(), (*it)[1].str());
      continue;
    }
    if (i + 1 == traj.size()) return fmt::format("field '{}': the last turn must be the answer", f);
    if (!turn["calls"].is_array() || turn["calls"].empty())
      return fmt::format("field '{}.calls': must be a non-empty array", f);
    for (size_t j = 0; j < turn["calls"].size(); ++j) {
      const Json& c = turn["calls"][j];
      const std::string cf = fmt::format("{}.calls[{}]", f, j);
      if (!c.is_object()) return fmt::format("field '{}': a call must be an object", cf);
      if (auto p = need(c, "name", &Json::is_string, "a string", cf)) return p;
      if (!names.count(c["name"].get<std::string>()))
        return fmt::format("field '{}.name': unknown tool '{}' (the task offers: {})", cf,
                           c["name"].get<std::string>(), join(names));
      if (auto p = need(c, "arguments", &Json::is_object, "an object", cf)) return p;
      if (c.contains("optional_arguments") && !c["optional_arguments"].is_object())
        return fmt::format("field '{}.optional_arguments': must be an object", cf);
      ++calls_total;
    }
    for (const char* flag : {"parallel_ok", "any_order"})
      if (turn.contains(flag) && !turn[flag].is_boolean())
        return fmt::format("field '{}.{}': must be a boolean", f, flag);
    for (const char* text : {"quirk", "thinking"})
      if (turn.contains(text) && !turn[text].is_string())
        return fmt::format("field '{}.{}': must be a string", f, text);
    static const std::set<std::string> quirks = {
        "missing_final_brace",       "extra_tool_call_close", "eos_after_call",
        "single_quoted_values",      "key_equals_value",      "spaced_keys",
        "empty_thought_before_call", "content_after_call",    "call_inside_thinking"};
    if (turn.contains("quirk") && !quirks.count(turn["quirk"].get<std::string>()))
      return fmt::format("field '{}.quirk': unknown quirk '{}' (known: {})", f,
                         turn["quirk"].get<std::string>(), join(quirks));
  }
  if (expected["tool_calls"].get<size_t>() != calls_total)
    return fmt::format("field '{}.tool_calls': says {} but the trajectory makes {} calls", field,
                       expected["tool_calls"].get<size_t>(), calls_total);
  if (expected["steps"].get<size_t>() != traj.size())
    return fmt::format("field '{}.steps': says {} but the trajectory has {} turns", field,
                       expected["steps"].get<size_t>(), traj.size());
  return std::nullopt;
}

}  // namespace bakeoff::tasks::detail
