// Tasks are data (tasks/*.json, compiled into the binary): system prompt, FAKE_HISTORY, user
// prompt, the tools offered, fixtures and acceptance checks (../shared/TASKS.md). The file
// format is documented in tasks/README.md.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace bakeoff::tasks {

struct Task {
  std::string id;  // "movies", "research", "memory", "long", "memory+write", …
  std::string description;
  std::string system_prompt;
  Json history = Json::array();  // FAKE_HISTORY: messages after the system prompt
  std::string user_prompt;
  Json tools = Json::array();       // OpenAI-style declarations offered to the model
  Json acceptance = Json::array();  // check definitions (data; see acceptance.h)
  Json expected = Json::object();   // expected shape: steps, tools, reference trajectory
  bool calibration = false;         // a calibration task (bakeoff sweep --calibrate)
  std::string task_sha256;          // sha256 of the task file bytes
  std::string fixtures_sha256;      // sha256 of the fixture data the tools read
  // Run settings the task needs to exercise what it is for, e.g. {"think":"true"} for a call
  // inside the thinking channel. Advisory: the caller decides.
  Json settings = Json::object();
  // The fixture data the tools read: {"catalogue":{…},"memory":{…},"web":{…}}.
  Json fixtures = Json::object();
  std::string source;  // where the task came from: "built-in tasks/<id>.json" or a path
};

// [system, …history, user]: the conversation at step 1.
Json initial_messages(const Task& task);

// The resolved task as JSON (shared references expanded): id, description, calibration,
// settings, prompt, system_prompt, history, tools, acceptance, expected and the two digests.
Json task_to_json(const Task& task);

// Every task id known (seed tasks first, then variants, then calibration tasks).
std::vector<std::string> task_ids();

// Loads a built-in task by id, or from `tasks_dir` when non-empty. Errors name the task and
// the offending field.
Result<Task> load_task(std::string_view id, const std::string& tasks_dir = "");

// Parses and validates task file bytes; shared files ("@name" references and fixtures) come
// from `tasks_dir`/shared, or the built-in copies when `tasks_dir` is empty. `source` names the
// file in error messages.
Result<Task> parse_task(std::string_view bytes, std::string_view source,
                        const std::string& tasks_dir = "");

// tasks/calibration.json: [{"fault","task","expected_layer","expected_step","think","why"}].
Result<Json> calibration_map(const std::string& tasks_dir = "");

// The built-in bytes of a shared file (tasks/shared/<name>), or an error naming it.
Result<std::string> shared_file(std::string_view name, const std::string& tasks_dir = "");

}  // namespace bakeoff::tasks
