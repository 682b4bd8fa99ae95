// The agent loop: one loop for every arm. Send the history, receive the assistant turn, run the
// tool calls, append, repeat up to the step budget; record every step completely (even the one
// that halts) as the unit trace of docs/ARCHITECTURE.md, seed field names first.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "arms/arm.h"
#include "common/json.h"
#include "tasks/acceptance.h"
#include "tasks/task.h"
#include "tasks/tools.h"

namespace bakeoff::loop {

// A model turn with no content, no call and at most this many generated tokens is the seed's
// round-3 signature: the model "stopped" without saying anything (halt `silent_stop`).
inline constexpr int kSilentStopMaxEvalCount = 2;

// What the unit is and how it runs; the settings facts are computed by the caller (the loop
// records them, it does not interpret them).
struct LoopConfig {
  std::string unit_id;
  int repeat = 1;
  std::string settings_id;
  Json settings = Json::object();  // canonical settings (think, stream, profile, options, fault)
  Json options = Json::object();   // Ollama options as sent, recorded on every step
  std::string model = "gemma4:latest";
  std::string think = "unset";
  std::string host;
  int num_ctx = 8192;
  int num_predict = 2048;
  int step_budget = 20;
  int silent_stop_max_eval_count = kSilentStopMaxEvalCount;
  std::string harness_version;
  std::string git_sha;
};

// Stores bytes (a blob) and returns their sha256: RunStore::put_blob, or a fake in tests.
using BlobSink = std::function<std::string(std::string_view)>;

// The task side of a unit: the starting conversation, the tools and the acceptance checks.
// task_environment() wraps the tasks library; tests may supply their own.
class TaskEnvironment {
 public:
  virtual ~TaskEnvironment() = default;
  virtual Json initial_messages() = 0;
  virtual tasks::ToolOutcome call(std::string_view name, const Json& args) = 0;
  virtual std::vector<tasks::CheckResult> check(const std::string& final_answer,
                                                const std::vector<tasks::CallRecord>& calls) = 0;
};

// The environment of `task` from the tasks library: initial_messages, a fresh ToolBox,
// check_acceptance.
std::unique_ptr<TaskEnvironment> task_environment(const tasks::Task& task);

// Runs one unit to its halt and returns the trace. Never throws for anything the arm, the
// server or the model does: those become halt reasons. `task` gives the prompt, tools and
// fingerprints; `env` the conversation and tools.
Json run_unit(arms::Arm& arm, const tasks::Task& task, const LoopConfig& config,
              const BlobSink& blobs, TaskEnvironment& env);

// run_unit with task_environment(task).
Json run_unit(arms::Arm& arm, const tasks::Task& task, const LoopConfig& config,
              const BlobSink& blobs);

// Total characters (Unicode code points, as the seed's Python len()) of the messages' string
// `content`: the seed's `history_chars_before_append`.
size_t history_chars(const Json& messages);

// The halt reason an Arm::prepare() error maps to: its kind when it already is one
// ("env_missing", "error:…", …), else "error:<kind>".
std::string halt_from_error_kind(const std::string& kind);

}  // namespace bakeoff::loop
