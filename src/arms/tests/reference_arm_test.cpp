#include <gtest/gtest.h>

#include "arms/arm.h"

namespace bakeoff::arms {
namespace {

RunSettings fake_settings() {
  RunSettings s;
  s.reference_model = "/models/fake-gemma4";
  s.bridge_python = BAKEOFF_PYTHON;
  s.bridge_script = BAKEOFF_SOURCE_DIR "/src/arms/tests/fake_bridge.py";
  s.think = "false";
  s.timeout_s = 30;
  return s;
}

TEST(ReferenceHfArm, RendersThroughTheBridgeAndParsesNativeCalls) {
  auto arm = make_arm("reference-hf", fake_settings());
  ASSERT_TRUE(arm) << arm.error().message;
  auto facts = (*arm)->prepare();
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_EQ((*facts)["template_sha256"], std::string(64, 'f'));
  EXPECT_EQ((*facts)["template_origin"], "hf:/models/fake-gemma4");

  Json messages = Json::array({{{"role", "user"}, {"content", "What about home automation?"}}});
  ArmStep s = (*arm)->step(messages, Json::array());
  ASSERT_FALSE(s.halt) << s.halt_detail;
  ASSERT_TRUE(s.rendered_prompt);
  EXPECT_NE(s.rendered_prompt->find("<|channel>thought\n<channel|>"), std::string::npos)
      << "enable_thinking=false must reach the bridge";
  ASSERT_EQ(s.tool_calls.size(), 1u);
  EXPECT_EQ(s.tool_calls[0].name, "memory_recall");
  EXPECT_EQ(s.tool_calls[0].arguments["query"], "home automation");
  EXPECT_EQ(s.prompt_eval_count, 11);
  EXPECT_EQ(s.eval_count, 7);
  EXPECT_EQ(s.eval_ns, 6);
  ASSERT_TRUE(s.completion_raw);
  EXPECT_NE(s.request_body.find("\"op\":\"complete\""), std::string::npos);

  messages.push_back({{"role", "assistant"}, {"content", ""}});
  messages.push_back({{"role", "user"}, {"content", "and?"}});
  ArmStep answer = (*arm)->step(messages, Json::array());
  ASSERT_FALSE(answer.halt) << answer.halt_detail;
  EXPECT_TRUE(answer.tool_calls.empty());
  EXPECT_EQ(answer.content, "Zigbee is on channel 15.");
}

TEST(ReferenceHfArm, BridgeRenderErrorIsATemplateError) {
  auto arm = make_arm("reference-hf", fake_settings());
  ASSERT_TRUE(arm);
  ASSERT_TRUE((*arm)->prepare());
  ArmStep s = (*arm)->step(Json::array({{{"role", "user"}, {"content", "raise"}}}), Json::array());
  ASSERT_TRUE(s.halt);
  EXPECT_EQ(*s.halt, "template_error");
  EXPECT_NE(s.halt_detail.find("TemplateError: no"), std::string::npos) << s.halt_detail;
}

TEST(ReferenceHfArm, MissingModelOrBridgeIsEnvMissing) {
  RunSettings no_model = fake_settings();
  no_model.reference_model.clear();
  auto arm = make_arm("reference-hf", no_model);
  ASSERT_TRUE(arm);
  auto facts = (*arm)->prepare();
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().kind, "env_missing");

  RunSettings no_python = fake_settings();
  no_python.bridge_python = "/nonexistent/python3";
  auto arm2 = make_arm("reference-hf", no_python);
  ASSERT_TRUE(arm2);
  auto facts2 = (*arm2)->prepare();
  ASSERT_FALSE(facts2);
  EXPECT_EQ(facts2.error().kind, "env_missing");
  ArmStep s = (*arm2)->step(Json::array(), Json::array());
  ASSERT_TRUE(s.halt);
  EXPECT_EQ(*s.halt, "env_missing");
}

}  // namespace
}  // namespace bakeoff::arms
