// The fault catalogue of ../shared/FAULTS.md: ids, what each does, and where compare must
// report it (the positive controls).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace bakeoff::control {

struct FaultInfo {
  std::string id;     // "render-key-sort-bytewise"
  std::string group;  // "render" | "parse" | "runtime" | "client"
  std::string description;
  std::string source;            // the real report it reproduces
  std::string expected_layer;    // prompt|completion|parse|arguments|tool_result|halt|token_count
  std::string calibration_task;  // the task that triggers it
  int expected_step = 0;         // the step compare must report on that task
  std::string think = "false";   // the think setting the calibration run needs: true|false|unset
  std::string model;             // the model the calibration run needs ("" = the default)
  std::string parameter;         // a parameter the id takes after ':' ("" = none)
};

const std::vector<FaultInfo>& fault_catalogue();
// The entry for `id`; an id may carry a parameter after ':' (runtime-numeric-drift:0.3).
const FaultInfo* find_fault(std::string_view id);

}  // namespace bakeoff::control
