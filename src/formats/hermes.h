// Hermes / Qwen 2.5 tool calls: `<tool_call>\n{"name": "f", "arguments": {…}}\n</tool_call>`,
// thinking (Qwen 3) in `<think>…</think>`. The second codec behind the Format interface: it shares
// nothing with gemma4 but the interface and the registry line in format.cpp.
//
// Parsing: the call body is JSON (nlohmann), `arguments` an object or a string holding one. As in
// gemma4, an integer beyond 64 bits is never rounded: it is kept as its digit string and reported.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "formats/format.h"

namespace bakeoff::formats::hermes {

const Format& format();

std::unique_ptr<StreamParser> make_stream_parser();
ParsedCompletion parse(std::string_view completion);

// As Qwen 2.5's template writes a call: `<tool_call>\n{"name": "NAME", "arguments": ARGS}\n
// </tool_call>`, ARGS through transformers' `tojson` (json.dumps: ", " and ": " separators,
// insertion order, non-ASCII kept, Python float repr). The "\n" before `<tool_call>` is the
// template's separator, not part of the call.
std::string serialize_call(std::string_view name, const Json& arguments);
std::string python_json_dumps(const Json& value);

// `<|im_end|>` ends a ChatML turn; `<|endoftext|>` is the EOS text of Qwen models.
std::vector<std::string> stop_strings();

}  // namespace bakeoff::formats::hermes
