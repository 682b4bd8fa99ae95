// The reference trajectory of a task ("expected.trajectory", the contract with the control
// model): placeholder filling and a replay through the ToolBox that yields the conversation and
// the final answer a faithful path produces.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "tasks/acceptance.h"
#include "tasks/task.h"
#include "tasks/tools.h"

namespace bakeoff::tasks {

// Replaces each {tool_name.dotted.path} with the value at that path in `latest_results[tool]`
// (the tool's most recent JSON result): strings verbatim, other values as compact JSON.
// Unfillable placeholders become "<unknown>".
std::string fill_placeholders(std::string_view text, const Json& latest_results);

// The choices a model may make among equivalent reference behaviours.
struct ReplayChoice {
  bool include_optional = false;   // add each call's optional_arguments
  bool split_parallel = false;     // a parallel_ok turn becomes one turn per call
  bool reverse_any_order = false;  // an any_order turn emits its calls in reverse order
  bool with_ids = true;            // tool calls and results carry ids call_1, call_2, …
};

struct Replay {
  Json messages = Json::array();  // initial messages, then every assistant and tool message
  std::vector<CallRecord> calls;  // in execution order
  std::vector<ToolOutcome> outcomes;
  std::string final_answer;
  int steps = 0;  // model turns, the answer included
};

// Plays the task's reference trajectory against a fresh ToolBox.
Replay replay_reference(const Task& task, const ReplayChoice& choice = {});

}  // namespace bakeoff::tasks
