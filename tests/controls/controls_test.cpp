// Calibration of the instrument (FAULTS.md): `bakeoff sweep` end to end against the in-process
// control server. Negative control: with no fault, every task × arm × streaming mode agrees and
// the verdict is faithful. Positive controls: with each fault, compare's first divergence is
// the fault's expected layer at its expected step (render-double-bos: the token-count
// cross-check at that step), and nothing diverges earlier.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "common/files.h"
#include "common/json.h"
#include "control/faults.h"

namespace bakeoff::control {
namespace {

namespace fs = std::filesystem;

// (clang-tidy reads Json's constructors as throwing in the implicit special members.)
struct SweepRun {  // NOLINT(bugprone-exception-escape)
  int status = -1;
  std::string output;
  Json compare;
};

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("bakeoff-controls-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir.parent_path());
  return dir;
}

// Runs `bakeoff sweep ARGS --out DIR` (no --host: the in-process control server) and reads
// DIR/compare.json.
SweepRun sweep(const std::string& name, const std::vector<std::string>& args) {
  fs::path out = fresh_dir(name);
  std::string cmd = quote(BAKEOFF_BIN) + " sweep";
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " --out " + quote(out.string()) + " 2>&1";
  SweepRun run;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) run.output.append(buf, n);
  int rc = ::pclose(pipe);
  run.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  auto doc = read_file_if_exists(out / "compare.json");
  if (doc) run.compare = Json::parse(*doc, nullptr, false);
  run.output = "$ " + cmd + "\n" + run.output;
  return run;
}

const std::string kArms = "ollama-json,ollama-native,control";

TEST(NegativeControl, EveryTaskArmAndStreamingModeAgrees) {
  for (const char* stream : {"--stream", "--no-stream"}) {
    SweepRun run = sweep(
        std::string("negative") + stream,
        {"--arms", kArms, "--tasks", "movies,research,memory,long", "--think", "false", stream});
    ASSERT_TRUE(run.compare.is_object()) << run.output;
    EXPECT_EQ(run.compare["verdict"], "faithful") << run.compare.dump(1).substr(0, 4000);
    ASSERT_GE(run.compare["comparisons"].size(), 12u) << run.output;  // 4 tasks × 3 pairs
    for (const auto& c : run.compare["comparisons"]) {
      EXPECT_TRUE(c["first_divergence"].is_null())
          << stream << " " << c["task"] << " " << c["arms"].dump() << ": "
          << c["first_divergence"].dump();
      if (c.contains("token_crosscheck") && c["token_crosscheck"].contains("mismatch"))
        EXPECT_FALSE(c["token_crosscheck"]["mismatch"].get<bool>()) << c["token_crosscheck"].dump();
    }
    EXPECT_EQ(run.status, 0) << run.output;
  }
}

TEST(NegativeControl, ThinkingOnAgreesToo) {
  SweepRun run =
      sweep("negative-think", {"--arms", kArms, "--tasks", "memory,movies", "--think", "true"});
  ASSERT_TRUE(run.compare.is_object()) << run.output;
  EXPECT_EQ(run.compare["verdict"], "faithful") << run.compare.dump(1).substr(0, 4000);
}

class PositiveControl : public ::testing::TestWithParam<std::string> {};

TEST_P(PositiveControl, CompareReportsTheFaultAtItsLayerAndStep) {
  const FaultInfo* f = find_fault(GetParam());
  ASSERT_NE(f, nullptr);
  std::vector<std::string> args = {"--arms",  kArms, "--tasks", f->calibration_task,
                                   "--fault", f->id, "--think", f->think};
  if (!f->model.empty()) args.insert(args.end(), {"--model", f->model});
  SweepRun run = sweep(f->id, args);
  ASSERT_TRUE(run.compare.is_object()) << run.output;
  const Json& comparisons = run.compare["comparisons"];
  ASSERT_FALSE(comparisons.empty()) << run.output;
  if (f->expected_layer == "token_count") {
    // The prompt text may compare equal; the token counts must not, from the expected step.
    bool flagged = false;
    for (const auto& c : comparisons) {
      const Json& cross = c["token_crosscheck"];
      if (!cross.value("mismatch", false)) continue;
      int first = 0;
      for (size_t i = 0; i < cross["steps"].size() && first == 0; ++i)
        if (cross["steps"][i].value("kind", "equal") != "equal") first = static_cast<int>(i) + 1;
      flagged |= first == f->expected_step;
      if (!c["first_divergence"].is_null())
        EXPECT_GT(c["first_divergence"]["step"].get<int>(), f->expected_step) << c.dump();
    }
    EXPECT_TRUE(flagged) << run.compare.dump(1).substr(0, 4000);
    return;
  }
  int earliest = 1 << 30;
  bool reported = false;
  for (const auto& c : comparisons) {
    const Json& d = c["first_divergence"];
    if (d.is_null()) continue;
    int step = d["step"].get<int>();
    earliest = std::min(earliest, step);
    reported |= step == f->expected_step && d["layer"] == f->expected_layer;
  }
  EXPECT_TRUE(reported) << f->id << ": expected layer " << f->expected_layer << " at step "
                        << f->expected_step << "\n"
                        << run.compare.dump(1).substr(0, 4000);
  EXPECT_EQ(earliest, f->expected_step)
      << f->id << ": something diverged before the fault could act";
  EXPECT_NE(run.compare["verdict"], "faithful");
}

std::vector<std::string> all_fault_ids() {
  std::vector<std::string> ids;
  for (const auto& f : fault_catalogue()) ids.push_back(f.id);
  return ids;
}

INSTANTIATE_TEST_SUITE_P(EveryFault, PositiveControl, ::testing::ValuesIn(all_fault_ids()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param) name += c == '-' ? '_' : c;
                           return name;
                         });

// The sweeps' run directories (under one directory per test process) go when the tests end.
class RemoveRunDirectories : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(fs::temp_directory_path() / ("bakeoff-controls-" + std::to_string(::getpid())),
                   ec);
  }
};
const auto* const kRemoveRunDirectories =
    ::testing::AddGlobalTestEnvironment(new RemoveRunDirectories);

}  // namespace
}  // namespace bakeoff::control
