// Reads a Gemma 4 native prompt back into what the control model needs: whether thinking is on,
// the last user turn, the model's actions since it (calls, tool responses, answers), the most
// recent result of every tool, and how the prompt ends (what the model continues from).
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace bakeoff::control {

struct PromptCall {
  std::string name;
  Json arguments = Json::object();
};

// How the prompt ends, i.e. where the model's continuation starts.
enum class PromptTail {
  kOpenTurn,         // "<|turn>model\n": a fresh model turn
  kEmptyThought,     // "<|turn>model\n<|channel>thought\n<channel|>": large model, thinking off
  kAfterResponse,    // "…<tool_response|>": the model continues its turn after tool results
  kInsideThought,    // "…<|channel>thought\n": continues inside the thought channel
  kPendingResponse,  // "…<tool_call|><|tool_response>": a call with no result yet
  kOther,
};

struct PromptView {
  bool thinking_on = false;  // <|think|> in the system turn
  std::vector<std::string> declared_tools;
  bool has_user = false;
  std::string last_user;  // the last user turn's text (as rendered)
  // Calls the model made since the last user turn, one entry per group of consecutive calls.
  std::vector<std::vector<PromptCall>> call_groups;
  int answers_after_user = 0;  // model text turns (no calls) since the last user turn
  std::map<std::string, Json> latest_results;  // tool name -> its most recent result
  PromptTail tail = PromptTail::kOther;
};

PromptView read_prompt(std::string_view prompt);

// A tool response body as the model reads it: JSON when it parses as JSON, else the string.
Json response_value(const std::string& body_text);

}  // namespace bakeoff::control
