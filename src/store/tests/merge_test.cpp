#include <gtest/gtest.h>

#include "common/files.h"
#include "common/sha256.h"
#include "store/run_store.h"
#include "store_test_util.h"

namespace bakeoff::store {
namespace {

using testing::make_trace;
using testing::ScratchDir;
namespace fs = std::filesystem;

void write_run(const fs::path& dir, const std::vector<Json>& traces,
               const std::vector<std::string>& blobs = {}) {
  auto store = RunStore::open(dir);
  ASSERT_TRUE(store) << store.error().message;
  for (const auto& b : blobs) (*store)->put_blob(b);
  for (const auto& t : traces) (*store)->write_unit(t);
}

TEST(Merge, JoinsShardsAndCopiesBlobs) {
  ScratchDir tmp;
  write_run(tmp.path / "a", {make_trace("control", "memory", 1)}, {"blob one"});
  write_run(tmp.path / "b", {make_trace("control", "memory", 2)}, {"blob two"});
  auto r = merge_runs({tmp.path / "a", tmp.path / "b"}, tmp.path / "out", {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->units, 2u);
  EXPECT_EQ(r->blobs_copied, 2u);
  auto out = RunStore::open(tmp.path / "out");
  ASSERT_TRUE(out);
  EXPECT_EQ((*out)->unit_entries().size(), 2u);
  EXPECT_TRUE((*out)->get_blob(sha256_hex("blob one")).has_value());
  EXPECT_TRUE((*out)->get_blob(sha256_hex("blob two")).has_value());
  Json manifest = Json::parse(read_file(tmp.path / "out" / "manifest.json"));
  EXPECT_EQ(manifest["merge"]["inputs"].size(), 2u);
}

TEST(Merge, IdenticalDuplicateIsFine) {
  ScratchDir tmp;
  Json t = make_trace("control", "memory", 1);
  write_run(tmp.path / "a", {t});
  write_run(tmp.path / "b", {t, make_trace("control", "long", 1)});
  auto r = merge_runs({tmp.path / "a", tmp.path / "b"}, tmp.path / "out", {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->units, 2u);
  EXPECT_EQ(r->duplicates, 1u);
}

TEST(Merge, ConflictingDuplicateIsRefusedAndNothingWritten) {
  ScratchDir tmp;
  Json t = make_trace("control", "memory", 1);
  Json other = t;
  other["final"]["steps_used"] = 3;
  write_run(tmp.path / "a", {t});
  write_run(tmp.path / "b", {other});
  auto r = merge_runs({tmp.path / "a", tmp.path / "b"}, tmp.path / "out", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, "conflict");
  EXPECT_NE(r.error().message.find("control.memory.0123abcd.r1"), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp.path / "out" / "manifest.json"));
  // allow_mismatch is about fingerprints, never about conflicting results.
  auto forced = merge_runs({tmp.path / "a", tmp.path / "b"}, tmp.path / "out", {true});
  EXPECT_FALSE(forced);
}

TEST(Merge, FingerprintMismatchRefusedUnlessAllowed) {
  ScratchDir tmp;
  write_run(tmp.path / "a",
            {make_trace("ollama-json", "memory", 1, "no_tool_calls", "sha256:aaaa")});
  write_run(tmp.path / "b",
            {make_trace("ollama-json", "memory", 2, "no_tool_calls", "sha256:bbbb")});
  auto r = merge_runs({tmp.path / "a", tmp.path / "b"}, tmp.path / "out", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, "fingerprint_mismatch");
  EXPECT_NE(r.error().message.find("model_digest"), std::string::npos);
  EXPECT_NE(r.error().message.find("--allow-mismatch"), std::string::npos);
  auto allowed = merge_runs({tmp.path / "a", tmp.path / "b"}, tmp.path / "out", {true});
  ASSERT_TRUE(allowed) << allowed.error().message;
  EXPECT_EQ(allowed->units, 2u);
  ASSERT_EQ(allowed->warnings.size(), 1u);
  Json manifest = Json::parse(read_file(tmp.path / "out" / "manifest.json"));
  EXPECT_EQ(manifest["merge"]["warnings"].size(), 1u);
}

TEST(Merge, DifferentArmsMayHaveDifferentTemplates) {
  ScratchDir tmp;
  Json a = make_trace("ollama-json", "memory", 1);
  Json c = make_trace("control", "memory", 1);
  c["fingerprint"]["template_sha256"] = "t2";
  c["fingerprint"]["server_version"] = "";
  write_run(tmp.path / "a", {a});
  write_run(tmp.path / "b", {c});
  auto r = merge_runs({tmp.path / "a", tmp.path / "b"}, tmp.path / "out", {});
  EXPECT_TRUE(r) << r.error().message;
}

TEST(Merge, NotARunDirectoryIsAnError) {
  ScratchDir tmp;
  auto r = merge_runs({tmp.path / "missing"}, tmp.path / "out", {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("missing"), std::string::npos);
}

}  // namespace
}  // namespace bakeoff::store
