// `bakeoff run`: one arm on one task (N repeats) into a run directory, plus the seed-compatible
// trace at --out.
#include <filesystem>

#include <fmt/core.h>

#include "backends/ollama_client.h"
#include "cli/commands.h"
#include "cli/run_settings_flags.h"
#include "cli/version.h"
#include "common/files.h"
#include "store/run_store.h"
#include "sweep/sweep.h"
#include "tasks/task.h"

namespace bakeoff::cli {

namespace fs = std::filesystem;

namespace {

struct RunArgs {
  SettingsFlags flags;
  std::string arm;
  std::string task;
  std::string out;
  std::string host;
  std::string run_dir;
  std::string tasks_dir;
  int repeat = 1;
};

// --out for repeat 1, <stem>.r<N><ext> beside it for the others.
fs::path trace_path(const fs::path& out, int repeat) {
  if (repeat == 1) return out;
  fs::path p = out;
  p.replace_filename(out.stem().string() + ".r" + std::to_string(repeat) +
                     out.extension().string());
  return p;
}

std::string unit_summary(const Json& t) {
  const Json& f = t["final"];
  size_t passed = 0;
  for (const auto& c : f.value("acceptance", Json::array())) passed += c.value("passed", false);
  return fmt::format("{} {} r{}: {}, {} steps, {} tool calls, {:.2f}s, acceptance {}/{}",
                     t.value("arm", ""), t.value("task", ""), t.value("repeat", 0),
                     f.value("halt_reason", ""), f.value("steps_used", 0),
                     f.value("tool_calls_total", 0), f.value("wall_clock_s", 0.0), passed,
                     f.value("acceptance", Json::array()).size());
}

int run_command(RunArgs& a) {
  require_known_arm(a.arm);
  auto task = tasks::load_task(a.task, a.tasks_dir);
  if (!task) throw UsageError(task.error().message);
  if (a.out.empty()) {
    a.out = (fs::path("runs") / ("run-" + store::utc_now_iso()) / (a.arm + "." + a.task + ".json"))
                .string();
  }
  const fs::path out(a.out);
  if (out.filename().empty() || fs::is_directory(out)) {
    throw UsageError(
        fmt::format("--out \"{}\" must name a trace file, e.g. runs/A/memory.json", a.out));
  }
  const fs::path run_dir =
      a.run_dir.empty() ? (out.has_parent_path() ? out.parent_path() : ".") : fs::path(a.run_dir);

  sweep::SettingsCell cell;
  cell.settings = resolve_settings(a.flags);
  cell.settings.host = backends::resolve_host(a.host);
  cell.canonical = canonical_settings(cell.settings);
  auto units = sweep::plan_units({a.arm}, {a.task}, {cell}, a.repeat);

  auto store = store::RunStore::open(run_dir);
  if (!store) throw std::runtime_error(store.error().message);
  (*store)->set_run_info(
      {{"harness",
        {{"version", std::string(bakeoff_version())}, {"git_sha", std::string(bakeoff_git_sha())}}},
       {"host", cell.settings.host}});
  sweep::ArmRunnerConfig rc;
  rc.tasks_dir = a.tasks_dir;
  rc.step_budget = a.flags.step_budget;
  rc.harness_version = std::string(bakeoff_version());
  rc.git_sha = std::string(bakeoff_git_sha());
  sweep::SweepOptions options;
  options.progress = sweep::ProgressMode::none;
  sweep::run_sweep(**store, units, options, sweep::arm_unit_runner(rc));

  int status = 0;
  for (const auto& u : units) {
    auto trace = (*store)->load_unit(u.unit_id);
    if (!trace) throw std::runtime_error("unit " + u.unit_id + " was not written");
    for (const auto& w : (*trace)["warnings"]) fmt::print(stderr, "warning: {}\n", w.dump());
    const fs::path path = trace_path(out, u.repeat);
    write_file_atomic(path, trace->dump(2) + "\n");
    fmt::print("{} -> {}\n", unit_summary(*trace), path.string());
    const std::string halt = (*trace)["final"].value("halt_reason", "");
    if (store::is_error_halt(halt)) {
      fmt::print(stderr, "  {}: {}\n", halt, (*trace)["final"].value("halt_detail", ""));
      status = 1;
    }
  }
  return status;
}

}  // namespace

CommandRunner add_run_command(CLI::App& root) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = root.add_subcommand(
      "run", "Run one arm on one task (optionally N times) and write its trace");
  cmd->add_option("--arm", args->arm,
                  "Inference path: ollama-json | ollama-native | control | reference-hf")
      ->required();
  cmd->add_option("--task", args->task,
                  "Task: movies | research | memory | long, or a variant (memory+write, "
                  "history-hostile); 'bakeoff tasks' lists them")
      ->required();
  cmd->add_option("--out", args->out,
                  "Seed-compatible trace file (repeat 1); with --repeat N>1 the others go beside "
                  "it as <stem>.r2.json, <stem>.r3.json, …  Default: runs/run-<UTC time>/"
                  "<arm>.<task>.json");
  cmd->add_option("--host", args->host,
                  "Ollama server URL (default: $OLLAMA_HOST or http://127.0.0.1:11434)");
  cmd->add_option("--repeat", args->repeat, "Run the unit N times (repeats 1..N)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--run-dir", args->run_dir,
                  "Run directory for manifest.json, units/, steps.jsonl and blobs/ (default: the "
                  "directory of --out)");
  cmd->add_option("--tasks-dir", args->tasks_dir,
                  "Read task files from this directory instead of the built-in ones")
      ->check(CLI::ExistingDirectory);
  add_settings_flags(cmd, args->flags);
  cmd->footer(
      "Examples:\n"
      "  bakeoff run --arm ollama-json --task memory --model gemma4:latest --out "
      "runs/A/memory.json\n"
      "  bakeoff run --arm ollama-json --task long --think false --repeat 3 --out "
      "runs/A/long.json\n"
      "Exit status: 0 when every unit ran (whatever the model did), 1 when a unit halted on an\n"
      "error (error:*, env_missing), 2 on bad arguments.");
  return [args] { return run_command(*args); };
}

}  // namespace bakeoff::cli
