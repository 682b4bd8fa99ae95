// Gemma 4 native syntax (reference/gemma4-format.md §1): `<|tool_call>call:NAME{k:v,…}<tool_call|>`
// with strings as <|"|>…<|"|>, thinking in `<|channel>thought\n…<channel|>`.
//
// Parsing (gemma4_parser.cpp): an explicit state machine (content, channel header, thinking,
// tool call, after call, ended) fed chunk by chunk; feed()+finish() equals a whole-text parse for
// every chunking. Content and thinking are kept verbatim (never trimmed). What the parser accepts
// beyond the canonical syntax, and what it reports, is listed case by case in gemma4_parser.cpp.
//
// Integers: a value that fits int64 (or uint64) is an integer; a longer one is kept as the exact
// string of its digits AND reported in `errors` (never silently turned into a double). Floats are
// doubles; a float that overflows a double is kept as its text and reported the same way.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "common/json.h"
#include "formats/format.h"

namespace bakeoff::formats::gemma4 {

const Format& format();

struct ParseOptions {
  // The prompt ended inside a thinking channel (`…<tool_response|><|channel>thought\n`, the
  // 2026-07-09 template with thinking on after a tool result): the completion starts as thinking.
  // Without it, text before a first, unopened `<channel|>` is still taken as thinking.
  bool starts_in_thinking = false;
};

std::unique_ptr<StreamParser> make_stream_parser(const ParseOptions& options = {});
ParsedCompletion parse(std::string_view completion, const ParseOptions& options = {});

// Value and call serialisation exactly as the 2026-07-09 canonical template renders them:
// Python str() number forms, <|"|> strings, keys in case-insensitive order (dictsort).
// `quote_keys` is the template's escape_keys: false in calls and responses, true in declarations.
std::string serialize_value(const Json& value);
std::string serialize_value(const Json& value, bool quote_keys);
// `<|tool_call>call:NAME{k:v,…}<tool_call|>`. `arguments` must be an object (or null: `{}`); any
// other type makes the template raise, and this throws std::invalid_argument with its message.
std::string serialize_call(std::string_view name, const Json& arguments);

// A tool result as the template renders it after the calls (format_tool_response_block):
// a string (or any non-mapping) → `<|tool_response>response:NAME{value:…}<tool_response|>`;
// a mapping → `<|tool_response>response:NAME{k:v,…}<tool_response|>` (keys dictsort, unquoted).
std::string serialize_tool_response(std::string_view name, const Json& response);

// One tool declaration as the system turn renders it: `<|tool>declaration:NAME{…}<tool|>`, from an
// OpenAI-style tool `{"type":"function","function":{name,description,parameters[,response]}}`,
// with the template's quirks kept (a `parameters` without `type` is left unclosed, §1.3).
std::string serialize_tool_declaration(const Json& tool);

// The stop strings a raw path must send: `<turn|>` (end of turn) and `<|tool_response>` (the
// model emits it after its last call and waits for the result). `<eos>` is not one: it is an EOG
// token every server stops on by itself, and as text it is never rendered in a completion.
std::vector<std::string> stop_strings();

}  // namespace bakeoff::formats::gemma4
