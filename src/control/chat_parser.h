// The control server's native→JSON parser for /api/chat (Ollama's role): splits a Gemma 4
// completion into thinking, content and tool calls. Faithful by default (it accepts what a
// reference parser accepts); each parse fault of FAULTS.md reproduces one real parser's loss.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace bakeoff::control {

struct ParseFaults {
  bool drop_spaced_keys = false;       // parse-drop-spaced-keys (Ollama #18390)
  bool drop_missing_brace = false;     // parse-drop-missing-brace (Ollama #17562)
  bool placeholder_collision = false;  // parse-placeholder-collision (Ollama #18354)
  bool call_inside_thinking = false;   // parse-call-inside-thinking (Ollama PR #18307)
  bool numbers_as_strings = false;     // parse-numbers-as-strings (vLLM #47906)
  bool big_int_float = false;          // parse-big-int-float (Ollama float64)
  bool drop_trailing_content = false;  // parse-drop-trailing-content (vLLM non-streaming)
};

struct ParsedToolCall {
  std::string name;
  Json arguments = Json::object();
  std::string raw;  // `call:NAME{…}` as emitted
};

struct ChatParse {
  std::string content;
  std::string thinking;
  std::vector<ParsedToolCall> calls;
  std::vector<std::string> dropped;  // why each dropped call was dropped (a server log line)
};

// `start_in_thinking`: the prompt ended with `<|channel>thought\n` (a trailing tool response
// with thinking on), so the completion begins inside the thought channel.
ChatParse parse_chat_completion(std::string_view completion, bool start_in_thinking,
                                const ParseFaults& faults = {});

}  // namespace bakeoff::control
