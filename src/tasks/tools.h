// The eight deterministic tools (and calibration tools): pure functions of normalised arguments
// plus per-run state (only memory_store mutates). Errors are data, never exceptions.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "common/json.h"
#include "tasks/task.h"

namespace bakeoff::tasks {

// NOLINTNEXTLINE(bugprone-exception-escape): Json members; ordered_json never throws on
// move/destroy
struct ToolOutcome {
  Json args_norm;           // the normalised arguments the tool computed with
  Json result;              // e.g. {"results":[…]} or {"error":"missing_required","arg":"query"}
  std::string result_text;  // the exact text fed back to the model (compact JSON of result)
  std::string result_sha256;  // sha256(result_text)
};

// One run's tool environment: fresh state per unit.
class ToolBox {
 public:
  explicit ToolBox(const Task& task);
  ~ToolBox();
  ToolBox(ToolBox&&) noexcept;
  ToolBox& operator=(ToolBox&&) noexcept;
  // Executes `name` with `args` (any JSON; non-objects are treated as missing arguments).
  ToolOutcome call(std::string_view name, const Json& args);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The task's normalisation of arguments for tool `name` (no execution, no state change).
Json normalise_args(const Task& task, std::string_view name, const Json& args);

}  // namespace bakeoff::tasks
