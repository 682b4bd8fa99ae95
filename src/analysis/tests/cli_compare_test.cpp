// `bakeoff compare` and `bakeoff report` on the built binary: exit status like diff(1) (0 agree,
// 1 diverge, 2 bad input), the human output, the --json document, and report files.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>

#include <fmt/core.h>

#include "common/files.h"
#include "trace_builder.h"

namespace bakeoff::analysis {
namespace {

using testing::memory_trace;
using testing::TempDir;

struct Outcome {
  int status = -1;
  std::string out, err;
};

Outcome bakeoff(const TempDir& dir, const std::string& args) {
  std::string cmd = fmt::format("'{}' {} >'{}' 2>'{}'", BAKEOFF_BINARY, args,
                                (dir.path / "stdout").string(), (dir.path / "stderr").string());
  int raw = std::system(cmd.c_str());
  Outcome o;
  o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  o.out = read_file_if_exists(dir.path / "stdout").value_or("");
  o.err = read_file_if_exists(dir.path / "stderr").value_or("");
  return o;
}

std::vector<Json> run_traces(bool diverge) {
  std::vector<Json> traces;
  for (const char* arm : {"ollama-json", "ollama-native", "control"}) {
    Json t = memory_trace(arm, 1);
    if (diverge && std::string(arm) == "ollama-json") {
      t["turns"][0]["tool_calls"][0]["args_raw"]["query"] = "Zigbee";
    }
    traces.push_back(t);
  }
  return traces;
}

TEST(CliCompare, AgreeingRunExitsZeroWithTableAndVerdict) {
  TempDir dir;
  testing::write_run(dir.path / "run", run_traces(false));
  Outcome o = bakeoff(dir, "compare '" + (dir.path / "run").string() + "'");
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("arm            task    n  steps  tools  halt"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("No divergence in 3 cross-arm pairs."), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Verdict: faithful"), std::string::npos) << o.out;
}

TEST(CliCompare, DivergingRunExitsOneAndNamesStepAndLayer) {
  TempDir dir;
  testing::write_run(dir.path / "run", run_traces(true));
  Outcome o = bakeoff(dir, "compare '" + (dir.path / "run").string() + "'");
  EXPECT_EQ(o.status, 1) << o.err;
  EXPECT_NE(o.out.find("memory r1 ollama-json vs ollama-native: first divergence at step 1, "
                       "layer arguments, call 1 (memory_recall)"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("Verdict: translator_diverges"), std::string::npos) << o.out;

  Outcome j = bakeoff(dir, "compare --json '" + (dir.path / "run").string() + "'");
  EXPECT_EQ(j.status, 1) << j.err;
  Json doc = Json::parse(j.out);
  EXPECT_EQ(doc["verdict"], "translator_diverges");
  const Json& c = doc["comparisons"][0];
  EXPECT_EQ(c["task"], "memory");
  EXPECT_EQ(c["repeat"], 1);
  EXPECT_EQ(c["arms"], Json::array({"ollama-json", "ollama-native"}));
  EXPECT_EQ(c["first_divergence"]["step"], 1);
  EXPECT_EQ(c["first_divergence"]["layer"], "arguments");
  EXPECT_TRUE(c["first_divergence"]["detail"].is_string());
}

TEST(CliCompare, TwoTraceFiles) {
  TempDir dir;
  write_file_atomic(dir.path / "a.json", memory_trace("ollama-native").dump());
  write_file_atomic(dir.path / "b.json", memory_trace("control").dump());
  Json halted = memory_trace("control");
  halted["final"]["halt_reason"] = "step_budget";
  write_file_atomic(dir.path / "c.json", halted.dump());
  std::string a = "'" + (dir.path / "a.json").string() + "'";
  Outcome same = bakeoff(dir, "compare " + a + " '" + (dir.path / "b.json").string() + "'");
  EXPECT_EQ(same.status, 0) << same.err << same.out;
  Outcome differ = bakeoff(dir, "compare " + a + " '" + (dir.path / "c.json").string() + "'");
  EXPECT_EQ(differ.status, 1) << differ.err;
  EXPECT_NE(differ.out.find("layer halt"), std::string::npos) << differ.out;
}

TEST(CliCompare, BadInputExitsTwoWithOneLineNamingTheFile) {
  TempDir dir;
  Outcome missing = bakeoff(dir, "compare '" + (dir.path / "nope").string() + "'");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("nope: not a run directory"), std::string::npos) << missing.err;
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1);

  write_file_atomic(dir.path / "bad.json", "{\"arm\": \"x\", ");
  write_file_atomic(dir.path / "good.json", memory_trace("control").dump());
  Outcome malformed = bakeoff(dir, "compare '" + (dir.path / "bad.json").string() + "' '" +
                                       (dir.path / "good.json").string() + "'");
  EXPECT_EQ(malformed.status, 2);
  EXPECT_NE(malformed.err.find("bad.json: not valid JSON"), std::string::npos) << malformed.err;

  Json no_final = memory_trace("control");
  no_final.erase("final");
  write_file_atomic(dir.path / "nofinal.json", no_final.dump());
  Outcome invalid = bakeoff(dir, "compare '" + (dir.path / "nofinal.json").string() + "' '" +
                                     (dir.path / "good.json").string() + "'");
  EXPECT_EQ(invalid.status, 2);
  EXPECT_NE(invalid.err.find("nofinal.json: missing object field \"final\""), std::string::npos)
      << invalid.err;

  EXPECT_EQ(bakeoff(dir, "compare").status, 2);
}

TEST(CliReport, WritesMarkdownAndHtmlAndRejectsAnUnknownFormat) {
  TempDir dir;
  testing::write_run(dir.path / "run", run_traces(true));
  std::string run = "'" + (dir.path / "run").string() + "'";
  Outcome md = bakeoff(dir, "report " + run + " --format md");
  EXPECT_EQ(md.status, 0) << md.err;
  EXPECT_NE(md.out.find("**Verdict: translator\\_diverges**"), std::string::npos) << md.out;
  Outcome html = bakeoff(
      dir, "report " + run + " --format html --out '" + (dir.path / "r.html").string() + "'");
  EXPECT_EQ(html.status, 0) << html.err;
  EXPECT_EQ(read_file(dir.path / "r.html").rfind("<!DOCTYPE html>", 0), 0u);
  Outcome bad = bakeoff(dir, "report " + run + " --format pdf");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("unknown report format 'pdf'"), std::string::npos) << bad.err;
  EXPECT_EQ(bakeoff(dir, "report '" + (dir.path / "nope").string() + "'").status, 2);
}

}  // namespace
}  // namespace bakeoff::analysis
