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

std::vector<CheckResult> check_acceptance(const Task& task, const std::string& final_answer,
                                          const std::vector<CallRecord>& calls);

}  // namespace bakeoff::tasks
