// Every tool on its fixtures (TASKS.md §2–§3), errors as data, per-run state.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "common/sha256.h"
#include "tasks/task.h"
#include "tasks/tools.h"

namespace bakeoff::tasks {
namespace {

Task seed_task() {
  auto task = load_task("movies");
  EXPECT_TRUE(task.ok()) << (task.ok() ? "" : task.error().message);
  return *task;
}

class ToolsTest : public ::testing::Test {
 protected:
  Task task = seed_task();
  ToolBox box{task};
  Json call(std::string_view name, const char* args) {
    return box.call(name, Json::parse(args)).result;
  }
};

TEST_F(ToolsTest, WebSearchHomeAssistantReturnsThreeResults) {
  Json r = call("web_search", R"({"query":"Home Assistant"})");
  ASSERT_EQ(r["results"].size(), 3u);
  EXPECT_EQ(r["results"][0]["url"], "https://www.home-assistant.io/");
  EXPECT_EQ(r["results"][1]["url"], "https://en.wikipedia.org/wiki/Home_Assistant");
  EXPECT_EQ(r["results"][2]["url"], "https://github.com/home-assistant/core");
  for (const auto& res : r["results"]) {
    EXPECT_TRUE(res.contains("title"));
    EXPECT_TRUE(res.contains("snippet"));
  }
}

TEST_F(ToolsTest, WebSearchCloseVariantsMatchAndMaxResultsTruncates) {
  const Json base = call("web_search", R"({"query":"Home Assistant"})");
  EXPECT_EQ(call("web_search", R"({"query":"  what is   home assistant?"})"), base);
  EXPECT_EQ(call("web_search", R"({"query":"HOME ASSISTANT release"})"), base);
  EXPECT_EQ(call("web_search", R"({"query":"home assistant","max_results":"1"})")["results"].size(),
            1u);
  EXPECT_EQ(call("web_search", R"({"query":"zzz unknown"})"), Json::parse(R"({"results":[]})"));
}

TEST_F(ToolsTest, WebSearchVilleneuveReturnsTitlesWithoutIds) {
  Json r = call("web_search", R"({"query":"denis villeneuve films"})");
  ASSERT_FALSE(r["results"].empty());
  const std::string text = r.dump();
  EXPECT_NE(text.find("Arrival"), std::string::npos);
  EXPECT_EQ(text.find("mv-0"), std::string::npos) << "ids must come only from movie_search";
}

TEST_F(ToolsTest, FetchPageHasTheCanaryAndStressCharacters) {
  Json r = call("fetch_page", R"({"url":"https://www.home-assistant.io/"})");
  EXPECT_EQ(r["status"], 200);
  const std::string text = r["text"].get<std::string>();
  EXPECT_NE(text.find("current release is 2026.4 \"Kestrel\""), std::string::npos);
  EXPECT_NE(text.find("\"Awaken your home\""), std::string::npos);
  EXPECT_NE(text.find('\n'), std::string::npos);
  EXPECT_NE(text.find("{entity_id}"), std::string::npos);
  EXPECT_NE(text.find("\xc3\xa9"), std::string::npos);  // é
  EXPECT_GT(text.size(), 600u);
  EXPECT_LT(text.size(), 800u);
}

TEST_F(ToolsTest, FetchPageIgnoresTrailingSlashAndReports404) {
  EXPECT_EQ(call("fetch_page", R"({"url":"https://www.home-assistant.io"})"),
            call("fetch_page", R"({"url":"https://www.home-assistant.io/"})"));
  Json missing = call("fetch_page", R"({"url":"https://example.org/nope"})");
  EXPECT_EQ(missing, Json::parse(R"({"url":"https://example.org/nope","status":404,"text":""})"));
  EXPECT_EQ(call("fetch_page", R"({"url":"not a url"})")["error"], "invalid_argument");
}

TEST_F(ToolsTest, SummarizeTakesTheFirstWords) {
  Json r = call(
      "summarize",
      R"({"text":"one two three four five six seven eight nine ten eleven twelve","max_words":10})");
  EXPECT_EQ(r["summary"], "one two three four five six seven eight nine ten\u2026");
  EXPECT_EQ(r["word_count"], 12);
  Json short_text = call("summarize", R"({"text":"a short text of six words"})");
  EXPECT_EQ(short_text["summary"], "a short text of six words");
  EXPECT_EQ(
      call("summarize", R"({"text":"too short"})"),
      Json::parse(
          R"({"error":"invalid_argument","arg":"text","reason":"shorter than 20 characters"})"));
  EXPECT_EQ(call("summarize", R"({"text":"long enough text for the tool","max_words":5})")["error"],
            "invalid_argument");
}

TEST_F(ToolsTest, SummarizeHashChangesWithAnyEscapingDifference) {
  auto a =
      box.call("summarize",
               Json::parse(R"({"text":"He said \"hi\" to {curly} friends in Montréal today."})"));
  auto b = box.call(
      "summarize",
      Json::parse(R"({"text":"He said \\\"hi\\\" to {curly} friends in Montréal today."})"));
  auto c = box.call(
      "summarize", Json::parse(R"({"text":"He said 'hi' to {curly} friends in Montréal today."})"));
  EXPECT_NE(a.result_sha256, b.result_sha256);
  EXPECT_NE(a.result_sha256, c.result_sha256);
}

TEST_F(ToolsTest, MovieSearchRows) {
  EXPECT_EQ(call("movie_search", R"({"title":"Arrival"})"),
            Json::parse(R"({"results":[{"movie_id":"mv-0101","title":"Arrival","year":2016},
                                       {"movie_id":"mv-0102","title":"Arrival","year":1996}]})"));
  EXPECT_EQ(call("movie_search", R"({"title":"arrival","year":2016})")["results"].size(), 1u);
  Json dune = call("movie_search", R"({"title":"Dune"})");
  ASSERT_EQ(dune["results"].size(), 3u);
  EXPECT_EQ(dune["results"][0]["movie_id"], "mv-0201");
  EXPECT_EQ(dune["results"][1]["movie_id"], "mv-0202");
  EXPECT_EQ(dune["results"][2]["movie_id"], "mv-0203");
  Json denis = call("movie_search", R"({"director":"Denis Villeneuve"})");
  std::vector<std::string> ids;
  for (const auto& r : denis["results"]) ids.push_back(r["movie_id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"mv-0101", "mv-0201", "mv-0202", "mv-0301", "mv-0401"}));
  EXPECT_EQ(call("movie_search", R"({"director":"lynch"})")["results"][0]["movie_id"], "mv-0203");
  EXPECT_EQ(call("movie_search", R"({})")["error"], "missing_required");
  EXPECT_EQ(call("movie_search", R"({"year":1850})")["error"], "invalid_argument");
}

TEST_F(ToolsTest, MovieDetailsAndCheckLibraryRows) {
  EXPECT_EQ(call("movie_details", R"({"movie_id":"mv-0202"})"),
            Json::parse(R"({"movie_id":"mv-0202","title":"Dune: Part Two","year":2024,
                            "director":"Denis Villeneuve","runtime_min":166,"rating":"PG-13"})"));
  EXPECT_EQ(call("movie_details", R"({"movie_id":"mv-9999"})"),
            Json::parse(R"({"error":"not_found"})"));
  EXPECT_EQ(call("check_library", R"({"movie_id":"mv-0101"})"),
            Json::parse(R"({"movie_id":"mv-0101","in_library":true,"quality":"1080p",
                            "path":"/tank/media/movies/Arrival (2016) [mv-0101]/Arrival.mkv"})"));
  EXPECT_EQ(call("check_library", R"({"movie_id":"mv-0102"})"),
            Json::parse(R"({"movie_id":"mv-0102","in_library":false})"));
  EXPECT_EQ(call("check_library", R"({"movie_id":"mv-0202"})")["in_library"], false);
  const struct {
    const char* id;
    const char* quality;
    int runtime;
  } rows[] = {{"mv-0201", "2160p", 155}, {"mv-0301", "720p", 91}, {"mv-0401", "2160p", 164}};
  for (const auto& row : rows) {
    Json args{{"movie_id", row.id}};
    EXPECT_EQ(box.call("check_library", args).result["quality"], row.quality) << row.id;
    EXPECT_EQ(box.call("movie_details", args).result["runtime_min"], row.runtime) << row.id;
  }
  EXPECT_EQ(
      call("check_library", R"({"movie_id":"0101"})"),
      Json::parse(
          R"({"error":"invalid_argument","arg":"movie_id","reason":"does not match the pattern ^mv-[0-9]{4}$"})"));
}

// The fixture tables of TASKS.md §3, row by row, as the tools report them.
TEST_F(ToolsTest, EveryCatalogueRowOfTasksMd) {
  const struct {
    const char *id, *title;
    int year;
    const char* director;
    int runtime;
    const char *quality, *path;
  } rows[] = {
      {"mv-0101", "Arrival", 2016, "Denis Villeneuve", 116, "1080p",
       "/tank/media/movies/Arrival (2016) [mv-0101]/Arrival.mkv"},
      {"mv-0102", "Arrival", 1996, "David Twohy", 115, nullptr, nullptr},
      {"mv-0201", "Dune", 2021, "Denis Villeneuve", 155, "2160p",
       "/tank/media/movies/Dune (2021) [mv-0201]/Dune.mkv"},
      {"mv-0202", "Dune: Part Two", 2024, "Denis Villeneuve", 166, nullptr, nullptr},
      {"mv-0203", "Dune", 1984, "David Lynch", 137, nullptr, nullptr},
      {"mv-0301", "Enemy", 2013, "Denis Villeneuve", 91, "720p",
       "/tank/media/movies/Enemy (2013) [mv-0301]/Enemy.mkv"},
      {"mv-0401", "Blade Runner 2049", 2017, "Denis Villeneuve", 164, "2160p",
       "/tank/media/movies/Blade Runner 2049 (2017) [mv-0401]/BR2049.mkv"},
  };
  for (const auto& row : rows) {
    const Json args{{"movie_id", row.id}};
    const Json details = box.call("movie_details", args).result;
    EXPECT_EQ(details["title"], row.title) << row.id;
    EXPECT_EQ(details["year"], row.year) << row.id;
    EXPECT_EQ(details["director"], row.director) << row.id;
    EXPECT_EQ(details["runtime_min"], row.runtime) << row.id;
    const Json lib = box.call("check_library", args).result;
    EXPECT_EQ(lib["in_library"], row.quality != nullptr) << row.id;
    if (row.quality) {
      EXPECT_EQ(lib["quality"], row.quality) << row.id;
      EXPECT_EQ(lib["path"], row.path) << row.id;
    } else {
      EXPECT_FALSE(lib.contains("path")) << row.id;
    }
    const Json found =
        box.call("movie_search", Json{{"title", row.title}, {"year", row.year}}).result;
    ASSERT_EQ(found["results"].size(), 1u) << row.id;
    EXPECT_EQ(found["results"][0]["movie_id"], row.id);
  }
}

TEST_F(ToolsTest, EveryMemoryRowOfTasksMd) {
  const std::pair<const char*, const char*> rows[] = {
      {"home automation",
       "Zigbee coordinator is the SONOFF dongle passed through to pve112; channel 15."},
      {"home automation",
       "Garage door sensor renamed to `binary_sensor.garage_main` on 2026-03-02."},
      {"home automation",
       "Automations live in the \"house-ops\" repo; deploy with `make push` (needs VPN)."},
      {"movies", "Prefers films under 2 hours on weeknights."},
      {"movies", "Last movie night: Dune (2021), 2026-04-10. Wants the sequel next."},
      {"proxmox", "Four nodes: pve173 (tank ZFS), pve112, pve140, pve201."},
      {"network", "IoT VLAN 30; cameras VLAN 40."},
      {"misc", "Dentist moved to May 3."},
  };
  Json all = Json::array();
  for (const char* q : {"home automation", "movies", "proxmox", "network", "misc"}) {
    Json r = box.call("memory_recall", Json{{"query", q}, {"limit", 10}}).result["results"];
    for (const auto& e : r)
      if (std::find(all.begin(), all.end(), e) == all.end()) all.push_back(e);
  }
  std::sort(all.begin(), all.end(), [](const Json& a, const Json& b) { return a["id"] < b["id"]; });
  ASSERT_EQ(all.size(), 8u);
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(all[i]["id"], fmt::format("mem-{:04d}", i + 1));
    EXPECT_EQ(all[i]["topic"], rows[i].first);
    EXPECT_EQ(all[i]["text"], rows[i].second);
    EXPECT_TRUE(all[i].contains("saved_at"));
  }
}

TEST_F(ToolsTest, MemoryRecallMatchesTokensInTopicOrText) {
  Json ha = call("memory_recall", R"({"query":"home automation"})");
  ASSERT_EQ(ha["results"].size(), 3u);
  EXPECT_EQ(ha["results"][0]["id"], "mem-0001");
  EXPECT_EQ(ha["results"][2]["id"], "mem-0003");
  EXPECT_NE(ha["results"][0]["text"].get<std::string>().find("channel 15"), std::string::npos);
  Json night = call("memory_recall", R"({"query":"movie night"})");
  ASSERT_EQ(night["results"].size(), 2u);
  EXPECT_EQ(night["results"][0]["id"], "mem-0004");
  EXPECT_EQ(night["results"][1]["id"], "mem-0005");
  EXPECT_EQ(call("memory_recall", R"({"query":"proxmox"})")["results"][0]["id"], "mem-0006");
  EXPECT_EQ(call("memory_recall", R"({"query":"home automation","limit":2})")["results"].size(),
            2u);
  EXPECT_TRUE(call("memory_recall", R"({"query":"of an"})")["results"].empty())
      << "tokens under 3 chars";
  EXPECT_EQ(call("memory_recall", R"({"query":"x","limit":11})")["error"], "invalid_argument");
}

TEST_F(ToolsTest, MemoryStoreGivesSequentialIdsAndRecallSeesThem) {
  EXPECT_EQ(
      call("memory_store", R"({"topic":"home automation","text":"Garage sensor on channel 20."})"),
      Json::parse(R"({"ok":true,"id":"mem-0009"})"));
  EXPECT_EQ(call("memory_store", R"({"topic":"misc","text":"Buy milk."})")["id"], "mem-0010");
  Json ha = call("memory_recall", R"({"query":"home automation"})");
  ASSERT_EQ(ha["results"].size(), 4u);
  EXPECT_EQ(ha["results"][3]["id"], "mem-0009");
  EXPECT_EQ(ha["results"][3]["saved_at"], "2026-05-01");
  EXPECT_EQ(call("memory_store", R"({"topic":"misc","text":"ab"})")["error"], "invalid_argument");
}

TEST_F(ToolsTest, EveryRunStartsWithAFreshStore) {
  call("memory_store", R"({"topic":"misc","text":"first run note"})");
  ToolBox fresh(task);
  EXPECT_EQ(fresh.call("memory_store", Json::parse(R"({"topic":"misc","text":"second run"})"))
                .result["id"],
            "mem-0009");
  EXPECT_EQ(
      fresh.call("memory_recall", Json::parse(R"({"query":"first"})")).result["results"].size(),
      0u);
}

TEST_F(ToolsTest, ErrorsAreData) {
  EXPECT_EQ(call("web_search", R"({})"),
            Json::parse(R"({"error":"missing_required","arg":"query"})"));
  EXPECT_EQ(call("web_search", R"("not an object")"),
            Json::parse(R"({"error":"missing_required","arg":"query"})"));
  EXPECT_EQ(call("memory_store", R"({"text":"abc"})"),
            Json::parse(R"({"error":"missing_required","arg":"topic"})"));
  EXPECT_EQ(call("check_sethflix", R"({"movie_id":"mv-0101"})"),
            Json::parse(R"({"error":"unknown_tool","name":"check_sethflix"})"));
  EXPECT_EQ(call("web_search", R"({"query":"x"})")["error"], "invalid_argument");
  EXPECT_EQ(call("web_search", R"({"query":"home assistant","max_results":0})")["reason"],
            "0 is out of range (1 to 5)");
}

TEST_F(ToolsTest, ResultTextIsCompactUtf8JsonAndHashed) {
  ToolOutcome o =
      box.call("fetch_page", Json::parse(R"({"url":"https://www.home-assistant.io/"})"));
  EXPECT_EQ(o.result_text, o.result.dump(-1, ' ', false));
  EXPECT_NE(o.result_text.find("Montr\xc3\xa9"), std::string::npos) << "UTF-8 is not escaped";
  EXPECT_EQ(o.result_text.find(": "), std::string::npos);
  EXPECT_EQ(o.result_sha256, sha256_hex(o.result_text));
}

TEST_F(ToolsTest, EquivalentCallsHaveTheSameResultHash) {
  auto a = box.call("movie_search", Json::parse(R"({"title":"Arrival","year":2016})"));
  auto b = box.call("movie_search", Json::parse(R"({"title":"  arrival ","year":"2016"})"));
  auto c = box.call("movie_search", Json::parse(R"({"year":2016.0,"title":"ARRIVAL"})"));
  EXPECT_EQ(a.result_sha256, b.result_sha256);
  EXPECT_EQ(a.result_sha256, c.result_sha256);
  EXPECT_EQ(b.args_norm, Json::parse(R"({"title":"arrival","year":2016})"))
      << "case is kept, only folded to match";
  auto d = box.call("movie_search", Json::parse(R"({"title":"Arrival"})"));
  EXPECT_NE(a.result_sha256, d.result_sha256);
}

TEST(CalibrationTools, ReceiptsDependOnEveryArgument) {
  auto task = load_task("cal-big-int");
  ASSERT_TRUE(task.ok()) << task.error().message;
  ToolBox box(*task);
  auto exact = box.call("lookup_serial", Json::parse(R"({"serial":9007199254740993})"));
  auto rounded = box.call("lookup_serial", Json::parse(R"({"serial":9007199254740992})"));
  auto as_string = box.call("lookup_serial", Json::parse(R"({"serial":"9007199254740993"})"));
  EXPECT_EQ(exact.args_norm["serial"].dump(), "9007199254740993");
  EXPECT_NE(exact.result_sha256, rounded.result_sha256);
  EXPECT_EQ(exact.result_sha256, as_string.result_sha256);
  EXPECT_EQ(exact.result["receipt"].get<std::string>().rfind("rc-", 0), 0u);
  EXPECT_EQ(box.call("movie_search", Json::parse(R"({"title":"Dune"})")).result["error"],
            "unknown_tool")
      << "a calibration task offers only its own tools";
}

TEST(CalibrationTools, NumbersAsStringsNormaliseToTheSameResult) {
  auto task = load_task("cal-numbers");
  ASSERT_TRUE(task.ok()) << task.error().message;
  ToolBox box(*task);
  auto typed = box.call("set_timer",
                        Json::parse(R"({"label":"tea","minutes":4,"volume":0.5,"repeat":false})"));
  auto strings = box.call(
      "set_timer", Json::parse(R"({"label":"tea","minutes":"4","volume":"0.5","repeat":"false"})"));
  EXPECT_TRUE(typed.result["ok"].get<bool>());
  EXPECT_EQ(typed.args_norm, strings.args_norm);
  EXPECT_EQ(typed.result_sha256, strings.result_sha256);
}

}  // namespace
}  // namespace bakeoff::tasks
