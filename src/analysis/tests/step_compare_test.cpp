// Hand-built trace pairs, one per compare layer (and none), plus the token-count cross-check.
#include <gtest/gtest.h>

#include "analysis/compare.h"
#include "analysis/step_compare.h"
#include "common/sha256.h"
#include "trace_builder.h"

namespace bakeoff::analysis {
namespace {

using testing::make_call;
using testing::make_step;
using testing::memory_trace;

BlobSource builder_blobs() {
  return [](const std::string& sha) -> std::optional<std::string> {
    std::string p = testing::prompt_for(sha);
    if (p.empty()) return std::nullopt;
    return p;
  };
}

Json compare_pair(const Json& a, const Json& b) {
  auto doc = compare_traces(a, b, builder_blobs());
  EXPECT_TRUE(doc.ok()) << (doc.ok() ? "" : doc.error().message);
  return doc.ok() ? doc->at("comparisons").at(0) : Json();
}

const Json& first(const Json& c) {
  return c.at("first_divergence");
}

TEST(StepCompare, IdenticalTracesAgreeAndEveryLayerIsChecked) {
  Json c = compare_pair(memory_trace("ollama-native"), memory_trace("control"));
  EXPECT_TRUE(first(c).is_null());
  EXPECT_FALSE(c["diverges"].get<bool>());
  ASSERT_EQ(c["steps"].size(), 2u);
  EXPECT_EQ(c["steps"][0]["checked_layers"],
            Json::array({"prompt", "completion", "parse", "arguments", "tool_result", "halt"}));
  EXPECT_EQ(c["token_crosscheck"]["status"], "equal");
}

TEST(StepCompare, PromptLayerGivesByteOffsetContextAndDiff) {
  Json a = memory_trace("ollama-json");
  Json b = memory_trace("ollama-native");
  // Step 2 of B keeps a spurious "<turn|>\n" (the seed's channel-prefix bug).
  std::string bad_prompt =
      "<bos><|turn>system\nYou are helpful.<turn|>\n<|turn>user\nZigbee channel?<turn|>\n"
      "<|turn>model\n<turn|>\n<|tool_call>call:memory_recall{}<tool_call|><|tool_response>mem-0001"
      "<tool_response|>\n";
  Json step2 = make_step(2, bad_prompt, "Channel 15 (mem-0001).", Json::array(), 133, 8);
  step2["content"] = "Channel 15 (mem-0001).";
  b["turns"][1] = step2;
  Json c = compare_pair(a, b);
  ASSERT_FALSE(first(c).is_null());
  EXPECT_EQ(first(c)["step"], 2);
  EXPECT_EQ(first(c)["layer"], "prompt");
  EXPECT_EQ(first(c)["offset"], 92);  // "<|turn>model\n<" is common; then "|tool_call" vs "turn|"
  std::string detail = first(c)["detail"].get<std::string>();
  EXPECT_NE(detail.find("byte 92"), std::string::npos) << detail;
  EXPECT_NE(detail.find("<turn|>\\n"), std::string::npos) << detail;
  std::string diff = first(c)["diff"].get<std::string>();
  EXPECT_NE(diff.find("+<turn|>\\n"), std::string::npos) << diff;
  EXPECT_NE(diff.find("--- ollama-json"), std::string::npos) << diff;
  // The token counts differ because the prompts do: explained, not flagged.
  EXPECT_EQ(c["token_crosscheck"]["steps"][1]["kind"], "prompt_differs");
}

TEST(StepCompare, PromptNotCapturedIsSaidAndNotClaimedEqual) {
  Json a = memory_trace("ollama-json");
  Json b = memory_trace("ollama-native");
  for (Json& s : a["turns"]) {
    s["rendered_prompt_sha256"] = nullptr;
    s["prompt_capture"] = "unsupported: server has no _debug_render_only";
  }
  Json c = compare_pair(a, b);
  EXPECT_TRUE(first(c).is_null());
  // A later divergence says which layers it could not check at its step.
  Json b2 = b;
  b2["turns"][1]["content"] = "Channel 16.";
  Json d = compare_pair(a, b2);
  EXPECT_EQ(first(d)["layer"], "parse");
  EXPECT_NE(first(d)["detail"].get<std::string>().find("[prompt: not captured on ollama-json"),
            std::string::npos)
      << first(d)["detail"];
  const Json& step1 = c["steps"][0];
  for (const Json& layer : step1["checked_layers"]) EXPECT_NE(layer, "prompt");
  EXPECT_NE(step1["unchecked"][0].get<std::string>().find("prompt: not captured on ollama-json"),
            std::string::npos);
}

TEST(StepCompare, CompletionLayerBothKnownGivesCharAndTokenIndex) {
  Json a = memory_trace("ollama-native");
  Json b = memory_trace("control");
  b["turns"][0]["completion_raw"] = "<|tool_call>call:memory_recall{query:<|\"|>zigbee<|\"|>}<eos>";
  Json c = compare_pair(a, b);
  ASSERT_FALSE(first(c).is_null());
  EXPECT_EQ(first(c)["layer"], "completion");
  EXPECT_EQ(first(c)["step"], 1);
  EXPECT_EQ(first(c)["char_index"], 55);
  // <|tool_call> call : memory_recall { query : <|"|> zigbee <|"|> } then the 11th token.
  EXPECT_EQ(first(c)["token_index"], 11);
}

TEST(StepCompare, CompletionLayerOneUnknownUsesEvalCount) {
  Json a = memory_trace("ollama-json");
  Json b = memory_trace("ollama-native");
  for (Json& s : a["turns"]) s["completion_raw"] = nullptr;
  Json same = compare_pair(a, b);
  EXPECT_TRUE(first(same).is_null());
  EXPECT_EQ(same["steps"][0]["checked_layers"][1], "completion(eval_count)");
  a["turns"][0]["eval_count"] = 12;
  Json c = compare_pair(a, b);
  ASSERT_FALSE(first(c).is_null());
  EXPECT_EQ(first(c)["layer"], "completion");
  EXPECT_EQ(first(c)["eval_count"], Json::array({12, 10}));
  EXPECT_NE(first(c)["detail"].get<std::string>().find("not observed on ollama-json"),
            std::string::npos);
}

TEST(StepCompare, ParseLayerCallsDropped) {
  Json a = memory_trace("ollama-json");
  Json b = memory_trace("ollama-native");
  a["turns"][0]["completion_raw"] = nullptr;  // arm A: the server parsed, we never saw raw text
  a["turns"][0]["tool_calls"] = Json::array();
  Json c = compare_pair(a, b);
  ASSERT_FALSE(first(c).is_null());
  EXPECT_EQ(first(c)["layer"], "parse");
  EXPECT_EQ(first(c)["step"], 1);
  EXPECT_NE(first(c)["detail"].get<std::string>().find("[] vs ollama-native [memory_recall]"),
            std::string::npos)
      << first(c)["detail"];
}

TEST(StepCompare, ParseLayerContentDiffers) {
  Json a = memory_trace("ollama-json");
  Json b = memory_trace("ollama-native");
  a["turns"][0]["completion_raw"] = nullptr;
  b["turns"][0]["content"] = "trailing words";
  Json c = compare_pair(a, b);
  ASSERT_FALSE(first(c).is_null());
  EXPECT_EQ(first(c)["layer"], "parse");
  EXPECT_EQ(first(c)["field"], "content");
}

TEST(StepCompare, ArgumentsLayerIsTypeExact) {
  auto movie = [](const std::string& arm, Json year, const std::string& result) {
    Json steps = Json::array();
    steps.push_back(
        make_step(1, "<bos>movies prompt", nullptr,
                  Json::array({make_call("movie_search", {{"title", "Arrival"}, {"year", year}},
                                         {{"title", "Arrival"}, {"year", 2016}}, result)})));
    return testing::make_trace(arm, "movies", 1, steps);
  };
  Json c = compare_pair(movie("ollama-json", 2016, "r"), movie("ollama-native", "2016", "r"));
  ASSERT_FALSE(first(c).is_null());
  EXPECT_EQ(first(c)["layer"], "arguments");
  EXPECT_TRUE(first(c)["args_norm_equal"].get<bool>());
  EXPECT_TRUE(first(c)["result_equal"].get<bool>());
  std::string detail = first(c)["detail"].get<std::string>();
  EXPECT_NE(detail.find("\"year\":2016"), std::string::npos) << detail;
  EXPECT_NE(detail.find("\"year\":\"2016\""), std::string::npos) << detail;
  EXPECT_NE(detail.find("args_norm equal, result equal"), std::string::npos) << detail;

  Json same = compare_pair(movie("ollama-json", 2016, "r"), movie("ollama-native", 2016, "r"));
  EXPECT_TRUE(first(same).is_null());
  Json as_float =
      compare_pair(movie("ollama-json", 2016, "r"), movie("ollama-native", 2016.0, "r"));
  EXPECT_EQ(first(as_float)["layer"], "arguments");
}

TEST(StepCompare, JsonEqualExactIgnoresKeyOrderOnly) {
  Json a = Json::parse(R"({"a":1,"b":[1,"x",null]})");
  Json b = Json::parse(R"({"b":[1,"x",null],"a":1})");
  EXPECT_TRUE(json_equal_exact(a, b));
  EXPECT_FALSE(json_equal_exact(Json::parse("1"), Json::parse("1.0")));
  EXPECT_FALSE(json_equal_exact(Json::parse("1"), Json::parse("\"1\"")));
  EXPECT_TRUE(json_equal_exact(Json::parse("-1"), Json(-1)));
  EXPECT_TRUE(json_equal_exact(Json(static_cast<unsigned>(5)), Json(5)));
}

TEST(StepCompare, ToolResultLayer) {
  Json a = memory_trace("ollama-native");
  Json b = memory_trace("control");
  b["turns"][0]["tool_calls"][0]["result_sha256"] = sha256_hex("other result");
  Json c = compare_pair(a, b);
  ASSERT_FALSE(first(c).is_null());
  EXPECT_EQ(first(c)["layer"], "tool_result");
  EXPECT_EQ(first(c)["step"], 1);
}

TEST(StepCompare, HaltLayerStepCountAndReason) {
  Json a = memory_trace("ollama-native");
  Json b = memory_trace("control");
  b["final"]["halt_reason"] = "step_budget";
  Json c = compare_pair(a, b);
  ASSERT_FALSE(first(c).is_null());
  EXPECT_EQ(first(c)["layer"], "halt");
  EXPECT_EQ(first(c)["step"], 2);

  Json shorter = memory_trace("control");
  shorter["turns"].erase(1);
  shorter["final"]["halt_reason"] = "error:timeout";
  Json d = compare_pair(a, shorter);
  EXPECT_EQ(first(d)["layer"], "halt");
  EXPECT_EQ(first(d)["step"], 2);
  EXPECT_EQ(first(d)["steps_used"], Json::array({2, 1}));
}

TEST(StepCompare, FirstDifferingLayerAtTheFirstDifferingStepWins) {
  Json a = memory_trace("ollama-native");
  Json b = memory_trace("control");
  b["turns"][1]["content"] = "different";                       // parse at step 2
  b["turns"][0]["tool_calls"][0]["result_sha256"] = "0000";     // tool_result at step 1
  b["turns"][0]["tool_calls"][0]["args_raw"]["query"] = "zig";  // arguments at step 1
  Json c = compare_pair(a, b);
  EXPECT_EQ(first(c)["step"], 1);
  EXPECT_EQ(first(c)["layer"], "arguments");
  EXPECT_FALSE(first(c)["result_equal"].get<bool>());
}

TEST(TokenCrossCheck, PlusOneBosOnEveryStepIsExplainedAndCountsAsDivergence) {
  Json a = memory_trace("ollama-json");
  Json b = memory_trace("ollama-native");
  a["turns"][0]["prompt_eval_count"] = 101;
  a["turns"][1]["prompt_eval_count"] = 131;
  Json c = compare_pair(a, b);
  EXPECT_TRUE(first(c).is_null());
  EXPECT_EQ(c["token_crosscheck"]["status"], "explained");
  EXPECT_EQ(c["token_crosscheck"]["steps"][0]["kind"], "bos");
  EXPECT_NE(c["token_crosscheck"]["summary"].get<std::string>().find("every compared step"),
            std::string::npos);
  EXPECT_NE(c["token_crosscheck"]["steps"][0]["explanation"].get<std::string>().find(
                "+1 token on ollama-json"),
            std::string::npos);
  EXPECT_TRUE(c["diverges"].get<bool>());
}

TEST(TokenCrossCheck, LargerDifferenceWithIdenticalPromptsIsFlagged) {
  Json a = memory_trace("ollama-json");
  Json b = memory_trace("ollama-native");
  b["turns"][0]["prompt_eval_count"] = 140;
  Json c = compare_pair(a, b);
  EXPECT_EQ(c["token_crosscheck"]["status"], "flagged");
  std::string why = c["token_crosscheck"]["steps"][0]["explanation"].get<std::string>();
  EXPECT_NE(why.find("100 (ollama-json) vs 140 (ollama-native)"), std::string::npos) << why;
  EXPECT_TRUE(c["diverges"].get<bool>());
}

TEST(TokenCrossCheck, EmptyThoughtBlockExplainsTheDifference) {
  std::string base = "<bos><|turn>user\nhi<turn|>\n<|turn>model\n";
  Json a = testing::make_trace("ollama-json", "memory", 1,
                               Json::array({make_step(1, base + "<|channel>thought\n<channel|>",
                                                      nullptr, Json::array(), 105)}));
  Json b = testing::make_trace("ollama-native", "memory", 1,
                               Json::array({make_step(1, base, nullptr, Json::array(), 100)}));
  Json c = compare_pair(a, b);
  EXPECT_EQ(first(c)["layer"], "prompt");
  EXPECT_EQ(c["token_crosscheck"]["steps"][0]["kind"], "empty_thought_block");
}

TEST(TokenCrossCheck, ASecondBosInThePromptBytesIsNamed) {
  std::string base = "<bos><|turn>user\nhi<turn|>\n<|turn>model\n";
  Json a =
      testing::make_trace("ollama-json", "memory", 1,
                          Json::array({make_step(1, "<bos>" + base, nullptr, Json::array(), 101)}));
  Json b = testing::make_trace("ollama-native", "memory", 1,
                               Json::array({make_step(1, base, nullptr, Json::array(), 100)}));
  Json c = compare_pair(a, b);
  EXPECT_EQ(first(c)["layer"], "prompt");
  EXPECT_EQ(c["token_crosscheck"]["steps"][0]["kind"], "bos");
  EXPECT_NE(c["token_crosscheck"]["steps"][0]["explanation"].get<std::string>().find(
                "+1 token on ollama-json: one extra BOS"),
            std::string::npos);
}

TEST(TokenCrossCheck, MissingCountIsUnknownNotEqual) {
  Json a = memory_trace("ollama-json");
  Json b = memory_trace("ollama-native");
  a["turns"][0]["prompt_eval_count"] = nullptr;
  Json c = compare_pair(a, b);
  EXPECT_EQ(c["token_crosscheck"]["steps"][0]["status"], "unknown");
  EXPECT_FALSE(c["diverges"].get<bool>());
}

TEST(CompareTraces, MalformedTraceIsAnErrorNamingTheField) {
  Json bad = memory_trace("control");
  bad["turns"][1]["step"] = 5;
  auto r = compare_traces(memory_trace("ollama-json"), bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("second trace: turns[1]: \"step\" is 5, expected 2"),
            std::string::npos)
      << r.error().message;
  Json no_turns = memory_trace("control");
  no_turns.erase("turns");
  EXPECT_FALSE(compare_traces(no_turns, memory_trace("control")).ok());
  EXPECT_FALSE(compare_traces(Json::array(), memory_trace("control")).ok());
}

}  // namespace
}  // namespace bakeoff::analysis
