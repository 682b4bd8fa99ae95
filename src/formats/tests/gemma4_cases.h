// Completions every Gemma 4 parser test runs on: the reference §9 parsing cases (13–27), the
// FAULTS.md emission quirks and the structural edge cases. The parse tests assert each one's
// result; the stream tests feed each in many chunkings and require the same result.
#pragma once
#include <string>
#include <vector>

namespace bakeoff::formats::testing {

struct Case {
  const char* name;
  std::string completion;
};

inline std::string q(const std::string& s) {
  return "<|\"|>" + s + "<|\"|>";
}

inline std::vector<Case> gemma4_cases() {
  std::string many_strings;
  for (int i = 0; i < 45; ++i)
    many_strings += "s" + std::to_string(i) + ":" + q("v" + std::to_string(i)) + ",";
  return {
      {"s13_types", "<|tool_call>call:f{a:" + q("1") + ",b:1,c:true,d:null}<tool_call|>"},
      {"s14_exponent", "<|tool_call>call:f{x:1e-05,y:1e+16,z:-2.5}<tool_call|>"},
      {"s15_key_with_spaces", "<|tool_call>call:f{Basic LLM Chain:{main:1}}<tool_call|>"},
      {"s16_key_equals_single", "<|tool_call>call:f{save_as='r.docx'}<tool_call|>"},
      {"s16_key_equals_double", "<|tool_call>call:f{save_as=\"r.docx\"}<tool_call|>"},
      {"s17_many_strings_then_array",
       "<|tool_call>call:f{" + many_strings + "zz:[" + q("a") + "," + q("b") + "]}<tool_call|>"},
      {"s18_missing_final_brace",
       "<|tool_call>call:f{files:[{path:" + q("p") + ",start_line:1}]<tool_call|>"},
      {"s19_call_inside_thinking", "<|channel>thought\nLet's go.<|tool_call>call:editor{cmd:" +
                                       q("view") + "}<tool_call|><|tool_response>"},
      {"s20_bare_call_after_channel", "<|channel>thought\nplan<channel|>call:f{a:" + q("x") + "}"},
      {"s21_parenthesised", "<|tool_call>call:f(key=" + q("v") + ")<tool_call|>"},
      {"s21_missing_call_word", "<|tool_call>:f{a:1}<tool_call|>"},
      {"s22_begin_arg", "<|tool_call>call:f:BEGIN_ARG:city:Paris END_ARG<tool_call|>"},
      {"s23_extra_close_tag", "<|tool_call>call:f{a:1}<tool_call|><tool_call|>"},
      {"s23_tool_response_after_call", "<|tool_call>call:f{a:1}<tool_call|><|tool_response>"},
      {"s23_eos_after_call", "<|tool_call>call:f{a:1}<tool_call|><eos>"},
      {"s24_content_after_call", "<|tool_call>call:f{a:1}<tool_call|>Done."},
      {"s25_parallel",
       "<|tool_call>call:f{a:1}<tool_call|><|tool_call>call:g{b:" + q("two") + "}<tool_call|>"},
      {"s26_big_integer",
       "<|tool_call>call:f{n:9007199254740993,u:18446744073709551615,"
       "big:123456789012345678901234567890}<tool_call|>"},
      {"s27_json_strings_in_array",
       "<|tool_call>call:f{tags:[\"a\",\"b\\\"c\"],opts:{\"mode\": \"fast\"}}<tool_call|>"},
      {"q_string_specials",
       "<|tool_call>call:f{s:" + q("x,y} \"q\" {z}\nline2\\") + "}<tool_call|>"},
      {"q_empty_thought_then_call",
       "<|channel>thought\n<channel|><|tool_call>call:f{a:1}<tool_call|>"},
      {"q_thinking_then_content", "<|channel>thought\nI think.<channel|>The answer is 4."},
      {"q_nested",
       "<|tool_call>call:f{o:{x:null,Y:[1," + q("t") + ",true,[],{}]},e:{}}<tool_call|>"},
      {"q_plain_content", "Just text, no call: here {a:1}."},
      {"q_markers_stripped", "call:get_weather{city:Paris,days:3}"},
      {"q_markers_stripped_thought", "thought\nI should look.\ncall:get_weather{city:Paris}"},
      {"q_unterminated_string_at_close",
       "<|tool_call>call:f{a:" + q("x") + ",b:<|\"|>abc}<tool_call|>"},
      {"q_truncated_at_end", "<|tool_call>call:f{a:" + q("x") + ",b:[1,2"},
      {"q_no_close_tag_then_content", "<|tool_call>call:f{a:1}Then text"},
      {"q_unopened_channel_close", "reasoning first<channel|>final answer"},
      {"q_text_after_turn_end", "Answer.<turn|>\n<|turn>user\ninvented"},
      {"q_thinking_unclosed", "<|channel>thought\nstill thinking"},
      {"q_missing_value", "<|tool_call>call:f{a:,b:1}<tool_call|>"},
      {"q_junk_before_close", "<|tool_call>call:f{a:1}}<tool_call|>"},
      {"q_python_literals", "<|tool_call>call:f{a:None,b:True,c:False}<tool_call|>"},
      {"q_unquoted_value", "<|tool_call>call:f{city:New York,n:2}<tool_call|>"},
      {"q_unicode", "<|tool_call>call:f{名前:" + q("Zoë 🙂") + "}<tool_call|>naïve"},
      {"q_whitespace", "<|tool_call>call:f{ a : 1 ,\n b : [ 1 , 2 ] }<tool_call|>"},
      {"q_lt_in_content", "a < b and <|x> and <tool_call| not a marker"},
  };
}

}  // namespace bakeoff::formats::testing
