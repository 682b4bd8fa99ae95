#include <gtest/gtest.h>

#include <filesystem>

#include "common/files.h"
#include "common/json.h"
#include "common/sha256.h"

namespace bakeoff {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Files, AtomicWriteReplacesWholeFileAndLeavesNoTemp) {
  auto dir = std::filesystem::temp_directory_path() / "bakeoff_common_test";
  std::filesystem::remove_all(dir);
  auto path = dir / "sub" / "f.json";
  write_file_atomic(path, "first");
  write_file_atomic(path, std::string("sec\0ond", 7));
  EXPECT_EQ(read_file(path), std::string("sec\0ond", 7));
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir / "sub")) ++entries;
  EXPECT_EQ(entries, 1);
  EXPECT_FALSE(read_file_if_exists(dir / "missing").has_value());
  EXPECT_THROW(read_file(dir / "missing"), std::runtime_error);
  std::filesystem::remove_all(dir);
}

TEST(Json, KeepsInsertionOrder) {
  Json j;
  j["b"] = 1;
  j["a"] = 2;
  EXPECT_EQ(j.dump(), R"({"b":1,"a":2})");
}

}  // namespace
}  // namespace bakeoff
