// Our template rendered by Bakeoff's own Jinja engine (src/chat) equals Python jinja2's
// rendering of the canonical template on every task step: what arm B and the control arm see.
#include <gtest/gtest.h>

#include "chat/chat_template.h"
#include "control/templates.h"
#include "test_support.h"

namespace bakeoff::control {
namespace {

TEST(EngineTemplate, OurTemplateInOurEngineMatchesTheCanonicalTemplateInJinja2) {
  auto cases = testing::task_conversations({"cal-parallel-noid"});
  Json oracle_cases = Json::array();
  for (const auto& c : cases)
    oracle_cases.push_back(Json{{"messages", c.messages},
                                {"tools", c.tools},
                                {"extra", Json{{"enable_thinking", c.think}}}});
  Json expected = testing::run_oracle(oracle_cases, {testing::canonical_template_path(true),
                                                     testing::canonical_template_path(false)});
  for (bool large : {true, false}) {
    auto tpl = chat::ChatTemplate::compile(control_template(large));
    ASSERT_TRUE(tpl.ok()) << tpl.error().to_string();
    for (size_t i = 0; i < cases.size(); ++i) {
      chat::ChatRequest req;
      req.messages = cases[i].messages;
      req.tools = cases[i].tools;
      req.add_generation_prompt = true;
      req.bos_token = "<bos>";
      req.extra = Json{{"enable_thinking", cases[i].think}};
      auto out = tpl->render(req);
      ASSERT_TRUE(out.ok()) << cases[i].task << " step " << cases[i].step << ": "
                            << out.error().to_string();
      EXPECT_EQ(*out, expected[i][large ? 0 : 1].get<std::string>())
          << (large ? "large " : "small ") << cases[i].task << " step " << cases[i].step
          << " think " << cases[i].think;
    }
  }
}

}  // namespace
}  // namespace bakeoff::control
