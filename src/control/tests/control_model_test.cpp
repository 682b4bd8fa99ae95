#include <gtest/gtest.h>

#include <set>

#include "control/chat_parser.h"
#include "control/chat_renderer.h"
#include "control/control_model.h"
#include "control/prompt_reader.h"
#include "control/tokenizer.h"
#include "tasks/task.h"
#include "test_support.h"

namespace bakeoff::control {
namespace {

const std::vector<std::string> kStops = {"<turn|>", "<|tool_response>"};

std::string prompt_for(const Json& messages, const Json& tools, bool think = false,
                       bool large = false) {
  ChatRenderOptions ro;
  ro.large = large;
  ro.think = think;
  return *render_chat_prompt(messages, tools, ro);
}

Json task_messages(const std::string& id, Json* tools = nullptr) {
  auto task = tasks::load_task(id);
  EXPECT_TRUE(task.ok());
  if (tools != nullptr) *tools = task->tools;
  return tasks::initial_messages(*task);
}

TEST(ControlModel, PlaysMoviesToTheReferenceAnswer) {
  auto conv = testing::task_conversations({});
  std::vector<const testing::ConversationCase*> movies;
  for (const auto& c : conv)
    if (c.task == "movies" && !c.think) movies.push_back(&c);
  ASSERT_EQ(movies.size(), 3u);  // 3 steps: search, check, answer
  const Json& final_messages = movies.back()->messages;
  const Json& check = final_messages[final_messages.size() - 2];
  EXPECT_EQ(check["tool_calls"][0]["function"]["name"], "check_library");
  EXPECT_EQ(check["tool_calls"][0]["function"]["arguments"]["movie_id"], "mv-0101");
  SamplingOptions so;
  so.stop = kStops;
  Completion answer = complete(prompt_for(final_messages, movies.back()->tools), so);
  EXPECT_NE(answer.text.find("1080p"), std::string::npos) << answer.text;
  EXPECT_NE(answer.text.find("/tank/media/movies/Arrival (2016) [mv-0101]/Arrival.mkv"),
            std::string::npos)
      << answer.text;
}

TEST(ControlModel, IsDeterministicAtTemperatureZero) {
  Json tools;
  std::string p = prompt_for(task_messages("research", &tools), tools);
  SamplingOptions so;
  EXPECT_EQ(complete(p, so).text, complete(p, so).text);
}

TEST(ControlModel, OneByteOfPromptUsuallyChangesTheOutput) {
  Json tools;
  Json messages = task_messages("movies", &tools);
  SamplingOptions so;
  so.stop = kStops;
  std::set<std::string> outputs;
  int changed = 0;
  std::string base = complete(prompt_for(messages, tools), so).text;
  for (int i = 0; i < 24; ++i) {
    Json m = messages;
    // A one-byte change in the system prompt, far from the user turn.
    std::string sys = m[0]["content"].get<std::string>();
    sys[10] = static_cast<char>('a' + i);
    m[0]["content"] = sys;
    std::string out = complete(prompt_for(m, tools), so).text;
    outputs.insert(out);
    if (out != base) ++changed;
    EXPECT_NE(out.find("call:movie_search{"), std::string::npos) << out;
  }
  EXPECT_GE(outputs.size(), 2u);  // with and without the optional year
  EXPECT_GE(changed, 4);
}

TEST(ControlModel, SeedMakesSamplingReproducible) {
  Json tools;
  std::string p = prompt_for(task_messages("movies", &tools), tools);
  SamplingOptions so;
  so.temperature = 0.7;
  std::set<std::string> outs;
  for (int64_t seed = 1; seed <= 16; ++seed) {
    so.seed = seed;
    std::string a = complete(p, so).text;
    EXPECT_EQ(a, complete(p, so).text);
    outs.insert(a);
  }
  EXPECT_GE(outs.size(), 2u);
}

TEST(ControlModel, StopsAtToolResponseAndCountsTokens) {
  Json tools;
  std::string p = prompt_for(task_messages("memory", &tools), tools);
  SamplingOptions so;
  Completion c = complete(p, so);
  EXPECT_EQ(c.text,
            "<|tool_call>call:memory_recall{query:<|\"|>home automation<|\"|>}<tool_call|>");
  EXPECT_EQ(c.done_reason, "stop");
  EXPECT_EQ(c.completion_tokens, count_tokens(c.text) + 1);  // + the stop token
  EXPECT_EQ(c.prompt_tokens, count_tokens(p));               // the prompt starts with one <bos>
  RuntimeFaults runaway;
  runaway.no_tool_response_stop = true;
  so.stop = kStops;
  Completion r = complete(p, so, runaway);
  EXPECT_NE(r.text.find("<|tool_response>response:memory_recall{"), std::string::npos) << r.text;
}

TEST(ControlModel, NumPredictTruncatesWithLength) {
  Json tools;
  std::string p = prompt_for(task_messages("memory", &tools), tools);
  SamplingOptions so;
  so.num_predict = 3;
  Completion c = complete(p, so);
  EXPECT_EQ(c.done_reason, "length");
  EXPECT_EQ(c.completion_tokens, 3);
  EXPECT_EQ(c.text, "<|tool_call>call:");  // <|tool_call>, "call", ":"
}

TEST(ControlModel, ThinkingChannelWhenThinkIsOn) {
  Json tools;
  std::string p = prompt_for(task_messages("memory", &tools), tools, /*think=*/true);
  Completion c = complete(p, SamplingOptions{});
  EXPECT_EQ(c.text.rfind("<|channel>thought\n", 0), 0u) << c.text;
  ChatParse parsed = parse_chat_completion(c.text, false);
  EXPECT_FALSE(parsed.thinking.empty());
  ASSERT_EQ(parsed.calls.size(), 1u);
}

TEST(ControlModel, AnswersFillPlaceholdersFromTheToolResultsInThePrompt) {
  Json tools;
  Json m = task_messages("memory", &tools);
  m.push_back(Json{{"role", "assistant"},
                   {"content", ""},
                   {"tool_calls",
                    Json::array({Json{
                        {"id", "c1"},
                        {"type", "function"},
                        {"function", Json{{"name", "memory_recall"},
                                          {"arguments", Json{{"query", "home automation"}}}}}}})}});
  m.push_back(Json{
      {"role", "tool"},
      {"tool_call_id", "c1"},
      {"name", "memory_recall"},
      {"content",
       R"({"results":[{"id":"mem-0001","text":"CANARY-ONE"},{"id":"mem-0002","text":"CANARY-TWO"},{"id":"mem-0003","text":"CANARY-THREE"}]})"}});
  Completion c = complete(prompt_for(m, tools), SamplingOptions{});
  EXPECT_NE(c.text.find("CANARY-ONE"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("CANARY-THREE"), std::string::npos) << c.text;
  // A corrupted result shows in the answer.
  m.back()["content"] = R"({"results":[]})";
  Completion broken = complete(prompt_for(m, tools), SamplingOptions{});
  EXPECT_NE(broken.text.find("<unknown>"), std::string::npos) << broken.text;
}

TEST(ControlModel, UnknownConversationGetsAPoliteAnswer) {
  Json m = Json::array({Json{{"role", "user"}, {"content", "What is the capital of France?"}}});
  Completion c = complete(prompt_for(m, Json::array()), SamplingOptions{});
  EXPECT_NE(c.text.find("control model"), std::string::npos);
  EXPECT_EQ(complete("", SamplingOptions{}).done_reason, "stop");
  EXPECT_NO_THROW(complete("<|turn>model\n<|tool_call>call:{{{<|\"|>", SamplingOptions{}));
}

// Every emission quirk, through a scripted task.
class Quirks : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = task_scripts(); }
  void TearDown() override { set_task_scripts(saved_); }
  std::string emit(const std::string& quirk, bool think = false) {
    Json traj = Json::array(
        {Json{{"quirk", quirk},
              {"thinking", "Plan it."},
              {"calls",
               Json::array({Json{{"name", "f"}, {"arguments", Json{{"a key", "v"}, {"n", 1}}}}})}},
         Json{{"answer", "done"}}});
    set_task_scripts({TaskScript{"q", "quirk please", traj}});
    Json m = Json::array({Json{{"role", "user"}, {"content", "quirk please"}}});
    SamplingOptions so;
    RuntimeFaults run_on;
    run_on.no_tool_response_stop = true;  // show what follows the call
    return complete(prompt_for(m, Json::array(), think), so, run_on).text;
  }
  std::vector<TaskScript> saved_;
};

TEST_F(Quirks, EachQuirkEmitsItsShape) {
  const std::string q = "<|\"|>";
  EXPECT_EQ(emit("missing_final_brace")
                .rfind("<|tool_call>call:f{a key:" + q + "v" + q + ",n:1<tool_call|>", 0),
            0u);
  EXPECT_EQ(
      emit("extra_tool_call_close")
          .rfind("<|tool_call>call:f{a key:" + q + "v" + q + ",n:1}<tool_call|><tool_call|>", 0),
      0u);
  EXPECT_EQ(emit("eos_after_call"),
            "<|tool_call>call:f{a key:" + q + "v" + q + ",n:1}<tool_call|>");
  EXPECT_EQ(emit("single_quoted_values").rfind("<|tool_call>call:f{a key:'v',n:1}<tool_call|>", 0),
            0u);
  EXPECT_EQ(emit("key_equals_value")
                .rfind("<|tool_call>call:f{a key=" + q + "v" + q + ",n=1}<tool_call|>", 0),
            0u);
  EXPECT_EQ(emit("spaced_keys").rfind("<|tool_call>call:f{a key:", 0), 0u);
  EXPECT_EQ(emit("empty_thought_before_call")
                .rfind("<|channel>thought\n<channel|><|tool_call>call:f{", 0),
            0u);
  EXPECT_NE(emit("content_after_call").find("<tool_call|>Checking that now.<|tool_response>"),
            std::string::npos);
  EXPECT_EQ(
      emit("call_inside_thinking", true).rfind("<|channel>thought\nPlan it.<|tool_call>call:f{", 0),
      0u);
}

TEST(Tokenizer, SpecialTokensAreSingleAndTextFollowsTheDocumentedRule) {
  EXPECT_EQ(count_tokens("<bos><|turn>user\n"), 4);  // <bos>, <|turn>, "user", "\n"
  EXPECT_EQ(count_tokens("<|\"|>"), 1);
  EXPECT_EQ(count_tokens("abcdefghi"), 3);  // 4 + 4 + 1
  EXPECT_EQ(count_tokens("1234567"), 3);    // 3 + 3 + 1
  EXPECT_EQ(count_tokens("a  b"), 3);
  EXPECT_EQ(count_tokens("é😀"), 2);
  EXPECT_EQ(count_tokens("{x}"), 3);
  EXPECT_EQ(count_tokens(""), 0);
  std::string text = "<|tool_call>call:f{x:<|\"|>é<|\"|>}<tool_call|>";
  std::string joined;
  for (auto piece : tokenize(text)) joined += piece;
  EXPECT_EQ(joined, text);
  EXPECT_EQ(strip_special_tokens(text), "call:f{x:é}");
}

TEST(PromptReader, FindsThinkingUserCallsAndResults) {
  std::string p =
      "<bos><|turn>system\n<|think|>\nSys<|tool>declaration:f{description:<|\"|><|\"|>}<tool|><"
      "turn|>\n"
      "<|turn>user\nold<turn|>\n<|turn>model\n<|tool_call>call:f{a:1}<tool_call|><|tool_response>"
      "response:f{value:<|\"|>{\"r\":1}<|\"|>}<tool_response|>ok<turn|>\n<|turn>user\nnew<turn|>\n"
      "<|turn>model\n<|tool_call>call:f{a:2}<tool_call|><|tool_call>call:g{}<tool_call|>"
      "<|tool_response>response:f{value:<|\"|>{\"r\":2}<|\"|>}<tool_response|>"
      "<|tool_response>response:g{value:<|\"|>plain<|\"|>}<tool_response|><|channel>thought\n";
  PromptView v = read_prompt(p);
  EXPECT_TRUE(v.thinking_on);
  EXPECT_EQ(v.declared_tools, std::vector<std::string>{"f"});
  EXPECT_EQ(v.last_user, "new");
  ASSERT_EQ(v.call_groups.size(), 1u);
  EXPECT_EQ(v.call_groups[0].size(), 2u);
  EXPECT_EQ(v.call_groups[0][0].arguments["a"], 2);
  EXPECT_EQ(v.latest_results["f"]["r"], 2);
  EXPECT_EQ(v.latest_results["g"], "plain");
  EXPECT_EQ(v.tail, PromptTail::kInsideThought);
}

}  // namespace
}  // namespace bakeoff::control

namespace bakeoff::control {
namespace {

TEST(NumericDrift, TakesTheSecondBestActionAtItsRate) {
  auto task = tasks::load_task("movies");
  ASSERT_TRUE(task.ok());
  Json base = tasks::initial_messages(*task);
  ChatRenderOptions ro;
  SamplingOptions so;
  so.stop = {"<turn|>", "<|tool_response>"};
  RuntimeFaults always, sometimes;
  always.numeric_drift = 1;
  sometimes.numeric_drift = 0.3;
  int fired = 0;
  const int n = 200;
  for (int i = 0; i < n; ++i) {
    Json m = base;
    m[0]["content"] = m[0]["content"].get<std::string>() + " (session " + std::to_string(i) + ")";
    std::string p = *render_chat_prompt(m, task->tools, ro);
    std::string faithful = complete(p, so).text;
    std::string drifted = complete(p, so, always).text;
    EXPECT_NE(faithful, drifted);  // the optional year flips
    EXPECT_EQ(drifted, complete(p, so, always).text);
    if (complete(p, so, sometimes).text != faithful) ++fired;
  }
  EXPECT_GT(fired, n * 0.2);
  EXPECT_LT(fired, n * 0.4);
}

}  // namespace
}  // namespace bakeoff::control
