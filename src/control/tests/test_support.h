// Shared helpers of the control tests: the jinja2 oracle and conversations played by the
// control model over the real tasks (the "every seed task at every step" corpus).
#pragma once
#include <string>
#include <vector>

#include "common/json.h"

namespace bakeoff::control::testing {

// Renders cases ([{messages, tools, extra}]) with Python jinja2 (HF-configured) for each
// template file; result[i][j] is case i under template j (a string, or {"error": …}).
Json run_oracle(const Json& cases, const std::vector<std::string>& template_paths);

struct ConversationCase {
  std::string task;
  int step = 0;
  bool think = false;
  bool with_ids = true;
  Json messages;  // HF-style history at this step (what the prompt is rendered from)
  Json tools;
};

// Plays every built-in task with the control model (C++ renderer + parser + tools) and returns
// the conversation before every step, for think off/on; tasks in `no_id_tasks` also without
// tool-call ids.
std::vector<ConversationCase> task_conversations(const std::vector<std::string>& no_id_tasks);

std::string canonical_template_path(bool large);
std::string our_template_path(bool large);

}  // namespace bakeoff::control::testing
