#include "control/fault_selection.h"

#include <fmt/format.h>

#include <cstdlib>

#include "control/faults.h"

namespace bakeoff::control {

Result<FaultSelection> select_faults(const std::vector<std::string>& ids) {
  FaultSelection s;
  for (const auto& raw : ids) {
    const FaultInfo* info = find_fault(raw);
    if (info == nullptr)
      return Error{"unknown_fault",
                   fmt::format("unknown fault '{}' (`bakeoff faults` lists them)", raw)};
    size_t colon = raw.find(':');
    if (colon != std::string::npos && info->parameter.empty())
      return Error{"bad_fault_parameter", fmt::format("fault '{}' takes no parameter", info->id)};
    const std::string& id = info->id;
    s.ids.push_back(raw);
    if (id == "render-key-sort-bytewise")
      s.render.values.bytewise_key_sort = true;
    else if (id == "render-float-as-int")
      s.render.values.float_as_int = true;
    else if (id == "render-exp-expanded")
      s.render.values.exp_expanded = true;
    else if (id == "render-drop-standard-props")
      s.render.drop_standard_props = true;
    else if (id == "render-tool-response-name")
      s.render.tool_response_name = true;
    else if (id == "render-trim-unicode")
      s.render.trim_unicode = true;
    else if (id == "render-small-template-on-large")
      s.small_template_on_large = true;
    else if (id == "render-think-default-on")
      s.think_default_on = true;
    else if (id == "render-double-bos")
      s.double_bos = true;
    else if (id == "parse-drop-spaced-keys")
      s.parse.drop_spaced_keys = true;
    else if (id == "parse-drop-missing-brace")
      s.parse.drop_missing_brace = true;
    else if (id == "parse-placeholder-collision")
      s.parse.placeholder_collision = true;
    else if (id == "parse-call-inside-thinking")
      s.parse.call_inside_thinking = true;
    else if (id == "parse-numbers-as-strings")
      s.parse.numbers_as_strings = true;
    else if (id == "parse-big-int-float")
      s.parse.big_int_float = true;
    else if (id == "parse-drop-trailing-content")
      s.parse.drop_trailing_content = true;
    else if (id == "runtime-no-tool-response-stop")
      s.runtime.no_tool_response_stop = true;
    else if (id == "runtime-strip-special-tokens")
      s.runtime.strip_special_tokens = true;
    else if (id == "runtime-numeric-drift") {
      double p = 1.0;
      if (colon != std::string::npos) {
        std::string text = raw.substr(colon + 1);
        char* end = nullptr;
        p = std::strtod(text.c_str(), &end);
        if (text.empty() || end == nullptr || *end != '\0' || !(p >= 0 && p <= 1))
          return Error{"bad_fault_parameter",
                       fmt::format("fault '{}': the probability must be a number in [0, 1]", raw)};
      }
      s.runtime.numeric_drift = p;
    } else if (info->group == "client") {
      s.client.push_back(id);
    }
  }
  return s;
}

}  // namespace bakeoff::control
