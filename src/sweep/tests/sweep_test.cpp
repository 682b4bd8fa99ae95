#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "common/files.h"
#include "sweep/progress.h"
#include "sweep/sweep.h"

namespace bakeoff::sweep {
namespace {

namespace fs = std::filesystem;

struct ScratchDir {
  fs::path path;
  ScratchDir() {
    std::random_device rd;
    path = fs::temp_directory_path() /
           ("bakeoff-sweep-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::vector<UnitSpec> matrix(int repeats = 2) {
  SettingsCell cell;
  cell.canonical = {{"model", "m"}, {"think", "false"}};
  return plan_units({"ollama-json", "ollama-native", "control"}, {"memory", "long"}, {cell},
                    repeats);
}

// A runner that returns a minimal finished trace, optionally failing some units.
struct FakeRunner {
  std::atomic<int> calls{0};
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  std::set<std::string> fail;  // unit ids that end in error:http_5xx
  std::set<std::string> throw_for;
  int sleep_ms = 0;
  UnitRunner runner() {
    return [this](const UnitSpec& u, const loop::BlobSink& blobs) {
      ++calls;
      int now = ++in_flight;
      int seen = max_in_flight.load();
      while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
      }
      if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
      --in_flight;
      if (throw_for.count(u.unit_id) != 0) throw std::runtime_error("arm blew up");
      Json t = error_trace(u, fail.count(u.unit_id) != 0 ? "error:http_5xx" : "no_tool_calls", "");
      t["turns"] = Json::array({{{"step", 1}, {"request_blob", blobs("req " + u.unit_id)}}});
      t["final"]["steps_used"] = 1;
      return t;
    };
  }
};

SweepOptions quiet(int concurrency = 1) {
  SweepOptions o;
  o.concurrency = concurrency;
  o.progress = ProgressMode::none;
  return o;
}

TEST(Plan, DeterministicOrderAndIds) {
  auto units = matrix();
  ASSERT_EQ(units.size(), 12u);
  const std::string sid = units[0].settings_id;
  EXPECT_EQ(sid.size(), 8u);
  EXPECT_EQ(units[0].unit_id, "ollama-json.memory." + sid + ".r1");
  EXPECT_EQ(units[1].unit_id, "ollama-native.memory." + sid + ".r1");
  EXPECT_EQ(units[2].unit_id, "control.memory." + sid + ".r1");
  EXPECT_EQ(units[3].unit_id, "ollama-json.memory." + sid + ".r2");
  EXPECT_EQ(units[6].task, "long");
  for (size_t i = 0; i < units.size(); ++i) {
    EXPECT_EQ(units[i].index, i);
    EXPECT_EQ(units[i].settings_id, sid);  // one settings id for every arm: they pair up
  }
  EXPECT_EQ(matrix()[5].unit_id, units[5].unit_id);
  EXPECT_NE(settings_id_of({{"think", "true"}}), settings_id_of({{"think", "false"}}));
}

TEST(Shard, ParseAcceptsOnlyIOverN) {
  auto s = parse_shard("2/4");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->index, 2);
  EXPECT_EQ(s->count, 4);
  for (const char* bad : {"", "3", "0/2", "3/2", "a/b", "1/0", "1/2x", "-1/2", "/2"}) {
    EXPECT_FALSE(parse_shard(bad)) << bad;
  }
  EXPECT_NE(parse_shard("5/4").error().message.find("5/4"), std::string::npos);
}

TEST(Shard, ShardsPartitionTheUnits) {
  auto units = matrix(3);
  for (int n : {1, 2, 3, 5, 40}) {
    std::multiset<std::string> seen;
    for (int i = 1; i <= n; ++i) {
      for (const auto& u : shard_units(units, {i, n})) {
        seen.insert(u.unit_id);
        EXPECT_EQ(u.index % n, static_cast<size_t>(i - 1));
      }
    }
    EXPECT_EQ(seen.size(), units.size()) << n;
    for (const auto& u : units) EXPECT_EQ(seen.count(u.unit_id), 1u) << n;
  }
}

TEST(RunSweep, RunsEveryUnitIntoTheStore) {
  ScratchDir tmp;
  auto store = store::RunStore::open(tmp.path);
  ASSERT_TRUE(store);
  FakeRunner fake;
  auto units = matrix();
  auto r = run_sweep(**store, units, quiet(3), fake.runner());
  EXPECT_EQ(r.executed, 12u);
  EXPECT_EQ(r.skipped, 0u);
  EXPECT_EQ(fake.calls.load(), 12);
  EXPECT_EQ((*store)->unit_entries().size(), 12u);
  for (const auto& u : units) {
    auto t = (*store)->load_unit(u.unit_id);
    ASSERT_TRUE(t) << u.unit_id;
    EXPECT_TRUE((*store)->get_blob((*t)["turns"][0]["request_blob"].get<std::string>()));
  }
}

TEST(RunSweep, ConcurrencyRunsUnitsInParallel) {
  ScratchDir tmp;
  auto store = store::RunStore::open(tmp.path);
  ASSERT_TRUE(store);
  FakeRunner fake;
  fake.sleep_ms = 30;
  auto r = run_sweep(**store, matrix(), quiet(4), fake.runner());
  EXPECT_EQ(r.executed, 12u);
  EXPECT_EQ(fake.max_in_flight.load(), 4);
  FakeRunner serial;
  ScratchDir tmp2;
  auto store2 = store::RunStore::open(tmp2.path);
  run_sweep(**store2, matrix(), quiet(1), serial.runner());
  EXPECT_EQ(serial.max_in_flight.load(), 1);
}

TEST(RunSweep, ResumeSkipsWhatIsThereAndRetryErrorsRerunsOnlyErrors) {
  ScratchDir tmp;
  auto units = matrix();
  FakeRunner first;
  first.fail = {units[1].unit_id, units[7].unit_id};
  {
    auto store = store::RunStore::open(tmp.path);
    ASSERT_TRUE(store);
    // A "killed" first sweep: only the first 5 units.
    std::vector<UnitSpec> part(units.begin(), units.begin() + 5);
    run_sweep(**store, part, quiet(), first.runner());
  }
  auto store = store::RunStore::open(tmp.path);
  ASSERT_TRUE(store);
  FakeRunner resumed;
  resumed.fail = {units[7].unit_id};
  SweepOptions resume = quiet(2);
  resume.resume = true;
  auto r = run_sweep(**store, units, resume, resumed.runner());
  EXPECT_EQ(r.skipped, 5u);
  EXPECT_EQ(r.executed, 7u);
  EXPECT_EQ(r.errors, 1u);
  std::set<std::string> ran(r.executed_units.begin(), r.executed_units.end());
  for (size_t i = 0; i < units.size(); ++i)
    EXPECT_EQ(ran.count(units[i].unit_id), i >= 5 ? 1u : 0u);

  FakeRunner retry;
  SweepOptions again = quiet();
  again.retry_errors = true;
  auto rr = run_sweep(**store, units, again, retry.runner());
  EXPECT_EQ(rr.executed, 2u);  // units[1] and units[7]
  EXPECT_EQ(rr.skipped, 10u);
  EXPECT_EQ(rr.errors, 0u);
  for (const auto& [id, entry] : (*store)->unit_entries()) EXPECT_EQ(entry["status"], "done") << id;
}

TEST(RunSweep, RunnerExceptionIsRecordedAsErrorHalt) {
  ScratchDir tmp;
  auto store = store::RunStore::open(tmp.path);
  ASSERT_TRUE(store);
  auto units = matrix(1);
  FakeRunner fake;
  fake.throw_for = {units[0].unit_id};
  auto r = run_sweep(**store, units, quiet(), fake.runner());
  EXPECT_EQ(r.errors, 1u);
  auto t = (*store)->load_unit(units[0].unit_id);
  ASSERT_TRUE(t);
  EXPECT_EQ((*t)["final"]["halt_reason"], "error:exception");
  EXPECT_EQ((*t)["final"]["halt_detail"], "arm blew up");
}

TEST(Progress, PlainLinesWhenNotATerminal) {
  ScratchDir tmp;
  fs::create_directories(tmp.path);
  auto store = store::RunStore::open(tmp.path / "run");
  ASSERT_TRUE(store);
  std::FILE* out = std::tmpfile();
  SweepOptions o;
  o.progress_stream = out;  // automatic: a file is not a TTY
  FakeRunner fake;
  run_sweep(**store, matrix(1), o, fake.runner());
  std::rewind(out);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, out)) > 0) text.append(buf, n);
  std::fclose(out);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_NE(text.find("[1/6] ollama-json.memory."), std::string::npos);
  EXPECT_NE(text.find("[6/6] "), std::string::npos);
  EXPECT_NE(text.find("no_tool_calls"), std::string::npos);
}

TEST(Progress, BarLineShowsDoneRunningErrorsElapsedAndEta) {
  std::string line = detail::Progress::bar_line(3, 6, 2, 1, 3.0, 12);
  EXPECT_EQ(line, "[######------] 3/6  running 2  errors 1  elapsed 3.0s  ETA 3.0s");
  EXPECT_NE(detail::Progress::bar_line(0, 6, 0, 0, 0.0).find("ETA ?"), std::string::npos);
  EXPECT_NE(detail::Progress::bar_line(1, 2, 0, 0, 125.0).find("elapsed 2m05s"), std::string::npos);
}

}  // namespace
}  // namespace bakeoff::sweep

namespace bakeoff::sweep {
namespace {

TEST(Controls, ConcurrentControlFollowsEachFirstRepeat) {
  auto units = add_concurrent_controls(matrix(2));
  ASSERT_EQ(units.size(), 18u);  // 12 + one control per repeat-1 unit (6)
  EXPECT_EQ(units[1].unit_id, units[0].unit_id + ".concurrent");
  EXPECT_EQ(units[1].duplicate_of, units[0].unit_id);
  EXPECT_EQ(units[1].control, "concurrent");
  EXPECT_EQ(units[1].repeat, 1);
  for (size_t i = 0; i < units.size(); ++i) EXPECT_EQ(units[i].index, i);
  for (const auto& u : units) {
    if (u.repeat == 2) EXPECT_TRUE(u.duplicate_of.empty());
  }
}

TEST(Controls, ControlRunsAtTheSameTimeAsItsOriginalEvenAtConcurrencyOne) {
  ScratchDir tmp;
  auto store = store::RunStore::open(tmp.path);
  ASSERT_TRUE(store);
  SettingsCell cell;
  auto units = add_concurrent_controls(plan_units({"control"}, {"memory"}, {cell}, 2));
  FakeRunner fake;
  fake.sleep_ms = 50;
  auto r = run_sweep(**store, units, quiet(1), fake.runner());
  EXPECT_EQ(r.executed, 3u);
  EXPECT_EQ(fake.max_in_flight.load(), 2);
  auto entries = (*store)->unit_entries();
  const Json& dup = entries.at(units[1].unit_id);
  EXPECT_EQ(dup["duplicate_of"], units[0].unit_id);
  EXPECT_EQ(dup["control"], "concurrent");
  EXPECT_EQ((*store)->load_unit(units[1].unit_id).value()["duplicate_of"], units[0].unit_id);
  EXPECT_FALSE(entries.at(units[0].unit_id).contains("duplicate_of"));
}

}  // namespace
}  // namespace bakeoff::sweep
