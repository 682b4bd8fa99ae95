// The control model's scripts from the tasks library's built-in tasks.
#include "control/control_model.h"
#include "tasks/task.h"

namespace bakeoff::control {

std::vector<TaskScript> load_builtin_task_scripts() {
  std::vector<TaskScript> out;
  for (const auto& id : tasks::task_ids()) {
    auto task = tasks::load_task(id);
    if (!task) continue;  // a broken task file is the tasks library's error to report
    TaskScript s;
    s.task_id = task->id;
    s.user_prompt = task->user_prompt;
    if (task->expected.contains("trajectory")) s.trajectory = task->expected["trajectory"];
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace bakeoff::control
