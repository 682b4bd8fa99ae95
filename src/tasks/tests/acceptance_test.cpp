// Acceptance checks pass on reference answers and fail on bad ones, with details that quote.
#include <gtest/gtest.h>

#include "tasks/acceptance.h"

namespace bakeoff::tasks {
namespace {

Task load(const char* id) {
  auto t = load_task(id);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  return *t;
}

const CheckResult& by_name(const std::vector<CheckResult>& r, const std::string& name) {
  for (const auto& c : r)
    if (c.name == name) return c;
  static const CheckResult missing{"missing", false, "no such check"};
  ADD_FAILURE() << "no check " << name;
  return missing;
}

TEST(Acceptance, MemoryFailsOnTheStaleChannel) {
  Task t = load("memory");
  auto good = check_acceptance(
      t, "Zigbee on channel 15; binary_sensor.garage_main; deploy with make push.", {});
  EXPECT_TRUE(all_passed(good));
  auto stale = check_acceptance(
      t, "Your Zigbee stick is on channel 11, sensor binary_sensor.garage_main, make push.", {});
  EXPECT_FALSE(all_passed(stale));
  EXPECT_FALSE(by_name(stale, "mentions_channel_15").passed);
  EXPECT_FALSE(by_name(stale, "not_stale_channel_11").passed);
  EXPECT_NE(by_name(stale, "not_stale_channel_11").detail.find("on channel 11"), std::string::npos)
      << by_name(stale, "not_stale_channel_11").detail;
}

TEST(Acceptance, MoviesChecksPresenceQualityAndTheWrongArrival) {
  Task t = load("movies");
  std::vector<CallRecord> good_calls = {{"movie_search", Json{{"title", "Arrival"}}},
                                        {"check_library", Json{{"movie_id", "mv-0101"}}}};
  EXPECT_TRUE(all_passed(check_acceptance(t, "Yes, it's on the server in 1080p.", good_calls)));
  auto no_quality = check_acceptance(t, "Yes, we have it.", good_calls);
  EXPECT_FALSE(by_name(no_quality, "mentions_1080p").passed);
  auto absent =
      check_acceptance(t, "Sorry, that film isn't available; 1080p would be nice.", good_calls);
  EXPECT_FALSE(by_name(absent, "says_present").passed);
  auto wrong = good_calls;
  wrong.push_back({"check_library", Json{{"movie_id", "mv-0102"}}});
  auto bad = check_acceptance(t, "Yes, on the server in 1080p.", wrong);
  EXPECT_FALSE(by_name(bad, "never_checks_mv-0102").passed);
  EXPECT_NE(by_name(bad, "never_checks_mv-0102").detail.find("mv-0102"), std::string::npos);
}

TEST(Acceptance, ResearchCountsSentences) {
  Task t = load("research");
  EXPECT_TRUE(all_passed(check_acceptance(
      t,
      "Home Assistant is open-source home automation. Its current release is 2026.4 \"Kestrel\".",
      {})));
  auto long_answer = check_acceptance(t,
                                      "Home Assistant is software. It is open source. It runs "
                                      "locally. The release is 2026.4 Kestrel.",
                                      {});
  EXPECT_FALSE(by_name(long_answer, "at_most_3_sentences").passed);
  EXPECT_NE(by_name(long_answer, "at_most_3_sentences").detail.find("4 sentence"),
            std::string::npos);
  EXPECT_FALSE(
      by_name(check_acceptance(t, "Release 2026.4 kestrel.", {}), "mentions_Kestrel").passed)
      << "case-sensitive check";
  EXPECT_FALSE(by_name(check_acceptance(t, "Kestrel is out.", {}), "mentions_2026.4").passed);
}

TEST(Acceptance, LongRejectsTheWrongFilms) {
  Task t = load("long");
  const std::string arrival = "/tank/media/movies/Arrival (2016) [mv-0101]/Arrival.mkv";
  EXPECT_TRUE(all_passed(
      check_acceptance(t, "Dune: Part Two is too long. Tonight: Arrival at " + arrival, {})));
  EXPECT_TRUE(all_passed(
      check_acceptance(t, "Watch Enemy: /tank/media/movies/Enemy (2013) [mv-0301]/Enemy.mkv", {})));
  auto br = check_acceptance(
      t,
      "Pick Blade Runner 2049 at /tank/media/movies/Blade Runner 2049 (2017) [mv-0401]/BR2049.mkv",
      {});
  EXPECT_FALSE(by_name(br, "gives_fitting_film_path").passed);
  EXPECT_FALSE(by_name(br, "does_not_recommend_mv-0401").passed);
  auto sequel =
      check_acceptance(t, "I recommend Dune: Part Two tonight. Or Arrival at " + arrival, {});
  EXPECT_FALSE(by_name(sequel, "does_not_recommend_mv-0202").passed);
  EXPECT_NE(by_name(sequel, "does_not_recommend_mv-0202").detail.find("recommend Dune: Part Two"),
            std::string::npos);
}

TEST(Acceptance, MemoryWriteNeedsTheNewId) {
  Task t = load("memory+write");
  std::vector<CallRecord> calls = {
      {"memory_recall", Json{{"query", "home automation"}}},
      {"memory_store", Json{{"topic", "home automation"}, {"text", "x channel 20"}}}};
  EXPECT_TRUE(
      all_passed(check_acceptance(t, "Saved as mem-0009. Zigbee is on channel 15.", calls)));
  EXPECT_FALSE(all_passed(check_acceptance(t, "Saved. Zigbee is on channel 15.", calls)));
  EXPECT_FALSE(
      all_passed(check_acceptance(t, "Saved as mem-0009. Zigbee is on channel 15.", {calls[0]})));
}

TEST(Acceptance, CalledWithComparesNormalisedArguments) {
  Task t = load("cal-numbers");
  std::vector<CallRecord> calls = {
      {"set_timer", Json{{"label", "Tea"}, {"minutes", 4}, {"volume", 0.5}, {"repeat", false}}}};
  auto r = check_acceptance(t, "Timer rc-12345678", calls);
  EXPECT_TRUE(by_name(r, "calls_set_timer").passed) << by_name(r, "calls_set_timer").detail;
  calls[0].args_norm["minutes"] = 5;
  r = check_acceptance(t, "Timer rc-12345678", calls);
  EXPECT_FALSE(by_name(r, "calls_set_timer").passed);
  EXPECT_NE(by_name(r, "calls_set_timer").detail.find("\"minutes\":5"), std::string::npos)
      << by_name(r, "calls_set_timer").detail;
  EXPECT_FALSE(by_name(check_acceptance(t, "done", calls), "quotes_receipt").passed);
}

TEST(Acceptance, HandBuiltBadChecksAreReportedNotThrown) {
  Task t = load("memory");
  t.acceptance = Json::parse(R"([{"kind":"contains"}])");
  auto r = check_acceptance(t, "anything", {});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].passed);
}

}  // namespace
}  // namespace bakeoff::tasks
