#include "sweep/sweep.h"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

#include <fmt/core.h>

#include "common/sha256.h"
#include "sweep/progress.h"

namespace bakeoff::sweep {

std::string settings_id_of(const Json& canonical) {
  return sha256_hex(canonical.dump()).substr(0, 8);
}

std::string make_unit_id(std::string_view arm, std::string_view task, std::string_view settings_id,
                         int repeat) {
  return fmt::format("{}.{}.{}.r{}", arm, task, settings_id, repeat);
}

std::vector<UnitSpec> plan_units(const std::vector<std::string>& arms,
                                 const std::vector<std::string>& tasks,
                                 const std::vector<SettingsCell>& settings, int repeats) {
  std::vector<UnitSpec> units;
  for (const auto& cell : settings) {
    const std::string sid = settings_id_of(cell.canonical);
    for (const auto& task : tasks) {
      for (int r = 1; r <= repeats; ++r) {
        for (const auto& arm : arms) {
          UnitSpec u;
          u.unit_id = make_unit_id(arm, task, sid, r);
          u.arm = arm;
          u.task = task;
          u.repeat = r;
          u.settings_id = sid;
          u.canonical_settings = cell.canonical;
          u.settings = cell.settings;
          u.index = units.size();
          units.push_back(std::move(u));
        }
      }
    }
  }
  return units;
}

std::vector<UnitSpec> add_concurrent_controls(const std::vector<UnitSpec>& units) {
  std::vector<UnitSpec> out;
  for (const auto& u : units) {
    out.push_back(u);
    out.back().index = out.size() - 1;
    if (u.repeat != 1 || !u.duplicate_of.empty()) continue;
    UnitSpec dup = u;
    dup.unit_id = u.unit_id + ".concurrent";
    dup.duplicate_of = u.unit_id;
    dup.control = "concurrent";
    dup.index = out.size();
    out.push_back(std::move(dup));
  }
  return out;
}

Result<Shard> parse_shard(std::string_view text) {
  auto bad = [&] {
    return Error{"usage",
                 fmt::format("--shard \"{}\": expected I/N with 1 <= I <= N (e.g. 2/4)", text)};
  };
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  Shard s;
  auto parse = [](std::string_view part, int& out) {
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc() && ptr == part.data() + part.size() && !part.empty();
  };
  if (!parse(text.substr(0, slash), s.index) || !parse(text.substr(slash + 1), s.count)) {
    return bad();
  }
  if (s.count < 1 || s.index < 1 || s.index > s.count) return bad();
  return s;
}

std::vector<UnitSpec> shard_units(const std::vector<UnitSpec>& units, Shard shard) {
  std::vector<UnitSpec> out;
  for (const auto& u : units) {
    if (u.index % static_cast<size_t>(shard.count) == static_cast<size_t>(shard.index - 1)) {
      out.push_back(u);
    }
  }
  return out;
}

Json error_trace(const UnitSpec& unit, const std::string& halt_reason, const std::string& detail) {
  Json t = Json::object();
  t["format"] = "bakeoff-trace/1";
  t["unit_id"] = unit.unit_id;
  t["arm"] = unit.arm;
  t["model"] = unit.settings.model;
  t["task"] = unit.task;
  t["task_prompt"] = "";
  t["num_ctx"] = unit.settings.num_ctx;
  t["num_predict"] = unit.settings.num_predict;
  t["started_at"] = store::utc_now_iso();
  t["repeat"] = unit.repeat;
  t["settings_id"] = unit.settings_id;
  t["settings"] = unit.canonical_settings;
  t["fingerprint"] = {{"think", unit.settings.think}, {"host", unit.settings.host}};
  t["warnings"] = Json::array();
  t["turns"] = Json::array();
  t["final"] = {
      {"halt_reason", halt_reason}, {"halt_detail", detail}, {"steps_used", 0},
      {"tool_calls_total", 0},      {"wall_clock_s", 0.0},   {"final_message_count", 0},
      {"final_history_chars", 0},   {"final_answer", ""},    {"acceptance", Json::array()},
      {"accepted", false}};
  return t;
}

SweepResult run_sweep(store::RunStore& store, const std::vector<UnitSpec>& units,
                      const SweepOptions& options, const UnitRunner& runner) {
  const auto start = std::chrono::steady_clock::now();
  SweepResult result;
  result.planned = units.size();

  std::vector<const UnitSpec*> todo;
  const auto existing = store.unit_entries();
  for (const auto& u : units) {
    auto it = existing.find(u.unit_id);
    const bool present = it != existing.end();
    const bool errored = present && it->second.value("status", "") == "error";
    if (present && (options.resume || options.retry_errors) && !(options.retry_errors && errored)) {
      ++result.skipped;
      continue;
    }
    todo.push_back(&u);
  }

  bool bar = options.progress == ProgressMode::bar;
  if (options.progress == ProgressMode::automatic && options.progress_stream != nullptr) {
    bar = isatty(fileno(options.progress_stream)) != 0;
  }
  std::FILE* out = options.progress == ProgressMode::none ? nullptr : options.progress_stream;
  detail::Progress progress(out, bar, todo.size(), result.skipped);

  // A unit and its concurrent control form one work item: they start together.
  std::vector<std::vector<const UnitSpec*>> items;
  for (const UnitSpec* u : todo) {
    if (!items.empty() && u->control == "concurrent" && items.back().size() == 1 &&
        items.back().front()->unit_id == u->duplicate_of) {
      items.back().push_back(u);
    } else {
      items.push_back({u});
    }
  }

  std::atomic<size_t> next{0};
  std::mutex result_mutex;
  loop::BlobSink sink = [&store](std::string_view bytes) { return store.put_blob(bytes); };
  auto run_one = [&](const UnitSpec& unit) {
    progress.started();
    Json trace;
    try {
      trace = runner(unit, sink);
    } catch (const std::exception& e) {
      trace = error_trace(unit, "error:exception", e.what());
    }
    // The runner's trace must be this unit's, whatever it did.
    trace["unit_id"] = unit.unit_id;
    if (!unit.duplicate_of.empty()) {
      trace["duplicate_of"] = unit.duplicate_of;
      trace["control"] = unit.control;
    }
    std::string halt;
    int steps = 0;
    double wall = 0;
    if (trace.contains("final") && trace["final"].is_object()) {
      halt = trace["final"].value("halt_reason", "");
      steps = trace["final"].value("steps_used", 0);
      wall = trace["final"].value("wall_clock_s", 0.0);
    }
    const bool error = store::is_error_halt(halt);
    try {
      store.write_unit(trace);
    } catch (const std::exception& e) {
      // A unit that cannot be stored is lost; say so and go on with the others.
      halt = fmt::format("unstored ({})", e.what());
    }
    {
      std::lock_guard lock(result_mutex);
      ++result.executed;
      if (error) ++result.errors;
      result.executed_units.push_back(unit.unit_id);
    }
    progress.finished(unit.unit_id, halt, steps, wall, error);
  };
  auto worker = [&] {
    for (size_t i = next++; i < items.size(); i = next++) {
      const auto& item = items[i];
      std::vector<std::thread> partners;
      for (size_t k = 1; k < item.size(); ++k) partners.emplace_back(run_one, std::cref(*item[k]));
      run_one(*item.front());
      for (auto& t : partners) t.join();
    }
  };
  const int threads = std::max(
      1, std::min<int>(options.concurrency, static_cast<int>(std::max<size_t>(items.size(), 1))));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  progress.close();
  result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace bakeoff::sweep
