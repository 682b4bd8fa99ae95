// bakeoff faults: the fault catalogue (FAULTS.md) with the layer and step compare must report.
#include <fmt/format.h>

#include "cli/commands.h"
#include "common/json.h"
#include "control/faults.h"

namespace bakeoff::cli {
namespace {

struct FaultsOptions {
  bool json = false;
  std::string group;
};

int run_faults(const FaultsOptions& o) {
  const auto& all = control::fault_catalogue();
  if (!o.group.empty()) {
    bool known = false;
    for (const auto& f : all) known |= f.group == o.group;
    if (!known)
      throw UsageError(fmt::format("unknown group '{}' (render, parse, runtime, client)", o.group));
  }
  if (o.json) {
    Json out = Json::array();
    for (const auto& f : all) {
      if (!o.group.empty() && f.group != o.group) continue;
      out.push_back(Json{{"id", f.id},
                         {"group", f.group},
                         {"description", f.description},
                         {"source", f.source},
                         {"expected_layer", f.expected_layer},
                         {"expected_step", f.expected_step},
                         {"calibration_task", f.calibration_task},
                         {"think", f.think},
                         {"model", f.model},
                         {"parameter", f.parameter}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{:<32} {:<8} {:<12} {:>4}  {:<20} {}\n", "FAULT", "GROUP", "LAYER", "STEP", "TASK",
             "SOURCE");
  for (const auto& f : all) {
    if (!o.group.empty() && f.group != o.group) continue;
    std::string id = f.parameter.empty() ? f.id : f.id + "[:" + f.parameter + "]";
    fmt::print("{:<32} {:<8} {:<12} {:>4}  {:<20} {}\n", id, f.group, f.expected_layer,
               f.expected_step, f.calibration_task, f.source);
    fmt::print("    {}\n", f.description);
  }
  fmt::print(
      "\nServer faults (render, parse, runtime): bakeoff serve --fault ID, or bakeoff sweep "
      "--fault ID.\n"
      "Client faults are the harness's own (arms), selected the same way on sweep.\n");
  return 0;
}

}  // namespace

CommandRunner add_faults_command(CLI::App& root) {
  auto opts = std::make_shared<FaultsOptions>();
  auto* cmd = root.add_subcommand("faults",
                                  "List the injectable faults and where compare must report each");
  cmd->add_flag("--json", opts->json, "Machine-readable output");
  cmd->add_option("--group", opts->group, "Only one group: render, parse, runtime or client");
  return [opts] { return run_faults(*opts); };
}

}  // namespace bakeoff::cli
