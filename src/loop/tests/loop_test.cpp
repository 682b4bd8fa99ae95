#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "common/sha256.h"
#include "loop/loop.h"

namespace bakeoff::loop {
namespace {

// A scripted arm: returns the queued steps in order and records what it was sent.
class FakeArm : public arms::Arm {
 public:
  std::deque<arms::ArmStep> script;
  std::vector<Json> seen_messages;
  std::optional<Error> prepare_error;
  bool throw_on_step = false;

  std::string_view name() const override { return "fake"; }
  Result<Json> prepare() override {
    if (prepare_error) return *prepare_error;
    return Json{{"server_version", "0.0.1"},
                {"model_digest", "sha256:feed"},
                {"template_sha256", "tmpl"},
                {"template_origin", "test"},
                {"size_class", "large"}};
  }
  arms::ArmStep step(const Json& messages, const Json& tools) override {
    seen_messages.push_back(messages);
    if (throw_on_step) throw std::runtime_error("socket exploded");
    if (script.empty()) return answer("out of script");
    arms::ArmStep s = script.front();
    script.pop_front();
    return s;
  }
  StoredTurn stored_turn(const arms::ArmStep& s) const override {
    Json m = {{"role", "assistant"}, {"content", s.content}};
    if (!s.tool_calls.empty()) {
      Json calls = Json::array();
      for (const auto& c : s.tool_calls) {
        calls.push_back({{"id", c.id},
                         {"type", "function"},
                         {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
      }
      m["tool_calls"] = calls;
    }
    return {m, {"kept as is"}};
  }
  std::vector<std::string> warnings() const override { return {"fake warning"}; }

  static arms::ArmStep answer(std::string text, int64_t eval = 40) {
    arms::ArmStep s;
    s.content = std::move(text);
    s.eval_count = eval;
    s.prompt_eval_count = 100;
    s.done_reason = "stop";
    s.rendered_prompt = "<prompt>";
    s.prompt_capture = "ok";
    s.completion_raw = s.content;
    s.request_body = "{\"req\":1}";
    s.response_body = "{\"resp\":1}";
    return s;
  }
  static arms::ArmStep call(std::string name, Json args, std::string id = "") {
    arms::ArmStep s = answer("", 12);
    formats::ToolCall c;
    c.id = std::move(id);
    c.name = std::move(name);
    c.arguments = std::move(args);
    s.tool_calls.push_back(c);
    return s;
  }
  static arms::ArmStep halted(std::string halt, std::string detail) {
    arms::ArmStep s;
    s.halt = std::move(halt);
    s.halt_detail = std::move(detail);
    s.request_body = "{\"req\":\"halted\"}";
    return s;
  }
};

class FakeEnv : public TaskEnvironment {
 public:
  std::vector<std::string> called;
  std::string seen_answer;
  Json initial_messages() override {
    return Json::array(
        {{{"role", "system"}, {"content", "sys"}}, {{"role", "user"}, {"content", "find ü"}}});
  }
  tasks::ToolOutcome call(std::string_view name, const Json& args) override {
    called.emplace_back(name);
    tasks::ToolOutcome o;
    o.args_norm = args;
    o.result = {{"results", Json::array({"mv-0101"})}};
    o.result_text = o.result.dump();
    o.result_sha256 = sha256_hex(o.result_text);
    return o;
  }
  std::vector<tasks::CheckResult> check(const std::string& answer,
                                        const std::vector<tasks::CallRecord>& calls) override {
    seen_answer = answer;
    bool quoted = answer.find("mv-0101") != std::string::npos;
    return {{"quotes_canary", quoted, quoted ? "found mv-0101" : "no mv-0101"},
            {"called_tools", !calls.empty(), std::to_string(calls.size()) + " calls"}};
  }
};

struct Harness {
  FakeArm arm;
  FakeEnv env;
  tasks::Task task;
  LoopConfig config;
  std::map<std::string, std::string> blobs;
  BlobSink sink = [this](std::string_view b) {
    std::string sha = sha256_hex(b);
    blobs[sha] = std::string(b);
    return sha;
  };
  Harness() {
    task.id = "movies";
    task.user_prompt = "find ü";
    task.task_sha256 = "tsha";
    task.fixtures_sha256 = "fsha";
    config.unit_id = "fake.movies.0123abcd.r1";
    config.settings_id = "0123abcd";
    config.think = "false";
    config.options = {{"num_ctx", 8192}};
  }
  Json run() { return run_unit(arm, task, config, sink, env); }
};

TEST(Loop, AnswerAfterToolCallHaltsNoToolCallsWithSeedFields) {
  Harness h;
  h.arm.script = {FakeArm::call("movie_search", {{"query", "x"}}, "call_1"),
                  FakeArm::answer("It is mv-0101.")};
  Json t = h.run();
  for (const char* key : {"arm", "model", "task", "task_prompt", "num_ctx", "num_predict",
                          "started_at", "turns", "final", "unit_id", "repeat", "settings_id",
                          "settings", "fingerprint", "warnings", "format"}) {
    EXPECT_TRUE(t.contains(key)) << key;
  }
  // Seed fields first, in the seed's order.
  auto it = t.begin();
  EXPECT_EQ(std::next(it, 1).key(), "unit_id");
  EXPECT_EQ(std::next(it, 2).key(), "arm");
  EXPECT_EQ(t["task_prompt"], "find ü");
  EXPECT_EQ(t["fingerprint"]["model_digest"], "sha256:feed");
  EXPECT_EQ(t["fingerprint"]["task_sha256"], "tsha");
  EXPECT_EQ(t["warnings"][0], "fake warning");
  ASSERT_EQ(t["turns"].size(), 2u);
  const Json& s1 = t["turns"][0];
  for (const char* key : {"step",
                          "elapsed_s",
                          "prompt_eval_count",
                          "eval_count",
                          "content_len",
                          "tool_call_count",
                          "history_chars_before_append",
                          "thinking_len",
                          "done_reason",
                          "think_setting",
                          "options",
                          "prompt_capture",
                          "rendered_prompt_sha256",
                          "completion_raw",
                          "completion_raw_sha256",
                          "content",
                          "thinking",
                          "tool_calls",
                          "parse_errors",
                          "markers_stripped",
                          "stored_assistant",
                          "hygiene",
                          "request_blob",
                          "response_blob",
                          "durations_ns",
                          "halt"}) {
    EXPECT_TRUE(s1.contains(key)) << key;
  }
  EXPECT_EQ(s1["step"], 1);
  EXPECT_EQ(s1["tool_call_count"], 1);
  EXPECT_EQ(s1["history_chars_before_append"], 3 + 6);  // "sys" + "find ü" in code points
  EXPECT_EQ(s1["think_setting"], "false");
  const Json& call = s1["tool_calls"][0];
  EXPECT_EQ(call["id"], "call_1");
  EXPECT_EQ(call["name"], "movie_search");
  EXPECT_EQ(call["args_raw"], Json({{"query", "x"}}));
  EXPECT_EQ(h.blobs.at(call["result_blob"].get<std::string>()), R"({"results":["mv-0101"]})");
  EXPECT_EQ(call["result_sha256"], sha256_hex(R"({"results":["mv-0101"]})"));
  EXPECT_EQ(h.blobs.at(s1["rendered_prompt_sha256"].get<std::string>()), "<prompt>");
  EXPECT_EQ(h.blobs.at(s1["request_blob"].get<std::string>()), "{\"req\":1}");

  // The second request carries the stored assistant turn and the tool message.
  ASSERT_EQ(h.arm.seen_messages.size(), 2u);
  const Json& sent = h.arm.seen_messages[1];
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[2]["role"], "assistant");
  EXPECT_EQ(sent[2]["tool_calls"][0]["function"]["name"], "movie_search");
  EXPECT_EQ(sent[3], Json({{"role", "tool"},
                           {"tool_call_id", "call_1"},
                           {"name", "movie_search"},
                           {"content", R"({"results":["mv-0101"]})"}}));
  EXPECT_EQ(t["turns"][1]["history_chars_before_append"],
            9 + std::string(R"({"results":["mv-0101"]})").size());

  const Json& f = t["final"];
  EXPECT_EQ(f["halt_reason"], "no_tool_calls");
  EXPECT_EQ(f["steps_used"], 2);
  EXPECT_EQ(f["tool_calls_total"], 1);
  EXPECT_EQ(f["final_message_count"], 5);
  EXPECT_EQ(f["final_answer"], "It is mv-0101.");
  EXPECT_EQ(h.env.seen_answer, "It is mv-0101.");
  EXPECT_EQ(f["acceptance"].size(), 2u);
  EXPECT_TRUE(f["accepted"].get<bool>());
  EXPECT_TRUE(f.contains("wall_clock_s"));
  EXPECT_TRUE(f.contains("final_history_chars"));
  EXPECT_TRUE(t["turns"][1]["halt"].is_null());
}

TEST(Loop, IdLessCallsGetDeterministicIdsOnEveryPath) {
  Harness h;
  h.arm.script = {FakeArm::call("get_time", Json::object()), FakeArm::answer("done")};
  Json trace = h.run();
  const Json& tool = h.arm.seen_messages[1][3];
  EXPECT_EQ(tool["tool_call_id"], "call_1_0");
  EXPECT_EQ(tool["name"], "get_time");
  const Json& step1 = trace["turns"][0];
  EXPECT_EQ(step1["tool_calls"][0]["id"], "call_1_0");
  bool said = false;
  for (const auto& line : step1["hygiene"])
    said |= line.get<std::string>().find("call_1_0") != std::string::npos;
  EXPECT_TRUE(said) << step1["hygiene"].dump();
}

TEST(Loop, TaskCanOmitCallIdsFromHistory) {
  Harness h;
  h.task.settings["tool_call_ids"] = "omit";
  h.arm.script = {FakeArm::call("get_time", Json::object()), FakeArm::answer("done")};
  h.run();
  const Json& tool = h.arm.seen_messages[1][3];
  EXPECT_FALSE(tool.contains("tool_call_id"));
  EXPECT_EQ(tool["name"], "get_time");
}

TEST(Loop, StepBudget) {
  Harness h;
  h.config.step_budget = 3;
  for (int i = 0; i < 5; ++i) h.arm.script.push_back(FakeArm::call("f", {{"i", i}}));
  Json t = h.run();
  EXPECT_EQ(t["final"]["halt_reason"], "step_budget");
  EXPECT_EQ(t["final"]["steps_used"], 3);
  EXPECT_EQ(t["final"]["tool_calls_total"], 3);
  EXPECT_EQ(h.env.called.size(), 3u);
  EXPECT_FALSE(t["final"]["accepted"].get<bool>());
}

TEST(Loop, SilentStopIsTinyEvalWithNoContentAndNoCall) {
  Harness h;
  h.arm.script = {FakeArm::call("f", {}), FakeArm::answer("", 1)};
  Json t = h.run();
  EXPECT_EQ(t["final"]["halt_reason"], "silent_stop");
  EXPECT_EQ(t["turns"][1]["halt"], "silent_stop");
  EXPECT_NE(t["final"]["halt_detail"].get<std::string>().find("1 generated tokens"),
            std::string::npos);
}

TEST(Loop, EmptyAnswerAfterManyTokensIsNotSilentStop) {
  Harness h;
  h.arm.script = {FakeArm::answer("  ", 200)};
  EXPECT_EQ(h.run()["final"]["halt_reason"], "no_tool_calls");
}

TEST(Loop, ParseErrorWhenCallSyntaxDidNotParse) {
  Harness h;
  arms::ArmStep s = FakeArm::answer("<|tool_call>call:f{broken");
  s.parse_errors.push_back({13, "unterminated arguments"});
  h.arm.script = {s};
  Json t = h.run();
  EXPECT_EQ(t["final"]["halt_reason"], "parse_error");
  EXPECT_EQ(t["turns"][0]["parse_errors"][0]["offset"], 13);
  EXPECT_NE(t["final"]["halt_detail"].get<std::string>().find("byte 13"), std::string::npos);
}

TEST(Loop, ParseIssueWithUsableCallGoesOn) {
  Harness h;
  arms::ArmStep s = FakeArm::call("f", {});
  s.parse_errors.push_back({40, "trailing junk"});
  h.arm.script = {s, FakeArm::answer("fine")};
  Json t = h.run();
  EXPECT_EQ(t["final"]["halt_reason"], "no_tool_calls");
  EXPECT_EQ(t["final"]["steps_used"], 2);
}

class ArmHalts : public ::testing::TestWithParam<std::string> {};

TEST_P(ArmHalts, ArmHaltIsTheUnitHaltAndTheStepIsKept) {
  Harness h;
  h.arm.script = {FakeArm::call("f", {}), FakeArm::halted(GetParam(), "what the server said")};
  Json t = h.run();
  EXPECT_EQ(t["final"]["halt_reason"], GetParam());
  EXPECT_EQ(t["final"]["halt_detail"], "what the server said");
  ASSERT_EQ(t["turns"].size(), 2u);
  EXPECT_EQ(t["turns"][1]["halt"], GetParam());
  EXPECT_EQ(h.blobs.at(t["turns"][1]["request_blob"].get<std::string>()), "{\"req\":\"halted\"}");
  EXPECT_EQ(t["final"]["final_message_count"], 4);  // nothing appended for the halted turn
}

INSTANTIATE_TEST_SUITE_P(Taxonomy, ArmHalts,
                         ::testing::Values("context_overflow", "template_error", "env_missing",
                                           "error:http_5xx", "error:model_not_found",
                                           "sampler_error:nan_logits"));

TEST(Loop, PrepareFailureHaltsBeforeAnyStep) {
  Harness h;
  h.arm.prepare_error = Error{"env_missing", "no canonical template found"};
  Json t = h.run();
  EXPECT_EQ(t["final"]["halt_reason"], "env_missing");
  EXPECT_EQ(t["final"]["steps_used"], 0);
  EXPECT_TRUE(t["turns"].empty());
  EXPECT_TRUE(h.arm.seen_messages.empty());

  Harness h2;
  h2.arm.prepare_error = Error{"connection_refused", "http://127.0.0.1:1 refused"};
  EXPECT_EQ(h2.run()["final"]["halt_reason"], "error:connection_refused");
}

TEST(Loop, ArmExceptionBecomesErrorHalt) {
  Harness h;
  h.arm.throw_on_step = true;
  Json t = h.run();
  EXPECT_EQ(t["final"]["halt_reason"], "error:exception");
  EXPECT_NE(t["final"]["halt_detail"].get<std::string>().find("socket exploded"),
            std::string::npos);
  EXPECT_EQ(t["turns"].size(), 1u);
}

TEST(Loop, HaltFromErrorKind) {
  EXPECT_EQ(halt_from_error_kind("env_missing"), "env_missing");
  EXPECT_EQ(halt_from_error_kind("error:timeout"), "error:timeout");
  EXPECT_EQ(halt_from_error_kind("sampler_error:x"), "sampler_error:x");
  EXPECT_EQ(halt_from_error_kind("timeout"), "error:timeout");
  EXPECT_EQ(halt_from_error_kind(""), "error:unknown");
}

TEST(Loop, HistoryCharsCountsCodePointsOfStringContent) {
  Json m = Json::array({{{"role", "user"}, {"content", "héllo"}},
                        {{"role", "assistant"}, {"content", nullptr}},
                        {{"role", "tool"}, {"content", "ab"}}});
  EXPECT_EQ(history_chars(m), 7u);
}

}  // namespace
}  // namespace bakeoff::loop
