// The matrix scheduler: arms × tasks × settings × repeats → units, run on a pool of workers into
// one run directory, with resume, retry of errored units, shards and a progress display.
#pragma once
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "arms/arm.h"
#include "common/json.h"
#include "common/result.h"
#include "loop/loop.h"
#include "store/run_store.h"

namespace bakeoff::sweep {

// One settings column of the matrix: the canonical settings JSON (what the id hashes, the same
// for every arm so that arms pair up in compare) and the arm settings that realise it.
struct SettingsCell {
  Json canonical = Json::object();
  arms::RunSettings settings;
};

// One unit: (arm, task, settings, repeat), with its id (docs/ARCHITECTURE.md) and its index in
// the deterministic plan order.
struct UnitSpec {
  std::string unit_id;
  std::string arm;
  std::string task;
  int repeat = 1;
  std::string settings_id;
  Json canonical_settings = Json::object();
  arms::RunSettings settings;
  size_t index = 0;
  // An A-vs-A control that re-runs another unit (recorded in the trace and the manifest, so
  // compare pairs it with that unit only): `control` says how, e.g. "concurrent".
  std::string duplicate_of;
  std::string control;
};

// First 8 hex digits of sha256(canonical.dump()).
std::string settings_id_of(const Json& canonical);
// "<arm>.<task>.<settings8>.r<repeat>"
std::string make_unit_id(std::string_view arm, std::string_view task, std::string_view settings_id,
                         int repeat);

// The matrix in plan order: settings, then task, then repeat, then arm (the arms of one
// comparison run next to each other). Indexes count from 0 in that order.
std::vector<UnitSpec> plan_units(const std::vector<std::string>& arms,
                                 const std::vector<std::string>& tasks,
                                 const std::vector<SettingsCell>& settings, int repeats);

// Adds, right after every repeat-1 unit, its concurrent A-vs-A control: the same unit again,
// id "<unit_id>.concurrent", run at the same time as the original (run_sweep starts the two
// together whatever the concurrency), so compare measures each path's own non-determinism
// under concurrent load. Serial controls need nothing: repeats 1..N of one arm are that.
// Plan indexes are renumbered.
std::vector<UnitSpec> add_concurrent_controls(const std::vector<UnitSpec>& units);

// --shard I/N (1 ≤ I ≤ N): the units whose plan index % N == I-1.
struct Shard {
  int index = 1;
  int count = 1;
};
Result<Shard> parse_shard(std::string_view text);
std::vector<UnitSpec> shard_units(const std::vector<UnitSpec>& units, Shard shard);

enum class ProgressMode { automatic, bar, lines, none };  // automatic: bar on a TTY, else lines

struct SweepOptions {
  int concurrency = 1;
  bool resume = false;        // skip units already in the run directory (done or error)
  bool retry_errors = false;  // rerun units whose halt is error:* / env_missing (implies resume)
  ProgressMode progress = ProgressMode::automatic;
  std::FILE* progress_stream = stderr;
};

// Runs one unit and returns its trace; blobs go to the sink. May throw: the sweep records the
// exception as the unit's `error:exception` halt.
using UnitRunner = std::function<Json(const UnitSpec&, const loop::BlobSink&)>;

struct SweepResult {
  size_t planned = 0;   // units given
  size_t skipped = 0;   // already in the run directory (resume)
  size_t executed = 0;  // run now
  size_t errors = 0;    // run now and ended in error:* / env_missing
  double wall_s = 0;
  std::vector<std::string> executed_units;  // ids, in completion order
};

// Runs the units not already done on `concurrency` workers, writing each trace to the store as
// soon as it ends. Units start in plan order.
SweepResult run_sweep(store::RunStore& store, const std::vector<UnitSpec>& units,
                      const SweepOptions& options, const UnitRunner& runner);

// A trace for a unit that could not run at all (its arm or task could not be made), so the unit
// is recorded and --retry-errors finds it.
Json error_trace(const UnitSpec& unit, const std::string& halt_reason, const std::string& detail);

// What the real runner needs besides the unit.
struct ArmRunnerConfig {
  std::string tasks_dir;  // empty: the built-in tasks
  int step_budget = 20;
  std::string harness_version;
  std::string git_sha;
};

// The runner of `bakeoff run` and `bakeoff sweep`: make_arm + load_task + loop::run_unit.
UnitRunner arm_unit_runner(ArmRunnerConfig config);

}  // namespace bakeoff::sweep
