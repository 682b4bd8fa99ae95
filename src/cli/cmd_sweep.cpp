// `bakeoff sweep`: the matrix arms × tasks × settings × repeats into one run directory, then the
// comparison, the seed-style table and the verdict. With no --host it brings its own Ollama-
// compatible control server, so it runs on a fresh machine; --calibrate runs every fault once.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "analysis/compare.h"
#include "cli/commands.h"
#include "cli/run_settings_flags.h"
#include "cli/version.h"
#include "common/files.h"
#include "control/faults.h"
#include "control/server.h"
#include "store/run_store.h"
#include "sweep/sweep.h"
#include "tasks/task.h"

namespace bakeoff::cli {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kDefaultArms = {"ollama-json", "ollama-native", "control"};
const std::vector<std::string> kSeedTasks = {"movies", "research", "memory", "long"};

struct SweepArgs {
  SettingsFlags flags;
  std::string arms, tasks, host, out, shard, tasks_dir, progress = "auto";
  std::string server_latency = "none";
  int repeat = 1;
  int concurrency = 1;
  bool resume = false, retry_errors = false, calibrate = false, concurrent_control = false;
  std::vector<std::string> faults;
};

std::vector<std::string> split_list(const std::string& text, const char* what) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) throw UsageError(fmt::format("{} \"{}\": empty item in list", what, text));
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> resolve_tasks(const SweepArgs& a) {
  if (a.tasks.empty()) return kSeedTasks;
  std::vector<std::string> ids;
  if (a.tasks == "all") {
    for (const auto& id : tasks::task_ids()) {
      auto t = tasks::load_task(id, a.tasks_dir);
      if (t && !t->calibration) ids.push_back(id);
    }
    return ids;
  }
  ids = split_list(a.tasks, "--tasks");
  for (const auto& id : ids) {
    auto t = tasks::load_task(id, a.tasks_dir);
    if (!t) throw UsageError(t.error().message);
  }
  return ids;
}

// Server-side fault ids and the one client-side fault id (FaultInfo::group "client").
struct FaultSplit {
  std::vector<std::string> server;
  std::string client;
};

FaultSplit split_faults(const std::vector<std::string>& ids) {
  FaultSplit out;
  for (const auto& id : ids) {
    const control::FaultInfo* info = control::find_fault(id);
    if (info == nullptr) {
      std::vector<std::string> known;
      for (const auto& f : control::fault_catalogue()) known.push_back(f.id);
      throw UsageError(fmt::format("unknown fault \"{}\" (valid: {})", id, fmt::join(known, ", ")));
    }
    if (info->group == "client") {
      if (!out.client.empty() && out.client != id) {
        throw UsageError(
            fmt::format("--fault {} and --fault {}: one client fault at a time", out.client, id));
      }
      out.client = id;
    } else if (std::find(out.server.begin(), out.server.end(), id) == out.server.end()) {
      out.server.push_back(id);
    }
  }
  return out;
}

std::string default_run_dir() {
  std::string ts = store::utc_now_iso();  // 2026-11-28T01:02:03Z -> 20261128T010203Z
  ts.erase(std::remove_if(ts.begin(), ts.end(), [](char c) { return c == '-' || c == ':'; }),
           ts.end());
  return (fs::path("runs") / ts).string();
}

sweep::ProgressMode progress_mode(const std::string& p) {
  if (p == "bar") return sweep::ProgressMode::bar;
  if (p == "lines") return sweep::ProgressMode::lines;
  if (p == "none") return sweep::ProgressMode::none;
  return sweep::ProgressMode::automatic;
}

// The built-in control server, when the sweep brings its own.
std::unique_ptr<control::Server> start_server(const std::vector<std::string>& faults,
                                              const std::string& latency) {
  control::ServerOptions so;
  so.faults = faults;
  so.latency = latency;
  auto server = std::make_unique<control::Server>(so);
  server->start();
  return server;
}

// One settings column: the canonical settings name the sweep's faults for every arm; only the
// ollama-native arm carries a client fault out (the fault is in the harness's raw path).
sweep::SettingsCell settings_cell(const SweepArgs& a, const std::string& host,
                                  const FaultSplit& faults) {
  sweep::SettingsCell cell;
  cell.settings = resolve_settings(a.flags);
  cell.settings.host = host;
  cell.settings.server_faults = faults.server;
  cell.settings.client_fault = faults.client;
  cell.canonical = canonical_settings(cell.settings);
  return cell;
}

std::vector<sweep::UnitSpec> plan(const std::vector<std::string>& arms,
                                  const std::vector<std::string>& tasks,
                                  const sweep::SettingsCell& cell, int repeats) {
  auto units = sweep::plan_units(arms, tasks, {cell}, repeats);
  for (auto& u : units) {
    if (u.arm != "ollama-native") u.settings.client_fault.clear();
  }
  return units;
}

sweep::ArmRunnerConfig runner_config(const SweepArgs& a) {
  sweep::ArmRunnerConfig rc;
  rc.tasks_dir = a.tasks_dir;
  rc.step_budget = a.flags.step_budget;
  rc.harness_version = std::string(bakeoff_version());
  rc.git_sha = std::string(bakeoff_git_sha());
  return rc;
}

Json harness_info() {
  return {{"version", std::string(bakeoff_version())}, {"git_sha", std::string(bakeoff_git_sha())}};
}

// compare_run, compare.json, the summary; returns the compare document.
Result<Json> compare_and_write(const fs::path& run_dir) {
  auto doc = analysis::compare_run(run_dir);
  if (!doc) return doc;
  write_file_atomic(run_dir / "compare.json", doc->dump(2) + "\n");
  return doc;
}

// The earliest divergence compare reports, as "layer" and step (token_count for a token-count
// cross-check mismatch); nullopt when every pair agrees. Different pairs may part at the same
// step in different layers (a runtime fault: B vs C at the completion, A vs B at the parse,
// since A's raw completion is not observable); then the `preferred` layer is the one reported.
struct Reported {
  std::string layer;
  int step = 0;
};

std::optional<Reported> earliest_divergence(const Json& doc, bool token_layer,
                                            const std::string& preferred) {
  std::optional<Reported> best;
  auto consider = [&](const std::string& layer, int step) {
    if (!best || step < best->step || (step == best->step && layer == preferred)) {
      best = Reported{layer, step};
    }
  };
  for (const auto& c : doc.value("comparisons", Json::array())) {
    if (token_layer) {
      const Json tc = c.value("token_crosscheck", Json::object());
      for (const auto& s : tc.value("steps", Json::array())) {
        const std::string kind = s.value("kind", "");
        if (kind == "bos" || kind == "flagged") consider("token_count", s.value("step", 0));
      }
      continue;
    }
    const Json fd = c.value("first_divergence", Json());
    if (fd.is_object()) consider(fd.value("layer", ""), fd.value("step", 0));
  }
  return best;
}

int calibrate(const SweepArgs& a) {
  if (!a.host.empty()) {
    throw UsageError("--calibrate injects faults into the built-in control server; drop --host");
  }
  const fs::path out = a.out.empty() ? fs::path(default_run_dir()) : fs::path(a.out);
  Json table = Json::array();
  bool all_pass = true;
  fmt::print("{:<34} {:<18} {:<18} {}\n", "fault", "expected", "reported", "result");
  for (const auto& fault : control::fault_catalogue()) {
    const fs::path sub = out / "calibrate" / fault.id;
    const std::string expected = fmt::format("{}@{}", fault.expected_layer, fault.expected_step);
    std::string reported_text = "none";
    std::string problem;
    std::optional<Reported> reported;
    try {
      if (fault.calibration_task.empty()) throw std::runtime_error("no calibration task");
      FaultSplit faults = split_faults({fault.id});
      auto server = start_server(faults.server, "none");
      // The fault's own conditions: a think setting (a call inside thinking needs it on) and a
      // model (the size-class faults need a large one), as the positive-control tests use.
      SweepArgs fa = a;
      fa.flags.settings.think = fault.think;
      if (!fault.model.empty()) fa.flags.settings.model = fault.model;
      auto cell = settings_cell(fa, server->base_url(), faults);
      auto units = plan(kDefaultArms, {fault.calibration_task}, cell, 1);
      {
        auto store = store::RunStore::open(sub);
        if (!store) throw std::runtime_error(store.error().message);
        (*store)->set_run_info({{"harness", harness_info()}, {"calibration_fault", fault.id}});
        sweep::SweepOptions so;
        so.concurrency = std::max(1, a.concurrency);
        so.progress = sweep::ProgressMode::none;
        sweep::run_sweep(**store, units, so, sweep::arm_unit_runner(runner_config(a)));
      }
      server->stop();
      auto doc = compare_and_write(sub);
      if (!doc) throw std::runtime_error(doc.error().message);
      reported =
          earliest_divergence(*doc, fault.expected_layer == "token_count", fault.expected_layer);
      if (reported) reported_text = fmt::format("{}@{}", reported->layer, reported->step);
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception& e) {
      problem = e.what();
    }
    const bool pass = problem.empty() && reported && reported->layer == fault.expected_layer &&
                      reported->step == fault.expected_step;
    all_pass = all_pass && pass;
    fmt::print("{:<34} {:<18} {:<18} {}{}\n", fault.id, expected, reported_text,
               pass ? "pass" : "FAIL", problem.empty() ? "" : "  (" + problem + ")");
    table.push_back({{"fault", fault.id},
                     {"task", fault.calibration_task},
                     {"expected_layer", fault.expected_layer},
                     {"expected_step", fault.expected_step},
                     {"reported_layer", reported ? Json(reported->layer) : Json(nullptr)},
                     {"reported_step", reported ? Json(reported->step) : Json(nullptr)},
                     {"pass", pass},
                     {"error", problem},
                     {"run_dir", sub.string()}});
  }
  write_file_atomic(out / "calibration.json", table.dump(2) + "\n");
  fmt::print("calibration: {} -> {}\n",
             all_pass ? "every fault found at its layer and step"
                      : "some faults were not found where expected",
             (out / "calibration.json").string());
  return all_pass ? 0 : 1;
}

int sweep_command(const SweepArgs& a) {
  std::vector<std::string> arms = a.arms.empty() ? kDefaultArms : split_list(a.arms, "--arms");
  for (const auto& arm : arms) require_known_arm(arm);
  FaultSplit faults = split_faults(a.faults);
  if (!a.host.empty() && !faults.server.empty()) {
    throw UsageError(
        fmt::format("--fault {} is injected by the built-in control server; drop "
                    "--host to use it",
                    faults.server.front()));
  }
  if (!a.host.empty() && a.server_latency != "none") {
    throw UsageError("--server-latency applies to the built-in control server; drop --host");
  }
  std::optional<sweep::Shard> shard;
  if (!a.shard.empty()) {
    auto s = sweep::parse_shard(a.shard);
    if (!s) throw UsageError(s.error().message);
    shard = *s;
  }
  if (a.calibrate) return calibrate(a);
  const std::vector<std::string> task_list = resolve_tasks(a);
  const fs::path run_dir = a.out.empty() ? fs::path(default_run_dir()) : fs::path(a.out);

  auto store = store::RunStore::open(run_dir);
  if (!store) throw std::runtime_error(store.error().message);
  const size_t existing = (*store)->unit_entries().size();
  if (existing > 0 && !a.resume && !a.retry_errors) {
    throw UsageError(
        fmt::format("{} already holds {} units: pass --resume to finish it, "
                    "--retry-errors to rerun its errors, or choose another --out",
                    run_dir.string(), existing));
  }
  for (const auto& w : (*store)->load_warnings()) fmt::print(stderr, "warning: {}\n", w);

  std::unique_ptr<control::Server> server;
  std::string host = a.host;
  if (host.empty()) {
    server = start_server(faults.server, a.server_latency);
    host = server->base_url();
    fmt::print(stderr, "control server on {}{}\n", host,
               faults.server.empty()
                   ? ""
                   : fmt::format(" with faults {}", fmt::join(faults.server, ", ")));
  }
  auto cell = settings_cell(a, host, faults);
  auto units = plan(arms, task_list, cell, a.repeat);
  if (a.concurrent_control) units = sweep::add_concurrent_controls(units);
  if (shard) units = sweep::shard_units(units, *shard);
  (*store)->set_run_info({{"harness", harness_info()},
                          {"host", a.host.empty() ? "built-in control server" : a.host},
                          {"sweep",
                           {{"arms", arms},
                            {"tasks", task_list},
                            {"repeat", a.repeat},
                            {"faults", a.faults},
                            {"shard", a.shard},
                            {"settings", cell.canonical}}}});

  sweep::SweepOptions so;
  so.concurrency = a.concurrency;
  so.resume = a.resume;
  so.retry_errors = a.retry_errors;
  so.progress = progress_mode(a.progress);
  auto result = sweep::run_sweep(**store, units, so, sweep::arm_unit_runner(runner_config(a)));
  if (server) server->stop();
  fmt::print(stderr, "sweep: {} units run, {} already done, {} errors, {:.1f}s -> {}\n",
             result.executed, result.skipped, result.errors, result.wall_s, run_dir.string());
  store->reset();  // release the lock: the run directory is complete

  if (shard) {
    fmt::print(
        "shard {}/{} written to {}; merge the shards with 'bakeoff merge', then run "
        "'bakeoff compare' on the result\n",
        shard->index, shard->count, run_dir.string());
    return result.errors > 0 ? 1 : 0;
  }
  auto doc = compare_and_write(run_dir);
  if (!doc) {
    fmt::print(stderr, "bakeoff sweep: compare failed: {}\n", doc.error().message);
    return 1;
  }
  auto summary = analysis::summary_text(run_dir, *doc);
  if (summary) {
    fmt::print("{}", *summary);
  } else {
    fmt::print(stderr, "bakeoff sweep: summary failed: {}\n", summary.error().message);
  }
  return analysis::any_divergence(*doc) ? 1 : 0;
}

}  // namespace

CommandRunner add_sweep_command(CLI::App& root) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* cmd = root.add_subcommand(
      "sweep",
      "Run arms × tasks × repeats into one run directory, then compare and give the verdict");
  cmd->add_option("--arms", args->arms,
                  "Comma-separated arms (default: ollama-json,ollama-native,control)");
  cmd->add_option("--tasks", args->tasks,
                  "Comma-separated task ids, or 'all' (seed tasks and variants; default: the four "
                  "seed tasks movies,research,memory,long)");
  cmd->add_option("--repeat", args->repeat,
                  "Repeats per cell; with 2 or more, repeats of one arm are its A-vs-A controls")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--host", args->host,
                  "Ollama server URL; without it, a control server starts in-process on an "
                  "ephemeral loopback port");
  cmd->add_option("--concurrency", args->concurrency, "Units run at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--out", args->out, "Run directory (default: runs/<UTC timestamp>)");
  cmd->add_flag("--resume", args->resume,
                "Continue the run directory: units already in it are not run again");
  cmd->add_flag("--retry-errors", args->retry_errors,
                "Like --resume, but rerun the units that halted on error:* or env_missing");
  cmd->add_flag("--concurrent-control", args->concurrent_control,
                "Also run every repeat-1 unit a second time at the same moment (unit id "
                "<unit>.concurrent): the A-vs-A control of each path under concurrent load");
  cmd->add_option(
      "--shard", args->shard,
      "I/N: run only the units whose plan index % N == I-1 (join with 'bakeoff merge')");
  cmd->add_option("--fault", args->faults,
                  "Inject a fault by id (repeatable; 'bakeoff faults' lists them): server faults "
                  "into the built-in server, client-* faults into the ollama-native arm");
  cmd->add_flag("--calibrate", args->calibrate,
                "Run every fault once on its calibration task (arms A, B, C) and print: fault, "
                "expected layer@step, reported layer@step, pass/fail; exit 1 if any fails");
  cmd->add_option("--server-latency", args->server_latency,
                  "Latency model of the built-in server (see 'bakeoff serve --help')")
      ->capture_default_str();
  cmd->add_option("--progress", args->progress,
                  "auto (a bar on a terminal, plain lines otherwise) | bar | lines | none")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "bar", "lines", "none"}));
  cmd->add_option("--tasks-dir", args->tasks_dir,
                  "Read task files from this directory instead of the built-in ones")
      ->check(CLI::ExistingDirectory);
  add_settings_flags(cmd, args->flags);
  cmd->footer(
      "Unit ids are <arm>.<task>.<settings8>.r<repeat>; every arm of one sweep shares the\n"
      "settings id, so compare pairs them. A-vs-A controls: repeats 1..N of one arm (serial),\n"
      "and with --concurrent-control <unit>.concurrent (same unit, run at the same time).\n"
      "Writes RUN_DIR/{manifest.json,units/,steps.jsonl,blobs/,compare.json}, then prints the\n"
      "seed-style table and the verdict.\n"
      "Exit status (like diff): 0 all arms agree, 1 any divergence (or a failed unit or\n"
      "calibration), 2 bad arguments.");
  return [args] { return sweep_command(*args); };
}

}  // namespace bakeoff::cli
