// The tasks library behind TaskEnvironment: kept in its own file so the loop's own tests, which
// bring their own environment, need nothing of the tasks library at link time.
#include "loop/loop.h"

namespace bakeoff::loop {

namespace {

class ToolBoxEnvironment final : public TaskEnvironment {
 public:
  explicit ToolBoxEnvironment(const tasks::Task& task) : task_(task), tools_(task) {}
  Json initial_messages() override { return tasks::initial_messages(task_); }
  tasks::ToolOutcome call(std::string_view name, const Json& args) override {
    return tools_.call(name, args);
  }
  std::vector<tasks::CheckResult> check(const std::string& final_answer,
                                        const std::vector<tasks::CallRecord>& calls) override {
    return tasks::check_acceptance(task_, final_answer, calls);
  }

 private:
  const tasks::Task& task_;
  tasks::ToolBox tools_;
};

}  // namespace

std::unique_ptr<TaskEnvironment> task_environment(const tasks::Task& task) {
  return std::make_unique<ToolBoxEnvironment>(task);
}

Json run_unit(arms::Arm& arm, const tasks::Task& task, const LoopConfig& config,
              const BlobSink& blobs) {
  auto env = task_environment(task);
  return run_unit(arm, task, config, blobs, *env);
}

}  // namespace bakeoff::loop
