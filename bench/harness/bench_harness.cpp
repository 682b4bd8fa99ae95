// The harness's own cost, against the built-in control server (control::Server in-process):
//  1. overhead per step: everything a step costs except waiting on the server (the loop, the
//     arm's HTTP client and JSON, prompt capture replay, blob and trace writes), with zero
//     simulated latency and full capture on; target: median < 1 ms.
//  2. sweep efficiency at --concurrency 8 with a fixed simulated latency per model turn:
//     ideal time (the server-side time of every step, perfectly spread over 8 workers) / actual
//     wall time of the sweep; target: >= 85%.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <vector>

#include <fmt/core.h>

#include "control/server.h"
#include "store/run_store.h"
#include "sweep/sweep.h"

namespace {

namespace fs = std::filesystem;
using bakeoff::Json;
namespace sweep = bakeoff::sweep;

fs::path scratch_dir(const char* what) {
  std::random_device rd;
  return fs::temp_directory_path() / fmt::format("bakeoff-bench-{}-{}-{}", what, getpid(), rd());
}

sweep::SettingsCell cell_for(const std::string& host) {
  sweep::SettingsCell cell;
  cell.settings.host = host;
  cell.settings.capture_prompt = true;
  cell.settings.stream = true;
  Json canonical = cell.settings.to_json();
  if (canonical.contains("host")) canonical.erase("host");
  cell.canonical = canonical;
  return cell;
}

double step_server_s(const Json& step) {
  const Json d = step.value("durations_ns", Json::object());
  return static_cast<double>(d.value("total", int64_t{0})) / 1e9;
}

std::vector<double> g_overheads_ms;  // per step, across all iterations
double g_efficiency = 0;
double g_ideal_s = 0, g_actual_s = 0;
size_t g_units = 0;

void BM_HarnessOverheadPerStep(benchmark::State& state) {
  bakeoff::control::ServerOptions so;
  so.latency = "none";
  bakeoff::control::Server server(so);
  server.start();
  const fs::path dir = scratch_dir("overhead");
  auto store = bakeoff::store::RunStore::open(dir);
  if (!store) {
    state.SkipWithError(store.error().message.c_str());
    return;
  }
  auto runner = sweep::arm_unit_runner({});
  const auto cell = cell_for(server.base_url());
  int repeat = 0;
  for (auto _ : state) {
    auto units = sweep::plan_units({"ollama-json"}, {"long"}, {cell}, ++repeat);
    const auto& unit = units.back();
    Json trace = runner(unit, [&](std::string_view b) { return (*store)->put_blob(b); });
    (*store)->write_unit(trace);
    const Json& turns = trace["turns"];
    const double wall = trace["final"].value("wall_clock_s", 0.0);
    double stepped = 0;
    for (const auto& s : turns) stepped += s.value("elapsed_s", 0.0);
    if (turns.empty() || trace["final"].value("halt_reason", "") != "no_tool_calls") {
      state.SkipWithError(("unit did not finish: " + trace["final"].dump()).c_str());
      break;
    }
    // Time outside arm.step (prepare, tools, records) is spread over the unit's steps.
    const double shared = (wall - stepped) / static_cast<double>(turns.size());
    for (const auto& s : turns) {
      g_overheads_ms.push_back((s.value("elapsed_s", 0.0) - step_server_s(s) + shared) * 1e3);
    }
  }
  server.stop();
  store = bakeoff::Error{"closed", ""};
  std::error_code ec;
  fs::remove_all(dir, ec);
}
BENCHMARK(BM_HarnessOverheadPerStep)->Unit(benchmark::kMillisecond)->Iterations(30);

void BM_SweepEfficiencyConcurrency8(benchmark::State& state) {
  bakeoff::control::ServerOptions so;
  so.latency = "fixed:50";
  bakeoff::control::Server server(so);
  server.start();
  const auto cell = cell_for(server.base_url());
  for (auto _ : state) {
    const fs::path dir = scratch_dir("sweep");
    {
      auto store = bakeoff::store::RunStore::open(dir);
      if (!store) {
        state.SkipWithError(store.error().message.c_str());
        break;
      }
      // 16 units of one task: two full waves of 8, so the ideal has no scheduling tail.
      auto units = sweep::plan_units({"ollama-json"}, {"research"}, {cell}, 16);
      sweep::SweepOptions opt;
      opt.concurrency = 8;
      opt.progress = sweep::ProgressMode::none;
      auto result = sweep::run_sweep(**store, units, opt, sweep::arm_unit_runner({}));
      double server_s = 0;
      for (const auto& u : units) {
        auto t = (*store)->load_unit(u.unit_id);
        if (!t) continue;
        for (const auto& s : (*t)["turns"]) server_s += step_server_s(s);
      }
      g_ideal_s = server_s / 8.0;
      g_actual_s = result.wall_s;
      g_efficiency = g_actual_s > 0 ? g_ideal_s / g_actual_s : 0;
      g_units = result.executed;
      state.SetIterationTime(result.wall_s);
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  server.stop();
  state.counters["efficiency_pct"] = g_efficiency * 100;
}
BENCHMARK(BM_SweepEfficiencyConcurrency8)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(3);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (!g_overheads_ms.empty()) {
    std::vector<double> v = g_overheads_ms;
    std::sort(v.begin(), v.end());
    const double median = v[v.size() / 2];
    fmt::print(
        "\nharness overhead per step (ollama-json, full capture, zero latency): median "
        "{:.3f} ms, p90 {:.3f} ms over {} steps  [target < 1 ms: {}]\n",
        median, v[v.size() * 9 / 10], v.size(), median < 1.0 ? "met" : "NOT met");
  }
  if (g_units > 0) {
    fmt::print(
        "sweep efficiency at --concurrency 8 (fixed 50 ms per model turn, {} units): "
        "{:.1f}% (ideal {:.3f}s / actual {:.3f}s)  [target >= 85%: {}]\n",
        g_units, g_efficiency * 100, g_ideal_s, g_actual_s,
        g_efficiency >= 0.85 ? "met" : "NOT met");
  }
  return 0;
}
