// Hermes / Qwen codec: the second format behind the interface.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include <unistd.h>

#include "common/files.h"
#include "formats/format.h"
#include "formats/hermes.h"

namespace bakeoff::formats {
namespace {

TEST(Hermes, ParsesThinkingContentAndParallelCalls) {
  std::string text =
      "<think>plan</think>Sure.\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1, \"b\": "
      "\"x\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"g\", \"arguments\": \"{\\\"n\\\": 2}\"}\n"
      "</tool_call><|im_end|>";
  auto r = hermes::parse(text);
  EXPECT_EQ(r.thinking, "plan");
  EXPECT_EQ(r.content, "Sure.\n\n");
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"a":1,"b":"x"})");
  EXPECT_EQ(r.tool_calls[1].arguments.dump(), R"({"n":2})");
  EXPECT_EQ(r.tool_calls[1].offset, text.find("<tool_call>\n{\"name\": \"g\""));
  EXPECT_EQ(r.repairs.size(), 1u);  // arguments as a JSON string
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(find_format("hermes"), &hermes::format());
}

TEST(Hermes, BadJsonIsAnErrorAtItsOffsetAndBigIntegersStayExact) {
  std::string text = "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": }}</tool_call>";
  auto r = hermes::parse(text);
  EXPECT_TRUE(r.tool_calls.empty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].offset, text.find("}}"));
  std::string big =
      "<tool_call>{\"name\": \"f\", \"arguments\": {\"n\": 123456789012345678901234}}";
  auto b = hermes::parse(big);
  ASSERT_EQ(b.tool_calls.size(), 1u);
  EXPECT_EQ(b.tool_calls[0].arguments["n"], "123456789012345678901234");
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_EQ(b.errors[0].offset, big.find("1234"));
  EXPECT_EQ(b.repairs.size(), 1u);  // no </tool_call>
}

TEST(Hermes, StreamingEqualsWholeOnEverySplit) {
  std::string text =
      "a<think>t</think>b<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>c<|im_end|>x";
  auto whole = hermes::parse(text);
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    auto p = hermes::make_stream_parser();
    p->feed(std::string_view(text).substr(0, cut));
    p->feed(std::string_view(text).substr(cut));
    auto r = p->finish();
    ASSERT_EQ(r.content, whole.content) << cut;
    ASSERT_EQ(r.thinking, whole.thinking) << cut;
    ASSERT_EQ(r.tool_calls.size(), whole.tool_calls.size()) << cut;
    ASSERT_EQ(r.repairs.size(), whole.repairs.size()) << cut;
  }
  EXPECT_EQ(whole.content, "abc");
  EXPECT_EQ(whole.thinking, "t");
}

TEST(Hermes, SerializeMatchesPythonJsonDumps) {
  Json values = Json::parse(
      R"([{"b": 1, "a": [2.0, 1e16, 1e-05, null, true], "s": "x\"\\\n\u0001é🙂"}, {}, {"k": {"z": -0.0}}])");
  std::string ours;
  for (const auto& v : values) ours += hermes::python_json_dumps(v) + "\n";
  auto dir =
      std::filesystem::temp_directory_path() / ("bakeoff_hermes_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  write_file_atomic(dir / "in.json", values.dump());
  std::string command = std::string(BAKEOFF_PYTHON) +
                        " -c 'import json,sys; [print(json.dumps(v, ensure_ascii=False)) for v in "
                        "json.load(open(sys.argv[1]))]' " +
                        (dir / "in.json").string() + " > " + (dir / "out.txt").string();
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::string python = read_file(dir / "out.txt");
  std::filesystem::remove_all(dir);
  EXPECT_EQ(ours, python);
  EXPECT_EQ(hermes::serialize_call("f", Json::parse(R"({"a": 1})")),
            "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n</tool_call>");
}

}  // namespace
}  // namespace bakeoff::formats
