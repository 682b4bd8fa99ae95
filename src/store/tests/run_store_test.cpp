#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/files.h"
#include "common/sha256.h"
#include "store/run_store.h"
#include "store_test_util.h"

namespace bakeoff::store {
namespace {

using testing::make_trace;
using testing::ScratchDir;
namespace fs = std::filesystem;

size_t count_files(const fs::path& dir) {
  size_t n = 0;
  for (const auto& f : fs::recursive_directory_iterator(dir)) n += f.is_regular_file() ? 1 : 0;
  return n;
}

TEST(RunStore, BlobIsContentAddressedAndIdempotent) {
  ScratchDir tmp;
  auto store = RunStore::open(tmp.path);
  ASSERT_TRUE(store) << store.error().message;
  std::string sha = (*store)->put_blob("hello tool result");
  EXPECT_EQ(sha, sha256_hex("hello tool result"));
  fs::path blob = tmp.path / "blobs" / sha.substr(0, 2) / sha;
  ASSERT_TRUE(fs::exists(blob));
  EXPECT_EQ(read_file(blob), "hello tool result");
  size_t before = count_files(tmp.path / "blobs");
  EXPECT_EQ((*store)->put_blob("hello tool result"), sha);
  EXPECT_EQ(count_files(tmp.path / "blobs"), before);
  EXPECT_EQ((*store)->get_blob(sha).value(), "hello tool result");
  EXPECT_FALSE((*store)->get_blob(sha256_hex("other")).has_value());
}

TEST(RunStore, SecondWriterIsRefusedWithClearMessage) {
  ScratchDir tmp;
  auto first = RunStore::open(tmp.path);
  ASSERT_TRUE(first);
  auto second = RunStore::open(tmp.path);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, "locked");
  EXPECT_NE(second.error().message.find(tmp.path.string()), std::string::npos);
  EXPECT_NE(second.error().message.find("in use"), std::string::npos);
  first = Error{"closed", ""};  // releases the lock
  auto third = RunStore::open(tmp.path);
  EXPECT_TRUE(third);
}

TEST(RunStore, WriteUnitWritesTraceManifestAndSteps) {
  ScratchDir tmp;
  auto store = RunStore::open(tmp.path);
  ASSERT_TRUE(store);
  Json trace = make_trace("control", "memory", 1);
  (*store)->write_unit(trace);
  (*store)->write_unit(make_trace("control", "memory", 2, "error:timeout"));

  Json unit = Json::parse(read_file(tmp.path / "units" / "control.memory.0123abcd.r1.json"));
  EXPECT_EQ(unit, trace);
  Json manifest = Json::parse(read_file(tmp.path / "manifest.json"));
  EXPECT_EQ(manifest["format"], "bakeoff-run/1");
  EXPECT_EQ(manifest["harness"]["version"], "0.1.0");
  EXPECT_TRUE(manifest.contains("created_at"));
  const Json& e1 = manifest["units"]["control.memory.0123abcd.r1"];
  EXPECT_EQ(e1["status"], "done");
  EXPECT_EQ(e1["halt_reason"], "no_tool_calls");
  EXPECT_EQ(e1["trace"], "units/control.memory.0123abcd.r1.json");
  EXPECT_EQ(e1["fingerprint"]["model_digest"], "sha256:aaaa");
  EXPECT_EQ(manifest["units"]["control.memory.0123abcd.r2"]["status"], "error");

  std::istringstream steps(read_file(tmp.path / "steps.jsonl"));
  std::string line;
  int lines = 0;
  while (std::getline(steps, line)) {
    Json step = Json::parse(line);
    EXPECT_TRUE(step.contains("unit_id"));
    EXPECT_TRUE(step.contains("step"));
    ++lines;
  }
  EXPECT_EQ(lines, 4);
  // No temporaries are left behind by atomic writes.
  for (const auto& f : fs::recursive_directory_iterator(tmp.path)) {
    if (!f.is_regular_file()) continue;
    std::string name = f.path().filename().string();
    EXPECT_TRUE(name == ".lock" || name == "manifest.json" || name == "steps.jsonl" ||
                f.path().extension() == ".json")
        << name;
  }
}

// Units that finish together share index rewrites; still, when write_unit returns, the files
// on disk list that unit (and its steps) whichever thread wrote them.
TEST(RunStore, ConcurrentWriteUnitsAreEachInTheIndexesOnReturn) {
  ScratchDir tmp;
  auto store = RunStore::open(tmp.path);
  ASSERT_TRUE(store);
  constexpr int kThreads = 8;
  constexpr int kUnitsPerThread = 4;
  std::vector<std::string> problems(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 1; k <= kUnitsPerThread; ++k) {
        Json trace = make_trace("control", "memory", t * kUnitsPerThread + k);
        (*store)->write_unit(trace);
        const std::string id = trace["unit_id"];
        Json manifest = Json::parse(read_file(tmp.path / "manifest.json"));
        if (!manifest["units"].contains(id)) problems[t] += id + " not in manifest.json; ";
        if (read_file(tmp.path / "steps.jsonl").find("\"" + id + "\"") == std::string::npos) {
          problems[t] += id + " not in steps.jsonl; ";
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& p : problems) EXPECT_EQ(p, "");
  Json manifest = Json::parse(read_file(tmp.path / "manifest.json"));
  EXPECT_EQ(manifest["units"].size(), static_cast<size_t>(kThreads) * kUnitsPerThread);
  (*store)->set_run_info(Json{{"command", "sweep"}});
  EXPECT_EQ(Json::parse(read_file(tmp.path / "manifest.json"))["command"], "sweep");
}

TEST(RunStore, ReopenRebuildsManifestFromUnitsAndIgnoresGarbage) {
  ScratchDir tmp;
  {
    auto store = RunStore::open(tmp.path);
    ASSERT_TRUE(store);
    (*store)->set_run_info({{"command", "sweep"}});
    (*store)->write_unit(make_trace("control", "long", 1));
  }
  // A unit file that landed after the manifest was written (a kill between the two writes),
  // and a corrupted stray file.
  write_file_atomic(tmp.path / "units" / "control.long.0123abcd.r2.json",
                    make_trace("control", "long", 2).dump());
  write_file_atomic(tmp.path / "units" / "broken.json", "{\"unit_id\": ");
  auto store = RunStore::open(tmp.path);
  ASSERT_TRUE(store);
  auto entries = (*store)->unit_entries();
  EXPECT_EQ(entries.size(), 2u);
  EXPECT_EQ((*store)->load_warnings().size(), 1u);
  Json manifest = Json::parse(read_file(tmp.path / "manifest.json"));
  EXPECT_EQ(manifest["command"], "sweep");
  EXPECT_EQ(manifest["units"].size(), 2u);
  EXPECT_EQ((*store)->load_unit("control.long.0123abcd.r2").value()["repeat"], 2);
  EXPECT_FALSE((*store)->load_unit("nope").has_value());
}

TEST(RunStore, RejectsUnitIdsThatEscapeTheDirectory) {
  ScratchDir tmp;
  auto store = RunStore::open(tmp.path);
  ASSERT_TRUE(store);
  Json trace = make_trace("control", "memory", 1);
  trace["unit_id"] = "../evil";
  EXPECT_THROW((*store)->write_unit(trace), std::invalid_argument);
  trace["unit_id"] = "";
  EXPECT_THROW((*store)->write_unit(trace), std::invalid_argument);
}

TEST(RunStore, ErrorHaltsAreRetryable) {
  EXPECT_TRUE(is_error_halt("error:timeout"));
  EXPECT_TRUE(is_error_halt("env_missing"));
  EXPECT_FALSE(is_error_halt("no_tool_calls"));
  EXPECT_FALSE(is_error_halt("sampler_error:nan"));
  EXPECT_FALSE(is_error_halt("parse_error"));
}

TEST(RunStore, ReadTraceNamesTheFile) {
  ScratchDir tmp;
  write_file_atomic(tmp.path / "x.json", "[1,2]");
  auto r = read_trace(tmp.path / "x.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("x.json"), std::string::npos);
  auto missing = read_trace(tmp.path / "none.json");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, "not_found");
}

}  // namespace
}  // namespace bakeoff::store
