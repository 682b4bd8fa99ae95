// The real unit runner: kept apart so the scheduler's tests (fake runners) link without the arms
// and tasks libraries.
#include <fmt/core.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "sweep/sweep.h"
#include "tasks/task.h"

namespace bakeoff::sweep {

UnitRunner arm_unit_runner(ArmRunnerConfig config) {
  // Every unit of a task runs the same task, so each is loaded (read, parsed, hashed) once per
  // runner, not once per unit; units running at once share it read-only.
  struct LoadedTasks {
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<const Result<tasks::Task>>, std::less<>> by_id;
  };
  auto loaded = std::make_shared<LoadedTasks>();
  return [config = std::move(config), loaded](const UnitSpec& unit,
                                              const loop::BlobSink& blobs) -> Json {
    std::shared_ptr<const Result<tasks::Task>> entry;
    {
      std::lock_guard lock(loaded->mutex);
      auto& slot = loaded->by_id[unit.task];
      if (!slot) {
        slot = std::make_shared<const Result<tasks::Task>>(
            tasks::load_task(unit.task, config.tasks_dir));
      }
      entry = slot;
    }
    const Result<tasks::Task>& task = *entry;
    if (!task) {
      return error_trace(unit, "error:task",
                         fmt::format("task {}: {}", unit.task, task.error().message));
    }
    auto arm = arms::make_arm(unit.arm, unit.settings);
    if (!arm) {
      return error_trace(unit, loop::halt_from_error_kind(arm.error().kind),
                         fmt::format("arm {}: {}", unit.arm, arm.error().message));
    }
    loop::LoopConfig lc;
    lc.unit_id = unit.unit_id;
    lc.repeat = unit.repeat;
    lc.settings_id = unit.settings_id;
    lc.settings = unit.canonical_settings;
    lc.options = unit.settings.options_json();
    lc.model = unit.settings.model;
    lc.think = unit.settings.think;
    lc.host = unit.settings.host;
    lc.num_ctx = unit.settings.num_ctx;
    lc.num_predict = unit.settings.num_predict;
    lc.step_budget = config.step_budget;
    lc.harness_version = config.harness_version;
    lc.git_sha = config.git_sha;
    return loop::run_unit(**arm, *task, lc, blobs);
  };
}

}  // namespace bakeoff::sweep
