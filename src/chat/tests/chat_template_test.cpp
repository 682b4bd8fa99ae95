#include <gtest/gtest.h>

#include "chat/chat_template.h"
#include "common/files.h"

namespace bakeoff::chat {
namespace {

ChatRequest simple_request() {
  ChatRequest r;
  r.messages = Json::parse(R"([{"role":"user","content":"Hi"}])");
  r.bos_token = "<s>";
  r.eos_token = "</s>";
  return r;
}

TEST(BuildContext, UsesTransformersNamesAndPassesNoneForAbsentTools) {
  ChatRequest r = simple_request();
  r.extra["enable_thinking"] = false;
  Json context = build_context(r);
  std::vector<std::string> keys;
  for (const auto& [k, v] : context.items()) keys.push_back(k);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"messages", "tools", "documents", "add_generation_prompt",
                                      "bos_token", "eos_token", "enable_thinking"}));
  EXPECT_TRUE(context["tools"].is_null());
  EXPECT_TRUE(context["documents"].is_null());
  r.tools = Json::array();
  EXPECT_TRUE(build_context(r)["tools"].is_array());
}

TEST(BuildContext, ExtraOverridesLikeKwargs) {
  ChatRequest r = simple_request();
  r.extra["bos_token"] = "<BOS>";
  EXPECT_EQ(build_context(r)["bos_token"], "<BOS>");
}

TEST(DecodeOpenaiArguments, DecodesJsonObjectStringsOnly) {
  Json messages = Json::parse(R"([
    {"role":"assistant","tool_calls":[
      {"function":{"name":"f","arguments":"{\"b\": 1, \"a\": \"x\"}"}},
      {"function":{"name":"g","arguments":"not json"}},
      {"function":{"name":"h","arguments":{"k":2}}},
      {"function":{"name":"i","arguments":"[1]"}}]},
    {"role":"user","content":"{\"a\":1}"}])");
  auto decoded = decode_openai_arguments(messages);
  ASSERT_TRUE(decoded.ok());
  const Json& calls = (*decoded)[0]["tool_calls"];
  EXPECT_EQ(calls[0]["function"]["arguments"].dump(),
            R"({"b":1,"a":"x"})");  // order kept
  EXPECT_EQ(calls[1]["function"]["arguments"], "not json");
  EXPECT_EQ(calls[2]["function"]["arguments"]["k"], 2);
  EXPECT_EQ(calls[3]["function"]["arguments"], "[1]");
  EXPECT_EQ((*decoded)[1]["content"], "{\"a\":1}");  // content is never touched
  EXPECT_FALSE(decode_openai_arguments(Json::object()).ok());
}

TEST(ChatTemplate, RendersWithHfVariables) {
  auto t = ChatTemplate::compile(
      "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{% "
      "endfor %}"
      "{% if tools is not none %}tools={{ tools | length }}{% endif %}"
      "{% if tools is defined %}+{% endif %}"
      "{% if add_generation_prompt %}[assistant]{% endif %}{{ enable_thinking "
      "}}{{ eos_token }}");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  ChatRequest r = simple_request();
  auto out = t->render(r);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(*out, "<s>[user]Hi+</s>");  // tools is None, and defined, as in transformers
  r.add_generation_prompt = true;
  r.tools = Json::parse(R"([{"type":"function","function":{"name":"f"}}])");
  r.extra["enable_thinking"] = true;
  out = t->render(r);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(*out, "<s>[user]Hitools=1+[assistant]True</s>");
  auto prepared = t->render_context(build_context(r));
  ASSERT_TRUE(prepared.ok()) << prepared.error().to_string();
  EXPECT_EQ(*prepared, *out);
}

TEST(ChatTemplate, FixedClockAndTransformersEnvironment) {
  jinja::Options options;
  options.fixed_now_epoch_s = 1767323045;  // 2026-01-02 03:04:05 UTC
  auto t = ChatTemplate::compile(
      "{% for m in messages %}\n  {{ m | tojson }}\n{% "
      "endfor %}{{ strftime_now('%d %b %Y') }}\n",
      options);
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  ChatRequest r = simple_request();
  r.messages[0]["content"] = "<é>";
  auto out = t->render(r);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  // lstrip/trim blocks, json.dumps separators without HTML escaping, trailing
  // newline dropped.
  EXPECT_EQ(*out, "  {\"role\": \"user\", \"content\": \"<é>\"}\n02 Jan 2026");
}

TEST(ChatTemplate, ErrorsCarryLocationAndRaiseExceptionMessage) {
  auto bad = ChatTemplate::compile("line one\n{% if %}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().line, 2);
  auto raising = ChatTemplate::compile(
      "{% if messages[0].role != 'system' %}{{ "
      "raise_exception('System first!') }}{% endif %}");
  ASSERT_TRUE(raising.ok()) << raising.error().to_string();
  auto out = raising->render(simple_request());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, "raise_exception");
  EXPECT_EQ(out.error().message, "System first!");
}

TEST(ChatTemplate, RendersTheRealGemma4Template) {
  auto source = read_file(std::string(BAKEOFF_SHARED_DIR) +
                          "/templates/gemma4/"
                          "ollama-testdata-gemma4_31b_chat_template.2026-07-09.jinja2");
  auto t = ChatTemplate::compile(source);
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  EXPECT_EQ(t->source(), source);
  ChatRequest r = simple_request();
  r.bos_token = "<bos>";
  r.add_generation_prompt = true;
  auto out = t->render(r);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(*out,
            "<bos><|turn>user\nHi<turn|>\n<|turn>model\n<|channel>"
            "thought\n<channel|>");
}

}  // namespace
}  // namespace bakeoff::chat
