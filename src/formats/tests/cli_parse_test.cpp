// `bakeoff parse` end to end on the built binary: output shape, exit codes, stdin and files.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "common/files.h"
#include "common/json.h"

namespace bakeoff {
namespace {

struct CommandResult {
  int status;
  std::string out;
};

CommandResult run(const std::string& args) {
  std::string command = std::string(BAKEOFF_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string out;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class ParseCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("bakeoff_parse_cli_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string file(const std::string& name, const std::string& bytes) {
    write_file_atomic(dir_ / name, bytes);
    return (dir_ / name).string();
  }
  std::filesystem::path dir_;
};

TEST_F(ParseCommand, PrintsContentThinkingCallsAndErrors) {
  const std::string completion =
      "<|channel>thought\nhmm<channel|><|tool_call>call:f{a:<|\"|>x<|\"|>,n:2}"
      "<tool_call|><|tool_call>call:g{b:,}<tool_call|>done";
  std::string path = file("c.txt", completion);
  CommandResult r = run("parse --format gemma4 " + path);
  ASSERT_EQ(r.status, 0) << r.out;
  Json j = Json::parse(r.out);
  EXPECT_EQ(j["thinking"], "hmm");
  EXPECT_EQ(j["content"], "done");
  ASSERT_EQ(j["tool_calls"].size(), 1u);
  EXPECT_EQ(j["tool_calls"][0]["name"], "f");
  EXPECT_EQ(j["tool_calls"][0]["arguments"].dump(), R"({"a":"x","n":2})");
  ASSERT_EQ(j["errors"].size(), 1u);
  EXPECT_EQ(j["errors"][0]["offset"], completion.find("b:,") + 2);
  EXPECT_FALSE(j.contains("markers_stripped"));
}

TEST_F(ParseCommand, ReadsStdinAndFlagsStrippedMarkers) {
  std::string path = file("s.txt", "call:get_weather{city:Paris}");
  CommandResult r = run("parse - < " + path);
  ASSERT_EQ(r.status, 0) << r.out;
  Json j = Json::parse(r.out);
  EXPECT_EQ(j["markers_stripped"], true);
  EXPECT_EQ(j["tool_calls"][0]["arguments"]["city"], "Paris");
  EXPECT_EQ(j["errors"].size(), 1u);
}

TEST_F(ParseCommand, UnknownFormatIsAUsageErrorListingFormats) {
  CommandResult r = run("parse --format nope -");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("unknown format 'nope'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gemma4"), std::string::npos) << r.out;
}

TEST_F(ParseCommand, UnreadableFileExitsOneNamingIt) {
  std::string missing = (dir_ / "missing.txt").string();
  CommandResult r = run("parse " + missing);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find(missing), std::string::npos) << r.out;
}

}  // namespace
}  // namespace bakeoff
