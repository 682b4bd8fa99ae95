// Every verdict, and the A-vs-A floor logic, from synthetic comparison entries.
#include <gtest/gtest.h>

#include <fmt/core.h>

#include "analysis/verdict.h"

namespace bakeoff::analysis {
namespace {

UnitRecord unit(const std::string& arm, int repeat, const std::string& halt = "no_tool_calls") {
  UnitRecord u;
  u.arm = arm;
  u.task = "memory";
  u.repeat = repeat;
  u.settings_id = "abcd1234";
  u.unit_id = fmt::format("{}.memory.abcd1234.r{}", arm, repeat);
  u.status = "done";
  u.halt_reason = halt;
  u.trace = Json::object();
  return u;
}

Json comparison(const std::string& x, const std::string& y, int repeat, bool diverges,
                const std::string& kind = "cross_arm") {
  Json c = {{"task", "memory"},
            {"repeat", repeat},
            {"arms", {x, y}},
            {"units", {x + ".r", y + ".r"}},
            {"kind", kind},
            {"first_divergence", nullptr},
            {"token_crosscheck", {{"status", "equal"}, {"steps", Json::array()}}},
            {"diverges", diverges}};
  if (diverges) c["first_divergence"] = {{"step", 3}, {"layer", "prompt"}, {"detail", "byte 7"}};
  return c;
}

const char* A = "ollama-json";
const char* B = "ollama-native";
const char* C = "control";

std::vector<UnitRecord> all_arms(int repeats = 1) {
  std::vector<UnitRecord> units;
  for (int r = 1; r <= repeats; ++r) {
    for (const char* arm : {A, B, C}) units.push_back(unit(arm, r));
  }
  return units;
}

Json three_pairs(bool ab, bool bc, bool ac, int repeat = 1) {
  return Json::array(
      {comparison(A, B, repeat, ab), comparison(B, C, repeat, bc), comparison(A, C, repeat, ac)});
}

TEST(Verdict, ArmRoles) {
  EXPECT_EQ(arm_role("ollama-json"), "A");
  EXPECT_EQ(arm_role("ollama-native"), "B");
  EXPECT_EQ(arm_role("control"), "C");
  EXPECT_EQ(arm_role("reference-hf-transformers"), "C");
  EXPECT_EQ(arm_role("openai-chat"), "");
}

TEST(Verdict, Faithful) {
  Json v = decide_verdict(all_arms(), three_pairs(false, false, false));
  EXPECT_EQ(v["verdict"], "faithful");
  EXPECT_EQ(v["paths"]["A-B"]["status"], "equal");
  EXPECT_EQ(v["verdict_evidence"][0]["text"], "A ≡ B: 0/1 pairs diverge");
}

TEST(Verdict, TranslatorDiverges) {
  Json v = decide_verdict(all_arms(), three_pairs(true, false, true));
  EXPECT_EQ(v["verdict"], "translator_diverges");
  std::string text = v["verdict_evidence"][0]["text"].get<std::string>();
  EXPECT_EQ(text, "A ≢ B: 1/1 pairs diverge; first: memory r1 step 3, layer prompt");
  EXPECT_EQ(v["paths"]["A-B"]["divergences"][0]["layer"], "prompt");
}

TEST(Verdict, RuntimeDiverges) {
  EXPECT_EQ(decide_verdict(all_arms(), three_pairs(false, true, true))["verdict"],
            "runtime_diverges");
}

TEST(Verdict, BothDiverge) {
  EXPECT_EQ(decide_verdict(all_arms(), three_pairs(true, true, true))["verdict"], "both_diverge");
}

TEST(Verdict, InconclusiveWhenAnArmIsMissing) {
  std::vector<UnitRecord> units{unit(A, 1), unit(B, 1)};
  Json v = decide_verdict(units, Json::array({comparison(A, B, 1, true)}));
  EXPECT_EQ(v["verdict"], "inconclusive");
  bool named = false;
  for (const Json& e : v["verdict_evidence"]) named |= e["text"] == "arm C missing";
  EXPECT_TRUE(named);
}

TEST(Verdict, InconclusiveWhenAUnitErroredOrEnvMissing) {
  auto units = all_arms();
  units[2].halt_reason = "env_missing";
  EXPECT_EQ(decide_verdict(units, three_pairs(false, false, false))["verdict"], "inconclusive");
  units = all_arms();
  units[0].status = "error";
  units[0].trace = nullptr;
  EXPECT_EQ(decide_verdict(units, three_pairs(false, false, false))["verdict"], "inconclusive");
}

TEST(Verdict, InconclusiveWhenNoPairsAreComparable) {
  Json v = decide_verdict(all_arms(), Json::array({comparison(B, C, 1, false)}));
  EXPECT_EQ(v["verdict"], "inconclusive");
}

TEST(Verdict, DivergenceWithinTheAvsAFloorIsNotCalled) {
  // 4 repeats: A vs B diverges in 1 of 4; A's own repeats diverge in 1 of 3 consecutive pairs.
  auto units = all_arms(4);
  Json cs = Json::array();
  for (int r = 1; r <= 4; ++r) {
    for (const Json& c : three_pairs(r == 2, false, r == 2, r)) cs.push_back(c);
  }
  for (int r = 1; r <= 3; ++r) {
    cs.push_back(comparison(A, A, r, r == 1, "control"));
    cs.push_back(comparison(B, B, r, false, "control"));
    cs.push_back(comparison(C, C, r, false, "control"));
  }
  Json v = decide_verdict(units, cs);
  EXPECT_EQ(v["paths"]["A-B"]["status"], "within_floor");
  EXPECT_EQ(v["verdict"], "inconclusive");
  ASSERT_EQ(v["controls"].size(), 3u);
  EXPECT_EQ(v["controls"][1]["arm"], A);  // sorted by arm name: control, ollama-json, …
  EXPECT_NEAR(v["controls"][1]["floor"].get<double>(), 1.0 / 3, 1e-12);
  EXPECT_EQ(v["paths"]["A-B"]["floor"]["diverging"], 1);
  EXPECT_EQ(v["paths"]["A-B"]["floor"]["pairs"], 6);
}

TEST(Verdict, DivergenceAboveTheFloorIsCalled) {
  // 8 repeats: A vs B diverges every time; the A and B controls never do.
  auto units = all_arms(8);
  Json cs = Json::array();
  for (int r = 1; r <= 8; ++r) {
    for (const Json& c : three_pairs(true, false, true, r)) cs.push_back(c);
  }
  for (int r = 1; r <= 7; ++r) {
    for (const char* arm : {A, B, C}) cs.push_back(comparison(arm, arm, r, false, "control"));
  }
  Json v = decide_verdict(units, cs);
  EXPECT_EQ(v["paths"]["A-B"]["status"], "diverges");
  EXPECT_LT(v["paths"]["A-B"]["fisher_p"].get<double>(), 1e-4);
  EXPECT_EQ(v["verdict"], "translator_diverges");
}

TEST(Verdict, ControlDivergenceAloneDoesNotMakeAPathDiverge) {
  auto units = all_arms(2);
  Json cs = three_pairs(false, false, false, 1);
  for (const Json& c : three_pairs(false, false, false, 2)) cs.push_back(c);
  cs.push_back(comparison(A, A, 1, true, "control"));
  Json v = decide_verdict(units, cs);
  EXPECT_EQ(v["verdict"], "faithful");
  ASSERT_EQ(v["controls"].size(), 1u);
  EXPECT_EQ(v["controls"][0]["diverging"], 1);
}

}  // namespace
}  // namespace bakeoff::analysis
