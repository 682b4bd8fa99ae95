#include <gtest/gtest.h>

#include "control/chat_parser.h"
#include "control/native_parse.h"

namespace bakeoff::control {
namespace {

const std::string Q = "<|\"|>";

TEST(ChatParser, SplitsThinkingContentAndCalls) {
  ChatParse p =
      parse_chat_completion("<|channel>thought\nplan<channel|><|tool_call>call:f{a:" + Q +
                                "x,y} \"q\"" + Q + ",n:2.0,b:true,z:null,l:[1," + Q + "t" + Q +
                                "],o:{K:1}}<tool_call|><|tool_call>call:g{}<tool_call|>",
                            false);
  EXPECT_EQ(p.thinking, "plan");
  EXPECT_EQ(p.content, "");
  ASSERT_EQ(p.calls.size(), 2u);
  EXPECT_EQ(p.calls[0].name, "f");
  EXPECT_EQ(p.calls[0].arguments.dump(),
            R"({"a":"x,y} \"q\"","n":2.0,"b":true,"z":null,"l":[1,"t"],"o":{"K":1}})");
  EXPECT_EQ(p.calls[1].name, "g");
  EXPECT_TRUE(p.calls[1].arguments.empty());
}

TEST(ChatParser, StartsInThinkingAfterAToolResponseCue) {
  ChatParse p = parse_chat_completion("more thought<channel|>The answer.", true);
  EXPECT_EQ(p.thinking, "more thought");
  EXPECT_EQ(p.content, "The answer.");
}

TEST(ChatParser, ReadsWhatGemmaReallyEmits) {
  ChatParse p =
      parse_chat_completion("<|tool_call>call:f{Basic LLM Chain:{main:1},s='r.docx',k=" + Q + "v" +
                                Q + "}<tool_call|><tool_call|>",
                            false);
  ASSERT_EQ(p.calls.size(), 1u);
  EXPECT_EQ(p.calls[0].arguments.dump(), R"({"Basic LLM Chain":{"main":1},"s":"r.docx","k":"v"})");
  EXPECT_EQ(p.content, "");  // the extra close tag is swallowed
  ChatParse missing = parse_chat_completion(
      "<|tool_call>call:f{files:[{path:" + Q + "p" + Q + ",start_line:1}]<tool_call|>", false);
  ASSERT_EQ(missing.calls.size(), 1u);
  EXPECT_EQ(missing.calls[0].arguments.dump(), R"({"files":[{"path":"p","start_line":1}]})");
}

TEST(ChatParser, BrokenCallsAreDroppedWithAReasonNeverThrown) {
  for (const std::string& bad : std::vector<std::string>{
           "<|tool_call>call:f{a:<tool_call|>", "<|tool_call>call:f{a:" + Q + "x}<tool_call|>",
           "<|tool_call>f{}<tool_call|>", "<|tool_call>call:f{a:1}}}<tool_call|>",
           "<|tool_call>call:f{a:bare word}<tool_call|>"}) {
    ChatParse p = parse_chat_completion(bad, false);
    EXPECT_TRUE(p.calls.empty()) << bad;
    EXPECT_EQ(p.dropped.size(), 1u) << bad;
  }
  EXPECT_NO_THROW(parse_chat_completion(std::string(200, '{'), false));
  EXPECT_NO_THROW(
      parse_chat_completion("<|tool_call>call:f" + std::string(500, '[') + "<tool_call|>", false));
}

// Each parse fault acts on exactly its case and leaves the ordinary call alone.
struct FaultCase {
  const char* name;
  ParseFaults faults;
  std::string triggering;
};

ParseFaults only(bool ParseFaults::*flag) {
  ParseFaults f;
  f.*flag = true;
  return f;
}

std::string many_strings_then_array() {
  std::string args;
  for (int i = 0; i < 45; ++i) args += "s" + std::to_string(i) + ":" + Q + "v" + Q + ",";
  return "<|tool_call>call:inv{" + args + "tags:[" + Q + "a" + Q + "," + Q + "b" + Q +
         "]}<tool_call|>";
}

TEST(ParseFaults, EachDropsOnlyItsCase) {
  const std::string ordinary = "<|tool_call>call:f{a:" + Q + "x" + Q + ",n:1}<tool_call|>";
  std::vector<std::pair<ParseFaults, std::string>> cases = {
      {only(&ParseFaults::drop_spaced_keys),
       "<|tool_call>call:f{Alert Name:" + Q + "x" + Q + "}<tool_call|>"},
      {only(&ParseFaults::drop_missing_brace),
       "<|tool_call>call:f{a:" + Q + "x" + Q + ",n:1<tool_call|>"},
      {only(&ParseFaults::placeholder_collision), many_strings_then_array()},
  };
  for (const auto& [faults, text] : cases) {
    EXPECT_EQ(parse_chat_completion(text, false).calls.size(), 1u) << "faithful: " << text;
    ChatParse faulty = parse_chat_completion(text, false, faults);
    EXPECT_TRUE(faulty.calls.empty()) << text;
    EXPECT_EQ(faulty.dropped.size(), 1u);
    EXPECT_EQ(parse_chat_completion(ordinary, false, faults).calls.size(), 1u);
  }
  // 44 strings before the array are fine even with the fault.
  std::string args;
  for (int i = 0; i < 44; ++i) args += "s" + std::to_string(i) + ":" + Q + "v" + Q + ",";
  EXPECT_EQ(parse_chat_completion(
                "<|tool_call>call:inv{" + args + "tags:[" + Q + "a" + Q + "]}<tool_call|>", false,
                only(&ParseFaults::placeholder_collision))
                .calls.size(),
            1u);
}

TEST(ParseFaults, CallInsideThinkingBecomesThinking) {
  std::string text = "<|channel>thought\nLet's go.<|tool_call>call:f{a:1}<tool_call|>";
  ChatParse faithful = parse_chat_completion(text, false);
  ASSERT_EQ(faithful.calls.size(), 1u);
  EXPECT_EQ(faithful.thinking, "Let's go.");
  ChatParse faulty = parse_chat_completion(text, false, only(&ParseFaults::call_inside_thinking));
  EXPECT_TRUE(faulty.calls.empty());
  EXPECT_NE(faulty.thinking.find("call:f{a:1}"), std::string::npos);
}

TEST(ParseFaults, NumbersAsStringsAndBigIntsChangeOnlyValues) {
  std::string text = "<|tool_call>call:f{m:4,v:0.5,r:false,z:null,s:" + Q + "x" + Q +
                     ",big:9007199254740993}<tool_call|>";
  EXPECT_EQ(parse_chat_completion(text, false).calls[0].arguments.dump(),
            R"({"m":4,"v":0.5,"r":false,"z":null,"s":"x","big":9007199254740993})");
  EXPECT_EQ(parse_chat_completion(text, false, only(&ParseFaults::numbers_as_strings))
                .calls[0]
                .arguments.dump(),
            R"({"m":"4","v":"0.5","r":"false","z":"null","s":"x","big":"9007199254740993"})");
  EXPECT_EQ(parse_chat_completion(text, false, only(&ParseFaults::big_int_float))
                .calls[0]
                .arguments.dump(),
            R"({"m":4,"v":0.5,"r":false,"z":null,"s":"x","big":9007199254740992})");
}

TEST(ParseFaults, TrailingContentIsDroppedOnlyAfterACall) {
  std::string text = "Before.<|tool_call>call:f{}<tool_call|>After.";
  EXPECT_EQ(parse_chat_completion(text, false).content, "Before.After.");
  EXPECT_EQ(parse_chat_completion(text, false, only(&ParseFaults::drop_trailing_content)).content,
            "Before.");
  EXPECT_EQ(
      parse_chat_completion("Just text.", false, only(&ParseFaults::drop_trailing_content)).content,
      "Just text.");
}

TEST(NativeRead, NotesIrregularities) {
  NativeRead r = read_native_value("{a b:1,c=2", 0, true);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.notes.spaced_keys);
  EXPECT_TRUE(r.notes.equals_separator);
  EXPECT_TRUE(r.notes.missing_final_brace);
  NativeRead bad = read_native_value("{a:1", 0, false);
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.error.find("offset"), std::string::npos);
}

}  // namespace
}  // namespace bakeoff::control
