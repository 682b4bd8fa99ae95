// Every reference trajectory, in each of its variants, replayed through the ToolBox, ends in an
// answer that passes its task's acceptance checks.
#include <gtest/gtest.h>

#include "tasks/trajectory.h"

namespace bakeoff::tasks {
namespace {

TEST(Placeholders, FillFromTheLatestResults) {
  const Json results = Json::parse(R"({"check_library":{"quality":"1080p","path":"/a/b.mkv","n":3,
                                       "list":[{"id":"x"}]}})");
  EXPECT_EQ(fill_placeholders("a {check_library.quality} file at {check_library.path}", results),
            "a 1080p file at /a/b.mkv");
  EXPECT_EQ(fill_placeholders("{check_library.n}/{check_library.list.0.id}", results), "3/x");
  EXPECT_EQ(fill_placeholders("{check_library.missing} {web_search.results}", results),
            "<unknown> <unknown>");
  EXPECT_EQ(fill_placeholders("{entity_id} and {a b.c} stay", results),
            "{entity_id} and {a b.c} stay");
  EXPECT_EQ(fill_placeholders("{check_library.list}", results), "[{\"id\":\"x\"}]");
}

struct Variant {
  const char* name;
  ReplayChoice choice;
};

TEST(Trajectories, EveryTaskAndVariantPassesItsAcceptance) {
  const Variant variants[] = {{"plain", {}},
                              {"optional args", {true, false, false, true}},
                              {"split parallel", {false, true, false, true}},
                              {"reverse order", {false, false, true, true}},
                              {"all", {true, true, true, false}}};
  for (const auto& id : task_ids()) {
    auto task = load_task(id);
    ASSERT_TRUE(task.ok()) << task.error().message;
    for (const auto& v : variants) {
      Replay r = replay_reference(*task, v.choice);
      auto checks = check_acceptance(*task, r.final_answer, r.calls);
      for (const auto& c : checks)
        EXPECT_TRUE(c.passed) << id << " (" << v.name << ") " << c.name << ": " << c.detail;
      EXPECT_EQ(r.final_answer.find("<unknown>"), std::string::npos)
          << id << ": " << r.final_answer;
      EXPECT_EQ(r.calls.size(), task->expected["tool_calls"].get<size_t>()) << id;
      for (const auto& o : r.outcomes)
        EXPECT_FALSE(o.result.contains("error")) << id << ": " << o.result_text;
      const auto steps = static_cast<size_t>(r.steps);
      EXPECT_GE(steps, task->expected["steps"].get<size_t>()) << id;
      EXPECT_LE(steps, task->expected.value("steps_max", task->expected["steps"].get<size_t>()))
          << id;
    }
  }
}

TEST(Trajectories, SeedShapesMatchTasksMd) {
  const struct {
    const char* id;
    size_t steps, calls;
  } shapes[] = {{"movies", 3, 2},
                {"research", 3, 3},
                {"memory", 2, 1},
                {"long", 7, 6},
                {"memory+write", 2, 2}};
  for (const auto& s : shapes) {
    auto task = load_task(s.id);
    ASSERT_TRUE(task.ok());
    Replay r = replay_reference(*task);
    EXPECT_EQ(static_cast<size_t>(r.steps), s.steps) << s.id;
    EXPECT_EQ(r.calls.size(), s.calls) << s.id;
  }
}

TEST(Trajectories, MoviesYearIsOptionalAndEquivalent) {
  auto task = load_task("movies");
  ASSERT_TRUE(task.ok());
  Replay without = replay_reference(*task, {false});
  Replay with = replay_reference(*task, {true});
  EXPECT_FALSE(without.calls[0].args_norm.contains("year"));
  EXPECT_EQ(with.calls[0].args_norm["year"], 2016);
  EXPECT_NE(without.outcomes[0].result_sha256, with.outcomes[0].result_sha256)
      << "year filters mv-0102 out";
  EXPECT_EQ(without.outcomes[1].result_sha256, with.outcomes[1].result_sha256);
  EXPECT_EQ(without.final_answer, with.final_answer);
}

TEST(Trajectories, ResearchPassesThePageTextToSummarizeVerbatim) {
  auto task = load_task("research");
  ASSERT_TRUE(task.ok());
  Replay r = replay_reference(*task);
  ASSERT_EQ(r.outcomes.size(), 3u);
  EXPECT_EQ(r.calls[2].name, "summarize");
  EXPECT_EQ(task->expected["trajectory"][1]["calls"][0]["arguments"]["text"],
            r.outcomes[1].result["text"]);
}

TEST(Trajectories, CorruptedCalibrationArgumentsFailAcceptance) {
  // What parse-big-int-float does to the argument: the receipt, and so the answer, change.
  auto task = load_task("cal-big-int");
  ASSERT_TRUE(task.ok());
  task->expected["trajectory"][0]["calls"][0]["arguments"]["serial"] = 9007199254740992.0;
  Replay r = replay_reference(*task);
  EXPECT_FALSE(all_passed(check_acceptance(*task, r.final_answer, r.calls))) << r.final_answer;
}

TEST(Trajectories, MessagesCarryIdsUnlessAskedNotTo) {
  auto task = load_task("cal-parallel-noid");
  ASSERT_TRUE(task.ok());
  Replay with = replay_reference(*task);
  const size_t base = initial_messages(*task).size();
  ASSERT_EQ(with.messages.size(), base + 4);
  EXPECT_EQ(with.messages[base]["tool_calls"].size(), 2u);
  EXPECT_EQ(with.messages[base]["tool_calls"][1]["id"], "call_2");
  EXPECT_EQ(with.messages[base + 2]["tool_call_id"], "call_2");
  EXPECT_EQ(with.messages[base + 2]["name"], "check_camera");
  Replay without = replay_reference(*task, {false, false, false, false});
  EXPECT_FALSE(without.messages[base]["tool_calls"][0].contains("id"));
  EXPECT_FALSE(without.messages[base + 1].contains("tool_call_id"));
  EXPECT_EQ(without.messages.back()["content"], with.messages.back()["content"]);
}

}  // namespace
}  // namespace bakeoff::tasks
