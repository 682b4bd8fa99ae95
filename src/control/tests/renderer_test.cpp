// Render faults change exactly their bytes of the /api/chat prompt.
#include <gtest/gtest.h>

#include "control/chat_renderer.h"

namespace bakeoff::control {
namespace {

Json tools_with(const char* properties) {
  return Json::array({Json{
      {"type", "function"},
      {"function",
       Json{{"name", "f"},
            {"description", "d"},
            {"parameters", Json{{"type", "object"}, {"properties", Json::parse(properties)}}}}}}});
}

std::string render(const Json& messages, const Json& tools, RenderFaults faults = {},
                   bool think = false) {
  ChatRenderOptions o;
  o.faults = faults;
  o.think = think;
  auto r = render_chat_prompt(messages, tools, o);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : "";
}

Json user(const std::string& text) {
  return Json::array({Json{{"role", "user"}, {"content", text}}});
}

Json with_call(const Json& args, bool ids = true) {
  Json call{{"type", "function"}, {"function", Json{{"name", "f"}, {"arguments", args}}}};
  if (ids) call["id"] = "c1";
  Json tool{{"role", "tool"}, {"tool_name", "f"}, {"content", "ok"}};
  if (ids) tool["tool_call_id"] = "c1";
  Json m = user("go");
  m.push_back(Json{{"role", "assistant"}, {"content", ""}, {"tool_calls", Json::array({call})}});
  m.push_back(tool);
  return m;
}

TEST(RenderFaults, KeySortBytewise) {
  Json tools = tools_with(R"({"Zone":{"type":"string"},"brightness":{"type":"integer"}})");
  RenderFaults f;
  f.values.bytewise_key_sort = true;
  EXPECT_NE(
      render(user("x"), tools).find("properties:{brightness:{type:<|\"|>INTEGER<|\"|>},Zone:"),
      std::string::npos);
  EXPECT_NE(
      render(user("x"), tools, f).find("properties:{Zone:{type:<|\"|>STRING<|\"|>},brightness:"),
      std::string::npos);
  // No mixed case, no difference.
  Json lower = tools_with(R"({"b":{"type":"string"},"a":{"type":"integer"}})");
  EXPECT_EQ(render(user("x"), lower), render(user("x"), lower, f));
}

TEST(RenderFaults, FloatAsIntAndExpExpandedActOnHistoryValues) {
  Json m = with_call(Json{{"t", 21.0}, {"b", 1e16}, {"n", 3}});
  RenderFaults as_int, expanded;
  as_int.values.float_as_int = true;
  expanded.values.exp_expanded = true;
  EXPECT_NE(render(m, nullptr).find("call:f{b:1e+16,n:3,t:21.0}"), std::string::npos);
  EXPECT_NE(render(m, nullptr, as_int).find("call:f{b:1e+16,n:3,t:21}"), std::string::npos);
  EXPECT_NE(render(m, nullptr, expanded).find("call:f{b:10000000000000000,n:3,t:21.0}"),
            std::string::npos);
}

TEST(RenderFaults, DropStandardProps) {
  Json tools =
      tools_with(R"({"type":{"type":"string","description":"kind"},"title":{"type":"string"}})");
  RenderFaults f;
  f.drop_standard_props = true;
  EXPECT_NE(render(user("x"), tools).find("type:{description:<|\"|>kind<|\"|>"), std::string::npos);
  std::string faulty = render(user("x"), tools, f);
  EXPECT_EQ(faulty.find("type:{description"), std::string::npos);
  EXPECT_NE(faulty.find("properties:{title:"), std::string::npos);
}

TEST(RenderFaults, ToolResponseNameOnlyDiffersWithoutIds) {
  Json m = user("go");
  m.push_back(Json{
      {"role", "assistant"},
      {"content", ""},
      {"tool_calls",
       Json::array(
           {Json{{"function", Json{{"name", "read_sensor"}, {"arguments", Json::object()}}}},
            Json{{"function", Json{{"name", "check_camera"}, {"arguments", Json::object()}}}}})}});
  m.push_back(Json{{"role", "tool"}, {"tool_name", "read_sensor"}, {"content", "a"}});
  m.push_back(Json{{"role", "tool"}, {"tool_name", "check_camera"}, {"content", "b"}});
  RenderFaults f;
  f.tool_response_name = true;
  std::string canonical = render(m, nullptr), faulty = render(m, nullptr, f);
  EXPECT_NE(canonical.find("response:check_camera{value:<|\"|>a<|\"|>}"),
            std::string::npos);  // last call's name
  EXPECT_NE(faulty.find("response:read_sensor{value:<|\"|>a<|\"|>}"), std::string::npos);
  Json with_ids = with_call(Json::object());
  EXPECT_EQ(render(with_ids, nullptr), render(with_ids, nullptr, f));
}

TEST(RenderFaults, TrimUnicodeKeepsInformationSeparators) {
  RenderFaults f;
  f.trim_unicode = true;
  EXPECT_NE(render(user("shelf?\x1f"), nullptr).find("shelf?<turn|>"), std::string::npos);
  EXPECT_NE(render(user("shelf?\x1f"), nullptr, f).find("shelf?\x1f<turn|>"), std::string::npos);
  EXPECT_EQ(render(user(" plain \n"), nullptr), render(user(" plain \n"), nullptr, f));
}

TEST(Renderer, RejectsStringArgumentsWithTheMessageIndex) {
  Json m = user("go");
  m.push_back(Json{
      {"role", "assistant"},
      {"tool_calls", Json::array({Json{{"function", Json{{"name", "f"}, {"arguments", "{}"}}}}})}});
  auto r = render_chat_prompt(m, nullptr, ChatRenderOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("messages[1]"), std::string::npos);
  EXPECT_FALSE(render_chat_prompt(Json::object(), nullptr, ChatRenderOptions{}).ok());
}

}  // namespace
}  // namespace bakeoff::control
