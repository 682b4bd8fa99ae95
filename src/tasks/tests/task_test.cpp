// Task files: every built-in task loads and validates; malformed files name file and field.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "common/files.h"
#include "common/sha256.h"
#include "tasks/task.h"
#include "tasks/tools.h"

namespace bakeoff::tasks {
namespace {

namespace fs = std::filesystem;
const std::string kTasksDir = BAKEOFF_SOURCE_DIR "/tasks";

TEST(Tasks, IdsListSeedTasksFirstThenVariantsThenCalibration) {
  auto ids = task_ids();
  ASSERT_GE(ids.size(), 19u);
  EXPECT_EQ(std::vector<std::string>(ids.begin(), ids.begin() + 6),
            (std::vector<std::string>{"movies", "research", "memory", "long", "memory+write",
                                      "history-hostile"}));
  for (size_t i = 6; i < ids.size(); ++i) EXPECT_EQ(ids[i].rfind("cal-", 0), 0u) << ids[i];
}

TEST(Tasks, EveryTaskLoadsFromTheBinaryAndFromTheDirectoryIdentically) {
  for (const auto& id : task_ids()) {
    auto built_in = load_task(id);
    ASSERT_TRUE(built_in.ok()) << built_in.error().message;
    auto from_dir = load_task(id, kTasksDir);
    ASSERT_TRUE(from_dir.ok()) << from_dir.error().message;
    EXPECT_EQ(built_in->id, id);
    EXPECT_EQ(built_in->task_sha256, from_dir->task_sha256)
        << id << ": rebuild after editing tasks/";
    EXPECT_EQ(built_in->task_sha256, sha256_hex(read_file(fs::path(kTasksDir) / (id + ".json"))));
    EXPECT_EQ(built_in->fixtures_sha256, from_dir->fixtures_sha256);
    EXPECT_EQ(built_in->tools, from_dir->tools);
    EXPECT_EQ(built_in->calibration, id.rfind("cal-", 0) == 0) << id;
    EXPECT_FALSE(built_in->user_prompt.empty());
    EXPECT_FALSE(built_in->acceptance.empty()) << id;
  }
}

TEST(Tasks, SeedTasksOfferTheEightToolsAsTasksMdDeclaresThem) {
  auto task = load_task("movies");
  ASSERT_TRUE(task.ok());
  std::vector<std::string> names;
  for (const auto& t : task->tools) names.push_back(t["function"]["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"web_search", "fetch_page", "summarize",
                                             "movie_search", "movie_details", "check_library",
                                             "memory_recall", "memory_store"}));
  auto params = [&](const char* name) {
    for (const auto& t : task->tools)
      if (t["function"]["name"] == name) return t["function"]["parameters"];
    return Json();
  };
  EXPECT_EQ(params("web_search")["properties"]["query"]["minLength"], 2);
  EXPECT_EQ(params("web_search")["properties"]["max_results"]["maximum"], 5);
  EXPECT_EQ(params("web_search")["properties"]["max_results"]["default"], 3);
  EXPECT_EQ(params("fetch_page")["properties"]["url"]["format"], "uri");
  EXPECT_EQ(params("summarize")["properties"]["text"]["minLength"], 20);
  EXPECT_EQ(params("summarize")["properties"]["max_words"]["minimum"], 10);
  EXPECT_EQ(params("summarize")["properties"]["max_words"]["maximum"], 200);
  EXPECT_EQ(params("summarize")["properties"]["max_words"]["default"], 60);
  EXPECT_EQ(params("movie_search")["minProperties"], 1);
  EXPECT_FALSE(params("movie_search").contains("required"));
  EXPECT_EQ(params("movie_search")["properties"]["year"]["minimum"], 1900);
  EXPECT_EQ(params("movie_search")["properties"]["year"]["maximum"], 2100);
  EXPECT_EQ(params("movie_details")["properties"]["movie_id"]["pattern"], "^mv-[0-9]{4}$");
  EXPECT_EQ(params("check_library")["properties"]["movie_id"]["pattern"], "^mv-[0-9]{4}$");
  EXPECT_EQ(params("memory_recall")["properties"]["limit"]["maximum"], 10);
  EXPECT_EQ(params("memory_recall")["properties"]["limit"]["default"], 5);
  EXPECT_EQ(params("memory_store")["required"], Json::parse(R"(["topic","text"])"));
  EXPECT_EQ(params("memory_store")["properties"]["text"]["minLength"], 3);
  for (const auto& t : task->tools) {
    EXPECT_EQ(t["type"], "function");
    EXPECT_EQ(t["function"]["parameters"]["type"], "object");
  }
}

TEST(Tasks, FakeHistoryFollowsTheSpec) {
  auto task = load_task("memory");
  ASSERT_TRUE(task.ok());
  const Json& h = task->history;
  EXPECT_EQ(h.size(), 14u);
  size_t chars = 0;
  std::string all;
  for (const auto& m : h) {
    chars += m["content"].get<std::string>().size();
    all += m["content"].get<std::string>() + "\n";
  }
  EXPECT_GT(chars, 2000u);
  EXPECT_LT(chars, 3200u);
  EXPECT_NE(all.find("channel 11 I think"), std::string::npos);
  EXPECT_NE(all.find("\"tank\""), std::string::npos);
  EXPECT_NE(all.find("{\"a\": 1}"), std::string::npos);
  EXPECT_TRUE(std::regex_search(all, std::regex("`[^`]+`")));
  EXPECT_NE(all.find("C:\\Users\\sam\\"), std::string::npos);
  EXPECT_NE(all.find("\xF0\x9F"), std::string::npos) << "an emoji";
  bool trailing_newline = false;
  for (const auto& m : h)
    if (m["role"] == "user" && m["content"].get<std::string>().back() == '\n')
      trailing_newline = true;
  EXPECT_TRUE(trailing_newline);
  // The one historical tool exchange, with the exact result today's tool gives.
  int calls = 0;
  for (size_t i = 0; i < h.size(); ++i) {
    if (!h[i].contains("tool_calls")) continue;
    ++calls;
    const Json& tc = h[i]["tool_calls"][0];
    EXPECT_EQ(tc["id"], "call_0");
    EXPECT_EQ(tc["function"]["name"], "memory_recall");
    EXPECT_EQ(tc["function"]["arguments"], Json::parse(R"({"query":"proxmox"})"));
    ASSERT_LT(i + 2, h.size());
    EXPECT_EQ(h[i + 1]["role"], "tool");
    EXPECT_EQ(h[i + 1]["tool_call_id"], "call_0");
    ToolBox box(*task);
    EXPECT_EQ(h[i + 1]["content"],
              box.call("memory_recall", tc["function"]["arguments"]).result_text);
    EXPECT_EQ(h[i + 2]["role"], "assistant");
  }
  EXPECT_EQ(calls, 1);
}

TEST(Tasks, InitialMessagesAreSystemHistoryUser) {
  auto task = load_task("history-hostile");
  ASSERT_TRUE(task.ok());
  Json m = initial_messages(*task);
  ASSERT_EQ(m.size(), 16u);
  EXPECT_EQ(m[0]["role"], "system");
  EXPECT_EQ(m[0]["content"], task->system_prompt);
  EXPECT_EQ(m[15]["role"], "user");
  const std::string prompt = m[15]["content"];
  EXPECT_NE(prompt.find("<|tool_call>"), std::string::npos);
  EXPECT_NE(prompt.find("<turn|>"), std::string::npos);
}

TEST(Tasks, CalibrationMapCoversEveryFaultWithALoadableTask) {
  auto map = calibration_map();
  ASSERT_TRUE(map.ok()) << map.error().message;
  const std::vector<std::string> faults = {"render-key-sort-bytewise",
                                           "render-float-as-int",
                                           "render-exp-expanded",
                                           "render-drop-standard-props",
                                           "render-tool-response-name",
                                           "render-small-template-on-large",
                                           "render-think-default-on",
                                           "render-trim-unicode",
                                           "render-double-bos",
                                           "parse-drop-spaced-keys",
                                           "parse-drop-missing-brace",
                                           "parse-placeholder-collision",
                                           "parse-call-inside-thinking",
                                           "parse-numbers-as-strings",
                                           "parse-big-int-float",
                                           "parse-drop-trailing-content",
                                           "runtime-no-tool-response-stop",
                                           "runtime-strip-special-tokens",
                                           "runtime-numeric-drift",
                                           "client-keep-channel-prefix",
                                           "client-wrong-size-template"};
  ASSERT_EQ(map->size(), faults.size());
  const std::vector<std::string> layers = {"prompt",      "completion", "parse",      "arguments",
                                           "tool_result", "halt",       "token_count"};
  for (size_t i = 0; i < faults.size(); ++i) {
    const Json& e = (*map)[i];
    EXPECT_EQ(e["fault"], faults[i]);
    auto task = load_task(e["task"].get<std::string>());
    ASSERT_TRUE(task.ok()) << e.dump();
    EXPECT_NE(std::find(layers.begin(), layers.end(), e["expected_layer"]), layers.end())
        << e.dump();
    EXPECT_GE(e["expected_step"].get<int>(), 1);
    EXPECT_LE(e["expected_step"].get<size_t>(), task->expected["trajectory"].size()) << e.dump();
  }
}

TEST(Tasks, CalibrationTasksCarryWhatTheirFaultNeeds) {
  auto decl = [](const Task& t) { return t.tools[0]["function"]["parameters"]; };
  auto key_case = load_task("cal-key-case");
  ASSERT_TRUE(key_case.ok());
  EXPECT_TRUE(decl(*key_case)["properties"].contains("Zone"));
  EXPECT_TRUE(decl(*key_case)["properties"].contains("colorTemp"));
  auto flt = load_task("cal-float");
  ASSERT_TRUE(flt.ok());
  const Json& fa = flt->expected["trajectory"][0]["calls"][0]["arguments"]["target_c"];
  EXPECT_TRUE(fa.is_number_float());
  EXPECT_EQ(fa.dump(), "21.0");
  auto exp = load_task("cal-exp");
  ASSERT_TRUE(exp.ok());
  EXPECT_EQ(exp->expected["trajectory"][0]["calls"][0]["arguments"]["bytes"].dump(), "1e+16");
  auto type_prop = load_task("cal-type-prop");
  ASSERT_TRUE(type_prop.ok());
  EXPECT_TRUE(decl(*type_prop)["properties"].contains("type"));
  auto noid = load_task("cal-parallel-noid");
  ASSERT_TRUE(noid.ok());
  EXPECT_EQ(noid->expected["trajectory"][0]["calls"].size(), 2u);
  auto trim = load_task("cal-trim-unicode");
  ASSERT_TRUE(trim.ok());
  EXPECT_EQ(trim->user_prompt.back(), '\x1f');
  auto spaced = load_task("cal-spaced-keys");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(spaced->expected["trajectory"][0]["quirk"], "spaced_keys");
  EXPECT_TRUE(decl(*spaced)["properties"].contains("Alert Name"));
  auto many = load_task("cal-placeholder");
  ASSERT_TRUE(many.ok());
  const Json& args = many->expected["trajectory"][0]["calls"][0]["arguments"];
  size_t strings = 0;
  for (const auto& [k, v] : args.items()) strings += v.is_string() ? 1 : 0;
  EXPECT_GE(strings, 45u);
  EXPECT_TRUE(args["tags"].is_array());
  auto think = load_task("cal-think-call");
  ASSERT_TRUE(think.ok());
  EXPECT_EQ(think->settings["think"], "true");
  EXPECT_EQ(think->expected["trajectory"][0]["quirk"], "call_inside_thinking");
  auto big = load_task("cal-big-int");
  ASSERT_TRUE(big.ok());
  EXPECT_GT(big->expected["trajectory"][0]["calls"][0]["arguments"]["serial"].get<uint64_t>(),
            uint64_t{1} << 53);
}

// Writes a task directory with one task file (and the real shared files) and loads it.
class MalformedTask : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("bakeoff-tasks-test-" + std::to_string(::getpid()));
  void SetUp() override {
    fs::create_directories(dir / "shared");
    for (const auto& e : fs::directory_iterator(kTasksDir + "/shared"))
      fs::copy_file(e.path(), dir / "shared" / e.path().filename(),
                    fs::copy_options::overwrite_existing);
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string load_error(const Json& doc) { return load_error_text(doc.dump()); }
  std::string load_error_text(const std::string& text) {
    write_file_atomic(dir / "t.json", text);
    auto r = load_task("t", dir.string());
    return r.ok() ? "loaded" : r.error().message;
  }
  Json valid() {
    return Json::parse(R"({"id":"t","system_prompt":"@system_prompt.txt","history":[],"prompt":"Hi",
      "tools":["memory_recall"],"acceptance":[{"kind":"contains","text":"x"}],
      "expected":{"steps":2,"tool_calls":1,"trajectory":[
        {"calls":[{"name":"memory_recall","arguments":{"query":"a"}}]},{"answer":"{memory_recall.results.0.id}"}]}})");
  }
};

TEST_F(MalformedTask, AValidFileLoads) {
  EXPECT_EQ(load_error(valid()), "loaded");
}

TEST_F(MalformedTask, ErrorsNameTheFileAndTheField) {
  auto expect_error = [&](const Json& doc, const std::string& field) {
    const std::string err = load_error(doc);
    EXPECT_NE(err.find("t.json"), std::string::npos) << err;
    EXPECT_NE(err.find(field), std::string::npos) << "wanted " << field << " in: " << err;
  };
  Json d = valid();
  d.erase("prompt");
  expect_error(d, "field 'prompt': missing");
  d = valid();
  d["tools"] = Json::parse(R"([{"type":"function","function":{"name":"f","description":"d"}}])");
  expect_error(d, "tools[0].function.parameters");
  d = valid();
  d["expected"]["trajectory"][0]["calls"][0]["name"] = "movie_search";
  expect_error(d, "expected.trajectory[0].calls[0].name': unknown tool 'movie_search'");
  d = valid();
  d["acceptance"][0]["kind"] = "sounds_right";
  expect_error(d, "acceptance[0].kind");
  d = valid();
  d["expected"]["tool_calls"] = 3;
  expect_error(d, "expected.tool_calls");
  d = valid();
  d["expected"]["trajectory"][1]["answer"] = "{web_search.results.0}";
  expect_error(d, "expected.trajectory[1].answer");
  d = valid();
  d["expected"]["trajectory"][0]["quirk"] = "sneeze";
  expect_error(d, "expected.trajectory[0].quirk");
  d = valid();
  d["history"] = "@nope.json";
  expect_error(d, "field 'history'");
  d = valid();
  d["history"] = Json::parse(R"([{"role":"robot","content":"x"}])");
  expect_error(d, "history[0].role");
  d = valid();
  d["tools"] = Json::parse(R"(["no_such_tool"])");
  expect_error(d, "tools[0]");
  d = valid();
  d["id"] = "other";
  expect_error(d, "field 'id'");
  const std::string err = load_error_text("{\"id\": \"t\",");
  EXPECT_NE(err.find("t.json: invalid JSON"), std::string::npos) << err;
}

TEST_F(MalformedTask, UnknownIdsAreErrorsNotCrashes) {
  auto r = load_task("no-such-task");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("known: movies"), std::string::npos);
  EXPECT_FALSE(load_task("../etc/passwd").ok());
  EXPECT_FALSE(load_task("t2", dir.string()).ok());
}

}  // namespace
}  // namespace bakeoff::tasks
