// The `bakeoff` binary end to end: a sweep killed with SIGKILL mid-run resumes and runs only what
// was missing; shards merge into the full matrix; bad command lines exit 2 with one line.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "common/files.h"
#include "common/json.h"
#include "control/server.h"

namespace {

namespace fs = std::filesystem;
using bakeoff::Json;

struct ScratchDir {
  fs::path path;
  ScratchDir() {
    std::random_device rd;
    path = fs::temp_directory_path() /
           ("bakeoff-e2e-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Starts `bakeoff args…` with stdout and stderr into `log`; returns the child's pid.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    std::string bin = BAKEOFF_BIN;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct Outcome {
  int status;
  std::string output;
};

Outcome run(const std::vector<std::string>& args, const fs::path& scratch) {
  static int n = 0;
  fs::path log = scratch / ("log" + std::to_string(++n) + ".txt");
  int status = wait_exit(spawn(args, log));
  return {status, bakeoff::read_file(log)};
}

std::map<std::string, std::string> unit_files(const fs::path& run_dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!fs::is_directory(run_dir / "units", ec)) return out;
  for (const auto& f : fs::directory_iterator(run_dir / "units")) {
    if (f.path().extension() == ".json") out[f.path().filename()] = bakeoff::read_file(f.path());
  }
  return out;
}

// Every JSON file in the run directory parses, and every steps.jsonl line too.
void expect_all_json_parses(const fs::path& run_dir) {
  size_t files = 0;
  for (const auto& f : fs::recursive_directory_iterator(run_dir)) {
    if (!f.is_regular_file()) continue;
    const std::string text = bakeoff::read_file(f.path());
    if (f.path().extension() == ".json") {
      EXPECT_FALSE(Json::parse(text, nullptr, false).is_discarded()) << f.path();
      ++files;
    } else if (f.path().filename() == "steps.jsonl") {
      size_t start = 0;
      while (start < text.size()) {
        size_t nl = text.find('\n', start);
        ASSERT_NE(nl, std::string::npos) << "steps.jsonl ends mid-line";
        EXPECT_FALSE(Json::parse(text.substr(start, nl - start), nullptr, false).is_discarded());
        start = nl + 1;
      }
    }
  }
  EXPECT_GT(files, 2u);
}

size_t number_after(const std::string& text, const std::string& pattern) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern))) return SIZE_MAX;
  return std::stoul(m[1]);
}

TEST(SweepE2E, KilledSweepResumesOnlyWhatWasMissing) {
  ScratchDir tmp;
  const fs::path run_dir = tmp.path / "run";
  // Slow enough (each model turn waits 40 ms at the built-in server) to be killed mid-run.
  const std::vector<std::string> args = {
      "sweep",    "--arms", "ollama-json",      "--tasks",  "memory,research",
      "--repeat", "4",      "--server-latency", "fixed:40", "--progress",
      "lines",    "--out",  run_dir.string()};
  const size_t total = 8;
  pid_t pid = spawn(args, tmp.path / "killed.txt");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (unit_files(run_dir).size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  EXPECT_EQ(wait_exit(pid), 128 + SIGKILL) << bakeoff::read_file(tmp.path / "killed.txt");
  // A process killed with SIGKILL cannot remove its built-in server's model directory.
  std::error_code ec;
  fs::remove_all(fs::temp_directory_path() / ("bakeoff-serve-" + std::to_string(pid) + "-0"), ec);
  const auto before = unit_files(run_dir);
  ASSERT_GE(before.size(), 3u);
  ASSERT_LT(before.size(), total) << "the sweep finished before it was killed";
  expect_all_json_parses(run_dir);

  // Without --resume the run directory is not silently reused.
  Outcome refused = run(args, tmp.path);
  EXPECT_EQ(refused.status, 2) << refused.output;
  EXPECT_NE(refused.output.find("--resume"), std::string::npos);

  std::vector<std::string> resume = args;
  resume.push_back("--resume");
  Outcome resumed = run(resume, tmp.path);
  EXPECT_TRUE(resumed.status == 0 || resumed.status == 1) << resumed.output;
  EXPECT_EQ(number_after(resumed.output, R"(sweep: (\d+) units run)"), total - before.size())
      << resumed.output;
  EXPECT_EQ(number_after(resumed.output, R"((\d+) already done)"), before.size());
  const auto after = unit_files(run_dir);
  EXPECT_EQ(after.size(), total);
  for (const auto& [name, bytes] : before) EXPECT_EQ(after.at(name), bytes) << name << " was rerun";
  expect_all_json_parses(run_dir);
  Json manifest = Json::parse(bakeoff::read_file(run_dir / "manifest.json"));
  EXPECT_EQ(manifest["units"].size(), total);
  EXPECT_TRUE(fs::exists(run_dir / "compare.json"));
}

TEST(SweepE2E, ShardsMergeIntoTheWholeMatrix) {
  ScratchDir tmp;
  std::vector<std::string> base = {"sweep", "--tasks",    "memory", "--repeat",
                                   "2",     "--progress", "none"};
  for (const char* shard : {"1/2", "2/2"}) {
    std::vector<std::string> args = base;
    args.insert(args.end(),
                {"--shard", shard, "--out", (tmp.path / (std::string("s") + shard[0])).string()});
    Outcome o = run(args, tmp.path);
    EXPECT_EQ(o.status, 0) << o.output;
  }
  const size_t s1 = unit_files(tmp.path / "s1").size(), s2 = unit_files(tmp.path / "s2").size();
  EXPECT_EQ(s1, 3u);
  EXPECT_EQ(s2, 3u);
  Outcome merged = run({"merge", (tmp.path / "s1").string(), (tmp.path / "s2").string(), "--out",
                        (tmp.path / "all").string()},
                       tmp.path);
  EXPECT_EQ(merged.status, 0) << merged.output;
  EXPECT_EQ(unit_files(tmp.path / "all").size(), 6u);
  expect_all_json_parses(tmp.path / "all");
  // Merging the same shard twice is fine (identical duplicates).
  Outcome again =
      run({"merge", (tmp.path / "s1").string(), "--out", (tmp.path / "all").string()}, tmp.path);
  EXPECT_EQ(again.status, 0) << again.output;
}

TEST(SweepE2E, BadCommandLinesExitTwoWithOneLine) {
  ScratchDir tmp;
  const std::string out = (tmp.path / "r" / "t.json").string();
  const std::vector<std::vector<std::string>> cases = {
      {"run", "--arm", "nope", "--task", "memory", "--out", out},
      {"run", "--arm", "control", "--task", "nope", "--out", out},
      {"run", "--arm", "control", "--task", "memory", "--think", "maybe", "--out", out},
      {"run", "--arm", "control", "--task", "memory", "--profile", "wild", "--out", out},
      {"run", "--arm", "control", "--task", "memory", "--repeat", "0", "--out", out},
      {"run", "--task", "memory"},
      {"sweep", "--shard", "3/2", "--out", (tmp.path / "s").string()},
      {"sweep", "--arms", "control,bogus", "--out", (tmp.path / "s").string()},
      {"sweep", "--fault", "no-such-fault", "--out", (tmp.path / "s").string()},
      {"sweep", "--tasks", "memory,,long", "--out", (tmp.path / "s").string()},
      {"merge", (tmp.path / "missing").string(), "--out", (tmp.path / "m").string()},
      {"merge", (tmp.path / "missing").string()},
  };
  for (const auto& args : cases) {
    Outcome o = run(args, tmp.path);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(o.status, 2) << joined << "\n" << o.output;
    EXPECT_EQ(std::count(o.output.begin(), o.output.end(), '\n'), 1) << joined << "\n" << o.output;
  }
  Outcome listed = run({"run", "--arm", "nope", "--task", "memory", "--out", out}, tmp.path);
  EXPECT_NE(listed.output.find("ollama-json"), std::string::npos) << listed.output;
}

TEST(SweepE2E, RunWritesTheSeedTraceAndRepeatsBesideIt) {
  ScratchDir tmp;
  const fs::path out = tmp.path / "A" / "memory.json";
  bakeoff::control::Server server({});
  server.start();
  Outcome o = run({"run", "--arm", "ollama-json", "--task", "memory", "--repeat", "2", "--host",
                   server.base_url(), "--out", out.string()},
                  tmp.path);
  ASSERT_EQ(o.status, 0) << o.output;
  Json t1 = Json::parse(bakeoff::read_file(out));
  Json t2 = Json::parse(bakeoff::read_file(tmp.path / "A" / "memory.r2.json"));
  EXPECT_EQ(t1["repeat"], 1);
  EXPECT_EQ(t2["repeat"], 2);
  for (const char* key : {"arm", "model", "task", "task_prompt", "num_ctx", "num_predict",
                          "started_at", "turns", "final"}) {
    EXPECT_TRUE(t1.contains(key)) << key;
  }
  EXPECT_TRUE(fs::exists(tmp.path / "A" / "manifest.json"));
  EXPECT_EQ(unit_files(tmp.path / "A").size(), 2u);
  EXPECT_NE(o.output.find("ollama-json memory r1: no_tool_calls"), std::string::npos) << o.output;
}

}  // namespace
