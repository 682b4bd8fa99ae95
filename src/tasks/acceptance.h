// Per-task acceptance checks, evaluated on the final answer and the calls made.
#pragma once
#include <string>
#include <vector>

#include "common/json.h"
#include "tasks/task.h"

namespace bakeoff::tasks {

struct CallRecord {
  std::string name;
  Json args_norm;
};

struct CheckResult {
  std::string name;
  bool passed = false;
  std::string detail;  // why it passed or failed, quoting what was found
};

// Evaluates the task's checks (kinds: contains, not_contains, matches, not_matches,
// max_sentences, any_of, all_of, called, not_called, called_with, not_called_with; see
// tasks/README.md) on the final answer and the calls made, in the task's order.
std::vector<CheckResult> check_acceptance(const Task& task, const std::string& final_answer,
                                          const std::vector<CallRecord>& calls);

// True when every check passed (the trace's final.accepted).
bool all_passed(const std::vector<CheckResult>& results);

}  // namespace bakeoff::tasks
