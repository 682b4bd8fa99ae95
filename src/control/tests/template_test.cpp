// Our own template and the server's C++ renderer against the 2026-07-09 canonical templates, on
// every task's conversation at every step (played by the control model), rendered by Python
// jinja2 configured as transformers configures it.
#include <gtest/gtest.h>

#include <set>

#include "common/files.h"
#include "control/chat_renderer.h"
#include "control/templates.h"
#include "test_support.h"

namespace bakeoff::control {
namespace {

std::string first_difference(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return "first difference at byte " + std::to_string(i) + ": …" +
         a.substr(i > 40 ? i - 40 : 0, 80) + "… vs …" + b.substr(i > 40 ? i - 40 : 0, 80) + "…";
}

class TaskConversations : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cases_ = new std::vector<testing::ConversationCase>(
        testing::task_conversations({"cal-parallel-noid", "movies"}));
    Json oracle_cases = Json::array();
    for (const auto& c : *cases_)
      oracle_cases.push_back(Json{{"messages", c.messages},
                                  {"tools", c.tools},
                                  {"extra", Json{{"enable_thinking", c.think}}}});
    renders_ = new Json(testing::run_oracle(
        oracle_cases,
        {testing::canonical_template_path(true), testing::our_template_path(true),
         testing::canonical_template_path(false), testing::our_template_path(false)}));
  }
  static void TearDownTestSuite() {
    delete cases_;
    delete renders_;
  }
  static std::vector<testing::ConversationCase>* cases_;
  static Json* renders_;
};
std::vector<testing::ConversationCase>* TaskConversations::cases_ = nullptr;
Json* TaskConversations::renders_ = nullptr;

TEST_F(TaskConversations, CoverEverySeedTaskBeyondItsFirstStep) {
  std::set<std::string> multi_step;
  for (const auto& c : *cases_)
    if (c.step >= 2) multi_step.insert(c.task);
  for (const char* seed : {"movies", "research", "memory", "long"})
    EXPECT_TRUE(multi_step.count(seed)) << seed;
  int long_steps = 0;
  for (const auto& c : *cases_)
    if (c.task == "long" && !c.think && c.with_ids) long_steps = std::max(long_steps, c.step);
  EXPECT_GE(long_steps, 7);  // the reference chain: 6 calls, then the answer
}

TEST_F(TaskConversations, OurTemplateRendersLikeTheCanonicalOne) {
  ASSERT_EQ(renders_->size(), cases_->size());
  for (size_t i = 0; i < cases_->size(); ++i) {
    const auto& c = (*cases_)[i];
    const Json& r = (*renders_)[i];
    ASSERT_TRUE(r[0].is_string()) << c.task << " step " << c.step << ": " << r[0].dump();
    EXPECT_EQ(r[0], r[1]) << "large, " << c.task << " step " << c.step << " think " << c.think
                          << " ids " << c.with_ids << "\n"
                          << first_difference(r[0], r[1].dump());
    EXPECT_EQ(r[2], r[3]) << "small, " << c.task << " step " << c.step << " think " << c.think;
  }
}

TEST_F(TaskConversations, ServerRendererMatchesTheCanonicalTemplate) {
  for (size_t i = 0; i < cases_->size(); ++i) {
    const auto& c = (*cases_)[i];
    const Json& r = (*renders_)[i];
    for (bool large : {true, false}) {
      ChatRenderOptions ro;
      ro.large = large;
      ro.think = c.think;
      auto ours = render_chat_prompt(c.messages, c.tools, ro);
      ASSERT_TRUE(ours.ok()) << ours.error().message;
      const std::string expected = r[large ? 0 : 2].get<std::string>();
      EXPECT_EQ(*ours, expected) << (large ? "large, " : "small, ") << c.task << " step " << c.step
                                 << " think " << c.think << " ids " << c.with_ids << "\n"
                                 << first_difference(*ours, expected);
    }
  }
}

TEST(ControlTemplates, EmbeddedBytesAreTheRepositoryFiles) {
  EXPECT_EQ(control_template(true), read_file(testing::our_template_path(true)));
  EXPECT_EQ(control_template(false), read_file(testing::our_template_path(false)));
}

TEST(ControlTemplates, LargeAndSmallDifferOnlyInTheirSizeClass) {
  std::string large(control_template(true)), small(control_template(false));
  auto line_of = [](const std::string& s, const std::string& needle) {
    size_t at = s.find(needle);
    return at == std::string::npos ? std::string() : s.substr(at, s.find('\n', at) - at);
  };
  EXPECT_EQ(line_of(large, "{%- set size_class"), "{%- set size_class = 'large' -%}");
  EXPECT_EQ(line_of(small, "{%- set size_class"), "{%- set size_class = 'small' -%}");
  EXPECT_EQ(large.size() - small.size(), std::string("large").size() - std::string("small").size() +
                                             line_of(large, "{#- Large").size() -
                                             line_of(small, "{#- Small").size());
}

// The handcrafted corpus (declarations with nested and odd schemas, call values of every type,
// content parts, pending calls, string arguments): our template equals the canonical one.
TEST(ControlTemplates, HandcraftedCasesMatchTheCanonicalTemplate) {
  Json cases = Json::parse(
      read_file(std::string(BAKEOFF_SOURCE_DIR) + "/src/control/tests/data/template_cases.json"));
  Json r = testing::run_oracle(
      cases, {testing::canonical_template_path(true), testing::our_template_path(true),
              testing::canonical_template_path(false), testing::our_template_path(false)});
  ASSERT_EQ(r.size(), cases.size());
  int errors = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r[i][0], r[i][1]) << "case " << i;
    EXPECT_EQ(r[i][2], r[i][3]) << "case " << i;
    if (r[i][0].is_object()) ++errors;
  }
  EXPECT_GE(errors, 3);  // string arguments raise in both, for each think setting
}

}  // namespace
}  // namespace bakeoff::control
