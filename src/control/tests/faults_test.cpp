#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "common/files.h"
#include "control/fault_selection.h"
#include "control/faults.h"
#include "tasks/task.h"

namespace bakeoff::control {
namespace {

// Every fault id of ../shared/FAULTS.md is catalogued, and nothing else.
TEST(FaultCatalogue, CoversFaultsMdExactly) {
  std::string md = read_file(std::string(BAKEOFF_SHARED_DIR) + "/FAULTS.md");
  std::regex row(R"(\n\| `([a-z0-9-]+)` \|)");
  std::set<std::string> documented;
  for (auto it = std::sregex_iterator(md.begin(), md.end(), row); it != std::sregex_iterator();
       ++it)
    documented.insert((*it)[1].str());
  std::set<std::string> catalogued;
  for (const auto& f : fault_catalogue()) catalogued.insert(f.id);
  EXPECT_EQ(documented.size(), 21u);
  EXPECT_EQ(catalogued, documented);
}

TEST(FaultCatalogue, AgreesWithTheTasksCalibrationMap) {
  auto map = tasks::calibration_map();
  ASSERT_TRUE(map.ok()) << map.error().message;
  EXPECT_EQ(map->size(), fault_catalogue().size());
  for (const auto& entry : *map) {
    const FaultInfo* f = find_fault(entry["fault"].get<std::string>());
    ASSERT_NE(f, nullptr) << entry.dump();
    EXPECT_EQ(f->calibration_task, entry["task"]) << f->id;
    EXPECT_EQ(f->expected_layer, entry["expected_layer"]) << f->id;
    EXPECT_EQ(f->expected_step, entry["expected_step"]) << f->id;
    EXPECT_EQ(f->think, entry["think"]) << f->id;
    EXPECT_TRUE(tasks::load_task(f->calibration_task).ok()) << f->calibration_task;
  }
}

TEST(FaultCatalogue, EntriesAreComplete) {
  std::set<std::string> groups = {"render", "parse", "runtime", "client"};
  std::set<std::string> layers = {"prompt",      "completion", "parse",      "arguments",
                                  "tool_result", "halt",       "token_count"};
  for (const auto& f : fault_catalogue()) {
    EXPECT_TRUE(groups.count(f.group)) << f.id;
    EXPECT_TRUE(layers.count(f.expected_layer)) << f.id;
    EXPECT_EQ(f.id.rfind(f.group + "-", 0), 0u) << f.id;
    EXPECT_FALSE(f.description.empty());
    EXPECT_FALSE(f.source.empty());
    EXPECT_GE(f.expected_step, 1);
  }
}

TEST(FaultSelection, SetsTheSwitchOfEachId) {
  auto s = select_faults({"render-key-sort-bytewise", "parse-big-int-float",
                          "runtime-numeric-drift:0.25", "client-keep-channel-prefix",
                          "render-double-bos"});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->render.values.bytewise_key_sort);
  EXPECT_FALSE(s->render.values.float_as_int);
  EXPECT_TRUE(s->parse.big_int_float);
  EXPECT_FALSE(s->parse.numbers_as_strings);
  EXPECT_DOUBLE_EQ(s->runtime.numeric_drift, 0.25);
  EXPECT_TRUE(s->double_bos);
  EXPECT_EQ(s->client, std::vector<std::string>{"client-keep-channel-prefix"});
  EXPECT_DOUBLE_EQ(select_faults({"runtime-numeric-drift"})->runtime.numeric_drift, 1.0);
  for (const auto& f : fault_catalogue()) EXPECT_TRUE(select_faults({f.id}).ok()) << f.id;
}

TEST(FaultSelection, BadIdsAreNamed) {
  auto unknown = select_faults({"render-everything"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("render-everything"), std::string::npos);
  EXPECT_FALSE(select_faults({"runtime-numeric-drift:1.5"}).ok());
  EXPECT_FALSE(select_faults({"runtime-numeric-drift:x"}).ok());
  EXPECT_FALSE(select_faults({"render-double-bos:1"}).ok());
}

}  // namespace
}  // namespace bakeoff::control
