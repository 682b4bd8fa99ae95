// Gemma 4 parsing: every reference §9 parsing case (13–27) and FAULTS.md emission quirk, by name.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "formats/format.h"
#include "formats/gemma4.h"
#include "formats/tests/gemma4_cases.h"

namespace bakeoff::formats {
namespace {

using testing::q;

const std::string& completion_of(const std::string& name) {
  static const auto cases = testing::gemma4_cases();
  for (const auto& c : cases)
    if (name == c.name) return c.completion;
  throw std::logic_error("no case " + name);
}

ParsedCompletion P(const std::string& name) {
  return gemma4::parse(completion_of(name));
}

bool mentions(const std::vector<ParseIssue>& issues, const std::string& needle) {
  for (const auto& issue : issues)
    if (issue.message.find(needle) != std::string::npos) return true;
  return false;
}

TEST(Gemma4Parse, S13TypesStayExact) {
  auto r = P("s13_types");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].name, "f");
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"a":"1","b":1,"c":true,"d":null})");
  EXPECT_TRUE(r.tool_calls[0].arguments["b"].is_number_integer());
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.repairs.empty());
  EXPECT_EQ(r.tool_calls[0].offset, 0u);
  EXPECT_EQ(r.tool_calls[0].raw, completion_of("s13_types"));
  EXPECT_EQ(r.content, "");
}

TEST(Gemma4Parse, S14ExponentNumbersAreNumbers) {
  auto r = P("s14_exponent");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  const Json& a = r.tool_calls[0].arguments;
  ASSERT_TRUE(a["x"].is_number_float());
  EXPECT_EQ(a["x"].get<double>(), 1e-05);
  EXPECT_EQ(a["y"].get<double>(), 1e16);
  EXPECT_EQ(a["z"].get<double>(), -2.5);
  EXPECT_TRUE(r.errors.empty());
}

TEST(Gemma4Parse, S15KeysWithSpacesAreKeptWithoutRepair) {
  auto r = P("s15_key_with_spaces");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"Basic LLM Chain":{"main":1}})");
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.repairs.empty());
}

TEST(Gemma4Parse, S16KeyEqualsValueIsRepaired) {
  for (const char* name : {"s16_key_equals_single", "s16_key_equals_double"}) {
    auto r = P(name);
    ASSERT_EQ(r.tool_calls.size(), 1u) << name;
    EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"save_as":"r.docx"})") << name;
    EXPECT_TRUE(r.errors.empty()) << name;
    EXPECT_TRUE(mentions(r.repairs, "'=' instead of ':'")) << name;
    EXPECT_EQ(r.repairs.front().offset, completion_of(name).find('=')) << name;
  }
}

TEST(Gemma4Parse, S17ManyStringsThenArray) {
  auto r = P("s17_many_strings_then_array");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  const Json& a = r.tool_calls[0].arguments;
  EXPECT_EQ(a.size(), 46u);
  EXPECT_EQ(a["s44"], "v44");
  EXPECT_EQ(a["zz"].dump(), R"(["a","b"])");
  EXPECT_TRUE(r.errors.empty());
}

TEST(Gemma4Parse, S18MissingFinalBraceIsClosedAtTheCloseTag) {
  const std::string& text = completion_of("s18_missing_final_brace");
  auto r = P("s18_missing_final_brace");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"files":[{"path":"p","start_line":1}]})");
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.repairs.size(), 1u);
  EXPECT_EQ(r.repairs[0].offset, text.find("<tool_call|>"));
  EXPECT_TRUE(mentions(r.repairs, "missing '}'"));
}

TEST(Gemma4Parse, S19CallOpenedInsideThinkingIsACall) {
  auto r = P("s19_call_inside_thinking");
  EXPECT_EQ(r.thinking, "Let's go.");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].name, "editor");
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"cmd":"view"})");
  EXPECT_TRUE(mentions(r.repairs, "inside the thinking channel"));
  EXPECT_EQ(r.tool_calls[0].offset, completion_of("s19_call_inside_thinking").find("<|tool_call>"));
}

TEST(Gemma4Parse, S20BareCallAfterChannelIsRecoveredAndFlagged) {
  auto r = P("s20_bare_call_after_channel");
  EXPECT_EQ(r.thinking, "plan");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"a":"x"})");
  EXPECT_FALSE(r.markers_stripped);  // the channel markers are there
  EXPECT_TRUE(mentions(r.repairs, "without <|tool_call>"));
  EXPECT_EQ(r.content, "");
}

TEST(Gemma4Parse, S21ParenthesisedAndMissingCallWord) {
  auto r = P("s21_parenthesised");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"key":"v"})");
  EXPECT_TRUE(mentions(r.repairs, "(…)"));
  auto r2 = P("s21_missing_call_word");
  ASSERT_EQ(r2.tool_calls.size(), 1u);
  EXPECT_EQ(r2.tool_calls[0].name, "f");
  EXPECT_TRUE(mentions(r2.repairs, "without 'call'"));
}

TEST(Gemma4Parse, S22BeginArgFormIsAnErrorAtItsOffset) {
  const std::string& text = completion_of("s22_begin_arg");
  auto r = P("s22_begin_arg");
  EXPECT_TRUE(r.tool_calls.empty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].offset, text.find("f:") + 1);
  EXPECT_NE(r.errors[0].message.find("tool call 'f' at offset 0"), std::string::npos);
  EXPECT_NE(r.errors[0].message.find("expected '{'"), std::string::npos);
  EXPECT_EQ(r.content, "");  // the failed call's text is not passed off as content
}

TEST(Gemma4Parse, S23ExtraCloseTagAndStopsAfterACall) {
  for (const char* name :
       {"s23_extra_close_tag", "s23_tool_response_after_call", "s23_eos_after_call"}) {
    auto r = P(name);
    ASSERT_EQ(r.tool_calls.size(), 1u) << name;
    EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"a":1})") << name;
    EXPECT_EQ(r.content, "") << name;
    EXPECT_TRUE(r.errors.empty()) << name;
    EXPECT_TRUE(r.repairs.empty()) << name;
  }
}

TEST(Gemma4Parse, S24ContentAfterACallIsKept) {
  auto r = P("s24_content_after_call");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.content, "Done.");
}

TEST(Gemma4Parse, S25ParallelCallsInOrder) {
  const std::string& text = completion_of("s25_parallel");
  auto r = P("s25_parallel");
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[0].name, "f");
  EXPECT_EQ(r.tool_calls[1].name, "g");
  EXPECT_EQ(r.tool_calls[1].arguments.dump(), R"({"b":"two"})");
  EXPECT_EQ(r.tool_calls[1].offset, text.find("<|tool_call>call:g"));
  EXPECT_EQ(r.tool_calls[0].raw + r.tool_calls[1].raw, text);
}

TEST(Gemma4Parse, S26BigIntegersAreExactOrAnError) {
  const std::string& text = completion_of("s26_big_integer");
  auto r = P("s26_big_integer");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  const Json& a = r.tool_calls[0].arguments;
  EXPECT_EQ(a["n"].get<int64_t>(), 9007199254740993LL);  // 2^53+1: a double would lose it
  EXPECT_EQ(a["u"].get<uint64_t>(), 18446744073709551615ULL);
  EXPECT_EQ(a["big"], "123456789012345678901234567890");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].offset, text.find("1234567890123"));
  EXPECT_NE(r.errors[0].message.find("64-bit"), std::string::npos);
}

TEST(Gemma4Parse, S27JsonStringsAreStringsWithoutQuotes) {
  auto r = P("s27_json_strings_in_array");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"tags":["a","b\"c"],"opts":{"mode":"fast"}})");
  EXPECT_TRUE(mentions(r.repairs, "double-quoted"));
}

TEST(Gemma4Parse, StringsHoldQuotesBracesNewlinesVerbatim) {
  auto r = P("q_string_specials");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments["s"], "x,y} \"q\" {z}\nline2\\");
  EXPECT_TRUE(r.repairs.empty());
}

TEST(Gemma4Parse, EmptyThoughtBeforeACall) {
  auto r = P("q_empty_thought_then_call");
  EXPECT_EQ(r.thinking, "");
  EXPECT_EQ(r.content, "");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_TRUE(r.repairs.empty());
}

TEST(Gemma4Parse, ThinkingThenContent) {
  auto r = P("q_thinking_then_content");
  EXPECT_EQ(r.thinking, "I think.");
  EXPECT_EQ(r.content, "The answer is 4.");
  EXPECT_TRUE(r.tool_calls.empty());
}

TEST(Gemma4Parse, NestedValues) {
  auto r = P("q_nested");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"o":{"x":null,"Y":[1,"t",true,[],{}]},"e":{}})");
}

TEST(Gemma4Parse, PlainContentWithCallLikeTextMidLine) {
  auto r = P("q_plain_content");
  EXPECT_EQ(r.content, completion_of("q_plain_content"));
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_TRUE(r.errors.empty());
  EXPECT_FALSE(r.markers_stripped);
}

TEST(Gemma4Parse, MarkersStrippedIsDetectedNamedAndRecovered) {
  auto r = P("q_markers_stripped");
  EXPECT_TRUE(r.markers_stripped);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].offset, 0u);
  EXPECT_NE(r.errors[0].message.find("stripped special tokens"), std::string::npos);
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"city":"Paris","days":3})");

  auto t = P("q_markers_stripped_thought");
  EXPECT_TRUE(t.markers_stripped);
  ASSERT_EQ(t.tool_calls.size(), 1u);
  EXPECT_EQ(t.errors[0].offset, completion_of("q_markers_stripped_thought").find("call:"));
}

TEST(Gemma4Parse, UnterminatedStringClosedAtTheCloseTag) {
  auto r = P("q_unterminated_string_at_close");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"a":"x","b":"abc"})");
  EXPECT_TRUE(mentions(r.repairs, "unterminated"));
  EXPECT_TRUE(r.errors.empty());
}

TEST(Gemma4Parse, TruncatedCallIsAnErrorNotADrop) {
  const std::string& text = completion_of("q_truncated_at_end");
  auto r = P("q_truncated_at_end");
  EXPECT_TRUE(r.tool_calls.empty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].offset, text.size());
  EXPECT_NE(r.errors[0].message.find("truncated"), std::string::npos);
}

TEST(Gemma4Parse, MissingCloseTagThenContent) {
  auto r = P("q_no_close_tag_then_content");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.content, "Then text");
  EXPECT_TRUE(mentions(r.repairs, "has no <tool_call|>"));
  EXPECT_EQ(r.tool_calls[0].raw, "<|tool_call>call:f{a:1}");
}

TEST(Gemma4Parse, UnopenedChannelCloseMeansThePromptOpenedIt) {
  auto r = P("q_unopened_channel_close");
  EXPECT_EQ(r.thinking, "reasoning first");
  EXPECT_EQ(r.content, "final answer");
  auto opt = gemma4::parse("reasoning<channel|>x", {/*starts_in_thinking=*/true});
  EXPECT_EQ(opt.thinking, "reasoning");
  EXPECT_EQ(opt.content, "x");
  EXPECT_TRUE(opt.repairs.empty());
}

TEST(Gemma4Parse, TextAfterTheEndOfTurnIsIgnoredAndCounted) {
  auto r = P("q_text_after_turn_end");
  EXPECT_EQ(r.content, "Answer.");
  ASSERT_EQ(r.repairs.size(), 1u);
  EXPECT_EQ(r.repairs[0].offset, std::string("Answer.<turn|>").size());
  EXPECT_NE(r.repairs[0].message.find("ran past its stop"), std::string::npos);
}

TEST(Gemma4Parse, UnclosedThinkingIsKeptAndNoted) {
  auto r = P("q_thinking_unclosed");
  EXPECT_EQ(r.thinking, "still thinking");
  EXPECT_EQ(r.content, "");
  EXPECT_TRUE(mentions(r.repairs, "never closed"));
}

TEST(Gemma4Parse, MissingValueIsAnErrorWithOffset) {
  const std::string& text = completion_of("q_missing_value");
  auto r = P("q_missing_value");
  EXPECT_TRUE(r.tool_calls.empty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].offset, text.find("a:,") + 2);
  EXPECT_NE(r.errors[0].message.find("no value for 'a'"), std::string::npos);
}

TEST(Gemma4Parse, JunkBeforeCloseTagIsIgnoredWithRepair) {
  auto r = P("q_junk_before_close");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"a":1})");
  ASSERT_EQ(r.repairs.size(), 1u);
  EXPECT_EQ(r.repairs[0].offset, completion_of("q_junk_before_close").find("}}") + 1);
}

TEST(Gemma4Parse, PythonLiteralsAndUnquotedValues) {
  auto r = P("q_python_literals");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"a":null,"b":true,"c":false})");
  EXPECT_EQ(r.repairs.size(), 3u);
  auto u = P("q_unquoted_value");
  ASSERT_EQ(u.tool_calls.size(), 1u);
  EXPECT_EQ(u.tool_calls[0].arguments.dump(), R"({"city":"New York","n":2})");
  EXPECT_TRUE(mentions(u.repairs, "unquoted value 'New York'"));
}

TEST(Gemma4Parse, UnicodeKeysValuesAndContent) {
  auto r = P("q_unicode");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments["名前"], "Zoë 🙂");
  EXPECT_EQ(r.content, "naïve");
}

TEST(Gemma4Parse, WhitespaceBetweenTokens) {
  auto r = P("q_whitespace");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments.dump(), R"({"a":1,"b":[1,2]})");
}

TEST(Gemma4Parse, LessThanSignsThatAreNotMarkers) {
  auto r = P("q_lt_in_content");
  EXPECT_EQ(r.content, completion_of("q_lt_in_content"));
  EXPECT_TRUE(r.repairs.empty());
}

TEST(Gemma4Parse, RegistryAndStopStrings) {
  const Format* f = find_format("gemma4");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->name(), "gemma4");
  EXPECT_EQ(find_format("nope"), nullptr);
  EXPECT_EQ(format_names(), (std::vector<std::string_view>{"gemma4", "hermes"}));
  EXPECT_EQ(f->stop_strings(), (std::vector<std::string>{"<turn|>", "<|tool_response>"}));
  auto r = f->parse(completion_of("s25_parallel"));
  EXPECT_EQ(r.tool_calls.size(), 2u);
}

}  // namespace
}  // namespace bakeoff::formats
