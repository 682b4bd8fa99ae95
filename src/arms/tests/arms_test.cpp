// Arm A (ollama-json) end to end against a loopback Ollama, and the shared arm pieces.
#include <gtest/gtest.h>

#include "arms/arm.h"
#include "arms/arm_support.h"
#include "chat/chat_template.h"
#include "common/files.h"
#include "fake_ollama.h"

namespace bakeoff::arms {
namespace {

using testing::FakeOllama;
using testing::movie_tools;

Json history() {
  return Json::parse(R"([
    {"role":"system","content":"You are helpful."},
    {"role":"user","content":"Find a 2016 movie."},
    {"role":"assistant","content":"","tool_calls":[{"id":"call_1","type":"function",
      "function":{"name":"movie_search","arguments":{"query":"x","year":2016}}}]},
    {"role":"tool","tool_call_id":"call_1","name":"movie_search","content":"[{\"title\":\"Arrival\"}]"}
  ])");
}

TEST(ArmSupportTest, OllamaMessagesCarryToolNameIdsAndThinking) {
  Json h = history();
  h[2]["reasoning_content"] = "I should search";
  h[2]["tool_calls"][0]["function"]["arguments"] = R"({"query":"x"})";  // OpenAI string form
  Json o = to_ollama_messages(h);
  ASSERT_EQ(o.size(), 4u);
  EXPECT_EQ(o[2]["thinking"], "I should search");
  EXPECT_EQ(o[2]["tool_calls"][0]["id"], "call_1");
  EXPECT_EQ(o[2]["tool_calls"][0]["function"]["arguments"], Json::parse(R"({"query":"x"})"));
  EXPECT_EQ(o[3]["tool_name"], "movie_search");
  EXPECT_EQ(o[3]["tool_call_id"], "call_1");
  EXPECT_FALSE(o[3].contains("name"));
}

TEST(ArmSupportTest, ToolCallsFromOllamaKeepIds) {
  auto calls = from_ollama_tool_calls(Json::parse(
      R"([{"id":"call_ab","function":{"index":0,"name":"f","arguments":{"n":2016}}},
          {"function":{"index":1,"name":"g","arguments":"{\"s\":\"2016\"}"}}])"));
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].id, "call_ab");
  EXPECT_EQ(calls[0].arguments["n"], 2016);
  EXPECT_EQ(calls[1].id, "");
  EXPECT_EQ(calls[1].arguments["s"], "2016");
}

TEST(ArmSupportTest, StoredTurnDropsThinkingAndChannelPrefixUnlessTheFaultKeepsIt) {
  ArmStep s;
  s.content = "Arrival.";
  s.thinking = "hmm";
  formats::ToolCall c;
  c.id = "call_1";
  c.name = "f";
  c.arguments = {{"a", 1}};
  s.tool_calls.push_back(c);
  auto t = make_stored_turn(s, "<|channel>thought\nhmm<channel|>", false);
  EXPECT_EQ(t.message["content"], "Arrival.");
  EXPECT_FALSE(t.message.contains("thinking"));
  EXPECT_FALSE(t.message.contains("reasoning_content"));
  EXPECT_EQ(
      t.message["tool_calls"][0],
      Json::parse(
          R"({"id":"call_1","type":"function","function":{"name":"f","arguments":{"a":1}}})"));
  ASSERT_EQ(t.hygiene.size(), 2u);
  EXPECT_EQ(t.hygiene[0], "dropped thinking-channel prefix (31 bytes)");
  EXPECT_EQ(t.hygiene[1], "dropped thinking (3 bytes)");
  auto kept = make_stored_turn(s, "<|channel>thought\nhmm<channel|>", true);
  EXPECT_EQ(kept.message["content"], "<|channel>thought\nhmm<channel|>Arrival.");
  EXPECT_NE(kept.hygiene[0].find("client-keep-channel-prefix"), std::string::npos);
  EXPECT_EQ(leading_channel_block("\n<|channel>thought\nx<channel|>rest"),
            "<|channel>thought\nx<channel|>");
  EXPECT_EQ(leading_channel_block("rest"), "");
}

TEST(ArmSupportTest, MarkersStrippedDetection) {
  auto issue = detect_markers_stripped("call:movie_search{query:x}");
  ASSERT_TRUE(issue.has_value());
  EXPECT_EQ(issue->offset, 0u);
  EXPECT_NE(issue->message.find("§3.3"), std::string::npos);
  EXPECT_TRUE(detect_markers_stripped("thought\nI think<>").has_value());
  EXPECT_FALSE(detect_markers_stripped("<|tool_call>call:f{a:1}<tool_call|>").has_value());
  EXPECT_FALSE(detect_markers_stripped("I will recall:this").has_value());
  EXPECT_TRUE(is_context_overflow_message(
      "the prompt is longer than the context length currently available to the model"));
  EXPECT_FALSE(is_context_overflow_message("model runner has unexpectedly stopped"));
}

TEST(ArmSupportTest, SettingsProfilesAndRegistry) {
  RunSettings s;
  EXPECT_EQ(
      s.options_json(),
      Json::parse(R"({"num_ctx":8192,"num_predict":2048,"temperature":0.0,"top_k":1,"seed":42})"));
  s.profile = "production";
  s.seed = 7;
  EXPECT_EQ(s.options_json(), Json::parse(R"({"num_ctx":8192,"num_predict":2048,"temperature":0.7,
    "top_k":64,"top_p":0.95,"seed":7})"));
  s.temperature = 1.0;
  EXPECT_EQ(s.options_json()["temperature"], 1.0);
  EXPECT_EQ(s.to_json()["fault"], nullptr);
  s.client_fault = "client-keep-channel-prefix";
  EXPECT_EQ(s.to_json()["fault"], Json::array({"client-keep-channel-prefix"}));
  EXPECT_EQ(ollama_think("unset"), nullptr);
  EXPECT_EQ(ollama_think("false"), false);
  EXPECT_EQ(ollama_think("high"), "high");
  EXPECT_EQ(arm_names(),
            (std::vector<std::string>{"ollama-json", "ollama-native", "control", "reference-hf"}));
  auto bad = make_arm("openai-json", RunSettings{});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, "unknown_arm");
  RunSettings t;
  t.think = "maybe";
  EXPECT_FALSE(make_arm("ollama-json", t).ok());
}

// Streams a tool call in a middle chunk; answers _debug_render_only with a rendered prompt.
void install_chat(FakeOllama& fake, bool supports_debug) {
  fake.server().Post("/api/chat", [&fake, supports_debug](const httplib::Request& req,
                                                          httplib::Response& res) {
    fake.record("/api/chat", req.body);
    Json body = Json::parse(req.body);
    if (body.value("_debug_render_only", false) && supports_debug) {
      res.set_content(
          R"({"model":"gemma4:31b","created_at":"x","message":{"role":"","content":""},)"
          R"("done":false,"_debug_info":{"rendered_template":"<bos>RENDERED","image_count":0}})",
          "application/json");
      return;
    }
    std::string chunks =
        R"({"message":{"role":"assistant","content":"","thinking":"plan"},"done":false})"
        "\n"
        R"({"message":{"role":"assistant","content":"","tool_calls":[{"id":"call_9","function":{"index":0,"name":"movie_search","arguments":{"query":"y","year":2017}}}]},"done":false})"
        "\n"
        R"({"message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":321,"eval_count":12,"total_duration":100})"
        "\n";
    res.set_content(chunks, "application/x-ndjson");
  });
}

TEST(OllamaJsonArmTest, EndToEndSendsOllamaShapesAndCapturesThePrompt) {
  FakeOllama fake;
  install_chat(fake, true);
  RunSettings s;
  s.model = "gemma4:31b";
  s.host = fake.url();
  s.think = "false";
  auto arm = make_arm("ollama-json", s);
  ASSERT_TRUE(arm.ok()) << arm.error().message;
  auto facts = (*arm)->prepare();
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  EXPECT_EQ((*facts)["server_version"], "0.33.0-fake");
  EXPECT_EQ((*facts)["model_digest"], "d1g35t");

  ArmStep step = (*arm)->step(history(), movie_tools());
  ASSERT_FALSE(step.halt) << step.halt_detail;
  auto chats = fake.requests_to("/api/chat");
  ASSERT_EQ(chats.size(), 2u);
  const Json& dbg = chats[0].second;
  const Json& real = chats[1].second;
  EXPECT_EQ(dbg["_debug_render_only"], true);
  EXPECT_FALSE(real.contains("_debug_render_only"));
  EXPECT_EQ(real["think"], false);  // explicit, never omitted
  EXPECT_EQ(real["stream"], true);
  EXPECT_EQ(real["options"]["num_ctx"], 8192);
  EXPECT_EQ(real["options"]["temperature"], 0.0);
  EXPECT_EQ(real["tools"], movie_tools());
  EXPECT_EQ(real["messages"][3]["tool_name"], "movie_search");
  EXPECT_EQ(real["messages"][3]["tool_call_id"], "call_1");
  EXPECT_EQ(real["messages"][2]["tool_calls"][0]["function"]["arguments"]["year"], 2016);
  // The capture replays the very same request.
  Json same = dbg;
  same.erase("_debug_render_only");
  same["stream"] = true;
  EXPECT_EQ(same, real);

  EXPECT_EQ(step.prompt_capture, "ok");
  EXPECT_EQ(step.rendered_prompt, "<bos>RENDERED");
  EXPECT_FALSE(step.completion_raw.has_value());
  ASSERT_EQ(step.tool_calls.size(), 1u);
  EXPECT_EQ(step.tool_calls[0].id, "call_9");
  EXPECT_EQ(step.tool_calls[0].arguments, Json::parse(R"({"query":"y","year":2017})"));
  EXPECT_EQ(step.thinking, "plan");
  EXPECT_EQ(step.prompt_eval_count, 321);
  EXPECT_EQ(step.eval_count, 12);
  EXPECT_EQ(step.done_reason, "stop");
  EXPECT_NE(step.request_body.find("_debug_render_only"), std::string::npos);
  EXPECT_NE(step.response_body.find("call_9"), std::string::npos);

  auto stored = (*arm)->stored_turn(step);
  EXPECT_EQ(stored.message["tool_calls"][0]["id"], "call_9");
  EXPECT_FALSE(stored.message.dump().find("plan") != std::string::npos);
}

TEST(OllamaJsonArmTest, OldServerAndDisabledCapture) {
  FakeOllama fake;
  install_chat(fake, false);
  RunSettings s;
  s.model = "gemma4:31b";
  s.host = fake.url();
  s.think = "unset";
  s.stream = false;
  auto arm = make_arm("ollama-json", s);
  ASSERT_TRUE(arm.ok());
  ArmStep step = (*arm)->step(history(), movie_tools());
  ASSERT_FALSE(step.halt) << step.halt_detail;
  EXPECT_EQ(step.prompt_capture.rfind("unsupported: ", 0), 0u) << step.prompt_capture;
  EXPECT_FALSE(step.rendered_prompt.has_value());
  auto chats = fake.requests_to("/api/chat");
  ASSERT_EQ(chats.size(), 2u);
  EXPECT_FALSE(chats[1].second.contains("think"));  // unset: omitted

  s.capture_prompt = false;
  auto quiet = make_arm("ollama-json", s);
  ArmStep q = (*quiet)->step(history(), movie_tools());
  EXPECT_EQ(q.prompt_capture, "disabled");
  EXPECT_EQ(fake.requests_to("/api/chat").size(), 3u);
}

TEST(OllamaJsonArmTest, ServerErrorsHaltWithTheirKind) {
  FakeOllama fake;
  fake.server().Post("/api/chat", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content(R"({"error":"model 'gemma4:31b' not found"})", "application/json");
  });
  RunSettings s;
  s.model = "gemma4:31b";
  s.host = fake.url();
  auto arm = make_arm("ollama-json", s);
  ArmStep step = (*arm)->step(history(), movie_tools());
  ASSERT_TRUE(step.halt.has_value());
  EXPECT_EQ(*step.halt, "error:model_not_found");
  EXPECT_NE(step.halt_detail.find("not found"), std::string::npos);

  std::string closed;
  {
    FakeOllama gone;
    closed = gone.url();
  }
  s.host = closed;
  auto down = make_arm("ollama-json", s);
  auto facts = (*down)->prepare();
  ASSERT_FALSE(facts.ok());
  EXPECT_EQ(facts.error().kind, "env_missing");
  EXPECT_NE(facts.error().message.find(closed), std::string::npos);
}

// The client-wrong-size-template control swaps only the generation prompt: on the canonical
// pair it must reproduce exactly what the other size's template renders.
TEST(ArmSupportTest, GenerationPromptClassSwapMatchesTheOtherCanonicalTemplate) {
  const std::string dir = std::string(BAKEOFF_SHARED_DIR) + "/templates/gemma4/";
  auto large = chat::ChatTemplate::compile(
      read_file(dir + "ollama-testdata-gemma4_31b_chat_template.2026-07-09.jinja2"));
  auto small = chat::ChatTemplate::compile(
      read_file(dir + "ollama-testdata-gemma4_e2b_chat_template.2026-07-09.jinja2"));
  ASSERT_TRUE(large && small);
  for (bool thinking : {false, true}) {
    chat::ChatRequest req;
    req.messages = Json::parse(R"([{"role":"system","content":"Be brief."},
        {"role":"user","content":"Is Arrival on the server?"},
        {"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function",
          "function":{"name":"movie_search","arguments":{"title":"Arrival"}}}]},
        {"role":"tool","tool_call_id":"c1","name":"movie_search","content":"{\"results\":[]}"}])");
    req.add_generation_prompt = true;
    req.bos_token = "<bos>";
    req.extra["enable_thinking"] = thinking;
    auto l = large->render(req);
    auto s = small->render(req);
    ASSERT_TRUE(l && s);
    EXPECT_EQ(with_generation_prompt_class(*l, "small"), *s) << "thinking " << thinking;
    EXPECT_EQ(with_generation_prompt_class(*s, "large"), *l) << "thinking " << thinking;
    EXPECT_EQ(with_generation_prompt_class(*l, "large"), *l);
  }
  EXPECT_EQ(with_generation_prompt_class("no gemma prompt", "large"), "no gemma prompt");
}

}  // namespace
}  // namespace bakeoff::arms
