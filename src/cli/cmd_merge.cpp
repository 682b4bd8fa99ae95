// `bakeoff merge`: join run directories (shards from several hosts) by unit id.
#include <filesystem>

#include <fmt/core.h>

#include "cli/commands.h"
#include "store/run_store.h"

namespace bakeoff::cli {

namespace {

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string out;
  bool allow_mismatch = false;
};

int merge_command(const MergeArgs& a) {
  std::vector<std::filesystem::path> inputs;
  for (const auto& in : a.inputs) {
    if (!std::filesystem::is_directory(std::filesystem::path(in) / "units")) {
      throw UsageError(fmt::format("{}: not a run directory (no units/)", in));
    }
    inputs.emplace_back(in);
  }
  store::MergeOptions options;
  options.allow_mismatch = a.allow_mismatch;
  auto report = store::merge_runs(inputs, a.out, options);
  if (!report) {
    if (report.error().kind == "locked") throw std::runtime_error(report.error().message);
    throw UsageError(report.error().message);
  }
  for (const auto& w : report->warnings) fmt::print(stderr, "warning: {}\n", w);
  fmt::print(
      "merged {} run directories into {}: {} units ({} identical duplicates), {} blobs "
      "copied\n",
      inputs.size(), a.out, report->units, report->duplicates, report->blobs_copied);
  return 0;
}

}  // namespace

CommandRunner add_merge_command(CLI::App& root) {
  auto args = std::make_shared<MergeArgs>();
  CLI::App* cmd = root.add_subcommand(
      "merge", "Join run directories (e.g. the shards of a sweep) by unit id into one");
  cmd->add_option("RUN_DIR", args->inputs, "Run directories to join")->required();
  cmd->add_option("--out", args->out, "The merged run directory (may already hold units)")
      ->required();
  cmd->add_flag("--allow-mismatch", args->allow_mismatch,
                "Merge even when fingerprints (model digest, template sha256, server version, "
                "think) differ between inputs for the same arm; the differences are recorded");
  cmd->footer(
      "Identical duplicate units are fine; one unit id with two different traces is refused.\n"
      "Exit status: 0 merged, 2 refused (conflict, mismatch or bad input).");
  return [args] { return merge_command(*args); };
}

}  // namespace bakeoff::cli
