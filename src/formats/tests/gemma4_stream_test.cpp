// Streaming ≡ whole: every test completion, fed in many random chunkings (fixed seeds) and byte
// by byte, gives exactly the whole-text result — markers split across chunks included.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/json.h"
#include "formats/gemma4.h"
#include "formats/tests/gemma4_cases.h"

namespace bakeoff::formats {
namespace {

Json issues_json(const std::vector<ParseIssue>& issues) {
  Json out = Json::array();
  for (const auto& i : issues) out.push_back({{"offset", i.offset}, {"message", i.message}});
  return out;
}

// Everything a ParsedCompletion holds, type-exact.
std::string fingerprint(const ParsedCompletion& r) {
  Json calls = Json::array();
  for (const auto& c : r.tool_calls)
    calls.push_back({{"name", c.name},
                     {"arguments", c.arguments},
                     {"raw", c.raw},
                     {"offset", c.offset},
                     {"id", c.id}});
  Json j = {{"content", r.content},
            {"thinking", r.thinking},
            {"calls", calls},
            {"errors", issues_json(r.errors)},
            {"repairs", issues_json(r.repairs)},
            {"stripped", r.markers_stripped}};
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);  // mangled text may split UTF-8
}

ParsedCompletion parse_in_chunks(const std::string& text, const std::vector<size_t>& cuts) {
  auto parser = gemma4::make_stream_parser();
  size_t prev = 0;
  for (size_t cut : cuts) {
    parser->feed(std::string_view(text).substr(prev, cut - prev));
    prev = cut;
  }
  parser->feed(std::string_view(text).substr(prev));
  return parser->finish();
}

TEST(Gemma4Stream, RandomChunkingsEqualTheWholeParse) {
  for (const auto& c : testing::gemma4_cases()) {
    const std::string whole = fingerprint(gemma4::parse(c.completion));
    for (unsigned seed = 1; seed <= 60; ++seed) {
      std::mt19937 rng(seed);
      std::vector<size_t> cuts;
      size_t at = 0;
      std::uniform_int_distribution<size_t> step(0, seed % 3 == 0 ? 3 : 12);
      while (true) {
        at += step(rng);
        if (at >= c.completion.size()) break;
        cuts.push_back(at);
      }
      ASSERT_EQ(fingerprint(parse_in_chunks(c.completion, cuts)), whole)
          << c.name << " seed " << seed;
    }
  }
}

TEST(Gemma4Stream, ByteByByteAndEmptyChunksEqualTheWholeParse) {
  for (const auto& c : testing::gemma4_cases()) {
    auto parser = gemma4::make_stream_parser();
    for (char ch : c.completion) {
      parser->feed("");
      parser->feed(std::string_view(&ch, 1));
    }
    EXPECT_EQ(fingerprint(parser->finish()), fingerprint(gemma4::parse(c.completion))) << c.name;
  }
}

TEST(Gemma4Stream, EveryTwoWaySplitEqualsTheWholeParse) {
  for (const auto& c : testing::gemma4_cases()) {
    const std::string whole = fingerprint(gemma4::parse(c.completion));
    for (size_t cut = 0; cut <= c.completion.size(); ++cut)
      ASSERT_EQ(fingerprint(parse_in_chunks(c.completion, {cut})), whole) << c.name << " @" << cut;
  }
}

// Mangled completions (random bytes deleted, duplicated or replaced by marker fragments): never a
// crash, and the stream still equals the whole parse.
TEST(Gemma4Stream, MangledCompletionsStillStreamExactly) {
  static const std::vector<std::string> kFragments = {
      "<|",    "|>",           "<|\"|>",       "{",          "}",  "[", "]", ",", ":", "=",
      "call:", "<tool_call|>", "<|tool_call>", "<channel|>", "\n", "'"};
  const auto cases = testing::gemma4_cases();
  for (unsigned seed = 1; seed <= 400; ++seed) {
    std::mt19937 rng(seed);
    std::string text = cases[seed % cases.size()].completion;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text.erase(at, 1 + rng() % 4);
          break;
        case 1:
          text.insert(at, text.substr(at, 1 + rng() % 6));
          break;
        default:
          text.insert(at, kFragments[rng() % kFragments.size()]);
          break;
      }
    }
    auto parsed = gemma4::parse(text);
    for (const auto& call : parsed.tool_calls)
      ASSERT_EQ(text.substr(call.offset, call.raw.size()), call.raw) << "seed " << seed;
    for (const auto& issue : parsed.errors) ASSERT_LE(issue.offset, text.size()) << issue.message;
    for (const auto& issue : parsed.repairs) ASSERT_LE(issue.offset, text.size()) << issue.message;
    const std::string whole = fingerprint(parsed);
    std::vector<size_t> cuts;
    for (size_t at = 1 + rng() % 5; at < text.size(); at += 1 + rng() % 5) cuts.push_back(at);
    ASSERT_EQ(fingerprint(parse_in_chunks(text, cuts)), whole) << "seed " << seed << ": " << text;
  }
}

TEST(Gemma4Stream, FinishIsIdempotentAndFeedAfterFinishIsIgnored) {
  auto parser = gemma4::make_stream_parser();
  parser->feed("<|tool_call>call:f{a:1}<tool_");
  parser->feed("call|>ok");
  auto first = fingerprint(parser->finish());
  parser->feed("more");
  EXPECT_EQ(fingerprint(parser->finish()), first);
  EXPECT_EQ(gemma4::parse("<|tool_call>call:f{a:1}<tool_call|>ok").content, "ok");
}

}  // namespace
}  // namespace bakeoff::formats
