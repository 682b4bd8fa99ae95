// compare_run on small run directories written to a temp dir: pairing (cross-arm by repeat,
// A-vs-A controls), prompt diffs from blobs, statistics, the summary text, and bad input.
#include <gtest/gtest.h>

#include "analysis/compare.h"
#include "common/files.h"
#include "trace_builder.h"

namespace bakeoff::analysis {
namespace {

using testing::memory_trace;
using testing::TempDir;
using testing::write_run;

std::vector<Json> faithful_run(int repeats) {
  std::vector<Json> traces;
  for (int r = 1; r <= repeats; ++r) {
    for (const char* arm : {"ollama-json", "ollama-native", "control"}) {
      Json t = memory_trace(arm, r);
      if (std::string(arm) == "ollama-json") {
        for (Json& s : t["turns"]) s["completion_raw"] = nullptr;
      }
      traces.push_back(t);
    }
  }
  return traces;
}

TEST(CompareRun, FaithfulRunWithRepeatsPairsArmsAndControls) {
  TempDir dir;
  write_run(dir.path, faithful_run(2));
  auto doc = compare_run(dir.path);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ((*doc)["verdict"], "faithful");
  int cross = 0, controls = 0;
  for (const Json& c : (*doc)["comparisons"]) {
    (c["kind"] == "control" ? controls : cross)++;
    EXPECT_TRUE(c["first_divergence"].is_null());
  }
  EXPECT_EQ(cross, 6);     // 3 arm pairs × 2 repeats
  EXPECT_EQ(controls, 3);  // r1 vs r2 for each arm
  EXPECT_EQ((*doc)["comparisons"][0]["arms"], Json::array({"ollama-json", "ollama-native"}));
  EXPECT_FALSE(any_divergence(*doc));

  const Json& stats = (*doc)["statistics"];
  ASSERT_EQ(stats["cells"].size(), 3u);
  EXPECT_EQ(stats["cells"][0]["steps"]["median"], 2.0);
  EXPECT_EQ(stats["cells"][0]["accepted"]["passed"], 2);
  EXPECT_EQ(stats["cells"][0]["halt_reasons"]["no_tool_calls"], 2);
  ASSERT_EQ(stats["tests"].size(), 3u);
  EXPECT_EQ(stats["tests"][0]["paired_n"], 2);
  EXPECT_DOUBLE_EQ(stats["tests"][0]["steps_p"].get<double>(), 1.0);
  ASSERT_FALSE(stats["latency"].empty());
  EXPECT_EQ(stats["latency"][0]["component"], "load");
  EXPECT_DOUBLE_EQ(stats["latency"][0]["median_ms"].get<double>(), 1.0);

  auto text = summary_text(dir.path, *doc);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("arm            task    n  steps  tools  halt"), std::string::npos) << *text;
  EXPECT_NE(text->find("ollama-native  memory  2  2      1      no_tool_calls×2"),
            std::string::npos)
      << *text;
  EXPECT_NE(text->find("Verdict: faithful"), std::string::npos);
}

TEST(CompareRun, TranslatorFaultIsLocalisedWithAPromptDiffFromBlobs) {
  std::vector<Json> traces = faithful_run(1);
  Json& a = traces[0];  // ollama-json: its server renders step 2 differently
  std::string prompt2 =
      "<bos><|turn>system\nYou are helpful.<turn|>\n<|turn>user\nZigbee channel?<turn|>\n"
      "<|turn>model\n<|tool_call>call:memory_recall{}<tool_call|><|tool_response>MEM-0001"
      "<tool_response|>\n";
  Json step2 = testing::make_step(2, prompt2, nullptr, Json::array(), 130, 8);
  step2["content"] = "Channel 15 (mem-0001).";
  a["turns"][1] = step2;
  TempDir dir;
  write_run(dir.path, traces);
  auto doc = compare_run(dir.path);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ((*doc)["verdict"], "translator_diverges");
  const Json& ab = (*doc)["comparisons"][0];
  ASSERT_EQ(ab["first_divergence"]["layer"], "prompt");
  EXPECT_EQ(ab["first_divergence"]["step"], 2);
  EXPECT_NE(ab["first_divergence"]["diff"].get<std::string>().find("MEM-0001"), std::string::npos);
  EXPECT_TRUE(any_divergence(*doc));
  std::string text = compare_text(*doc);
  EXPECT_NE(text.find("memory r1 ollama-json vs ollama-native: first divergence at step 2, layer "
                      "prompt, byte "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Verdict: translator_diverges"), std::string::npos);
}

TEST(CompareRun, ErroredUnitWithoutTraceMakesTheVerdictInconclusive) {
  TempDir dir;
  write_run(dir.path, faithful_run(1));
  Json manifest = Json::parse(read_file(dir.path / "manifest.json"));
  manifest["units"]["control.memory.abcd1234.r2"] = {
      {"arm", "control"},          {"task", "memory"},  {"repeat", 2},
      {"settings_id", "abcd1234"}, {"status", "error"}, {"halt_reason", "error:timeout"}};
  write_file_atomic(dir.path / "manifest.json", manifest.dump());
  auto doc = compare_run(dir.path);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ((*doc)["verdict"], "inconclusive");
}

TEST(CompareRun, DuplicateUnitsMarkedBySweepAreControlsOnly) {
  std::vector<Json> traces = faithful_run(1);
  Json dup = memory_trace("ollama-json", 1);
  dup["unit_id"] = "ollama-json.memory.abcd1234.r1.dup";
  dup["turns"][0]["eval_count"] = 11;  // the concurrent duplicate sampled differently
  traces.push_back(dup);
  TempDir dir;
  write_run(dir.path, traces);
  Json manifest = Json::parse(read_file(dir.path / "manifest.json"));
  manifest["units"]["ollama-json.memory.abcd1234.r1.dup"]["duplicate_of"] =
      "ollama-json.memory.abcd1234.r1";
  manifest["units"]["ollama-json.memory.abcd1234.r1.dup"]["control"] = "concurrent";
  write_file_atomic(dir.path / "manifest.json", manifest.dump());
  auto doc = compare_run(dir.path);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  int controls = 0;
  for (const Json& c : (*doc)["comparisons"]) {
    if (c["kind"] != "control") continue;
    ++controls;
    EXPECT_EQ(c["control"], "concurrent");
    EXPECT_EQ(c["first_divergence"]["layer"], "completion");
  }
  EXPECT_EQ(controls, 1);
  EXPECT_EQ((*doc)["verdict"], "faithful");
  EXPECT_FALSE(any_divergence(*doc));  // a control divergence is the floor, not the paths
}

TEST(CompareRun, DuplicateMarkedOnlyInTheTraceIsAControlToo) {
  std::vector<Json> traces = faithful_run(1);
  Json dup = memory_trace("control", 1);
  dup["unit_id"] = "control.memory.abcd1234.r1.c1";
  dup["duplicate_of"] = "control.memory.abcd1234.r1";
  dup["control"] = "concurrent";
  traces.push_back(dup);
  TempDir dir;
  write_run(dir.path, traces);
  auto doc = compare_run(dir.path);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  int cross = 0, controls = 0;
  for (const Json& c : (*doc)["comparisons"]) (c["kind"] == "control" ? controls : cross)++;
  EXPECT_EQ(cross, 3);
  EXPECT_EQ(controls, 1);
  EXPECT_EQ((*doc)["controls"][0]["arm"], "control");
}

TEST(CompareRun, BadInputNamesTheFileAndTheProblem) {
  TempDir dir;
  auto missing = compare_run(dir.path / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);

  auto no_manifest = compare_run(dir.path);
  ASSERT_FALSE(no_manifest.ok());
  EXPECT_NE(no_manifest.error().message.find("manifest.json: missing"), std::string::npos);

  write_run(dir.path, faithful_run(1));
  write_file_atomic(dir.path / "units" / "control.memory.abcd1234.r1.json", "{\"arm\": ");
  auto malformed = compare_run(dir.path);
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.error().message.find("control.memory.abcd1234.r1.json: not valid JSON"),
            std::string::npos)
      << malformed.error().message;

  std::filesystem::remove(dir.path / "units" / "control.memory.abcd1234.r1.json");
  auto gone = compare_run(dir.path);
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.error().message.find("trace missing for a done unit"), std::string::npos);
}

}  // namespace
}  // namespace bakeoff::analysis
