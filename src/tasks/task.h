// Tasks are data (tasks/*.json, compiled into the binary): system prompt, FAKE_HISTORY, user
// prompt, the tools offered, fixtures and acceptance checks (../shared/TASKS.md).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace bakeoff::tasks {

struct Task {
  std::string id;            // "movies", "research", "memory", "long", "memory+write", …
  std::string description;
  std::string system_prompt;
  Json history = Json::array();  // FAKE_HISTORY: messages after the system prompt
  std::string user_prompt;
  Json tools = Json::array();    // OpenAI-style declarations offered to the model
  Json acceptance = Json::array();  // check definitions (data; see acceptance.h)
  Json expected = Json::object();   // expected shape: steps, tools, reference trajectory
  bool calibration = false;         // a calibration task (bakeoff sweep --calibrate)
  std::string task_sha256;          // sha256 of the task file bytes
  std::string fixtures_sha256;      // sha256 of the fixture data the tools read
};

// [system, …history, user]: the conversation at step 1.
Json initial_messages(const Task& task);

// Every task id known (seed tasks first, then variants, then calibration tasks).
std::vector<std::string> task_ids();

// Loads a built-in task by id, or from `tasks_dir` when non-empty. Errors name the task and
// the offending field.
Result<Task> load_task(std::string_view id, const std::string& tasks_dir = "");

}  // namespace bakeoff::tasks
