// Pieces the arms share, public so tests (and later arms) can use them directly.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arms/arm.h"
#include "backends/ollama_client.h"
#include "common/json.h"

namespace bakeoff::arms {

// Ollama's `think` value for a --think setting: false/true/"low"/"medium"/"high"; null for
// "unset" (the field is then omitted from requests).
Json ollama_think(std::string_view think);
// The template's enable_thinking for a --think setting (nullopt for "unset": template default).
std::optional<bool> enable_thinking(std::string_view think);

// OpenAI/HF-style history → Ollama /api/chat messages: tool messages carry tool_name (from
// `name`) and tool_call_id; assistant reasoning_content becomes `thinking`; tool-call arguments
// are objects (a JSON-object string is decoded; anything else is kept as sent).
Json to_ollama_messages(const Json& messages);

// Tool calls as Ollama returned them ([{id?, function:{index,name,arguments}}]) → ToolCall,
// ids kept as given; a string `arguments` that holds a JSON object is decoded.
std::vector<formats::ToolCall> from_ollama_tool_calls(const Json& tool_calls);

// The assistant message appended to history (OpenAI/HF shape, tool_calls with object
// arguments). Thinking is never kept (record hygiene; the hygiene line says how much was
// dropped). `channel_prefix` is the thinking-channel block the raw completion started with
// (`<|channel>thought\n…<channel|>`, possibly empty); it is kept in content only when
// `keep_channel_prefix` (the client-keep-channel-prefix positive control).
Arm::StoredTurn make_stored_turn(const ArmStep& step, std::string_view channel_prefix,
                                 bool keep_channel_prefix);

// A raw-path turn (B, C, reference-*) parsed with `format` into `step`: content, thinking, calls,
// parse errors, markers_stripped. A prompt that ends inside an open thought channel (the large
// Gemma 4 templates' generation prompt) makes the completion start in thinking.
void parse_native_completion(const formats::Format& format, std::string_view prompt,
                             std::string_view raw, ArmStep& step);

// stored_turn for raw paths: the thinking-channel block the completion started with is never
// kept in history (the seed's bug) unless `keep_channel_prefix` (the positive control).
Arm::StoredTurn native_stored_turn(const ArmStep& step, bool keep_channel_prefix);

// A rendered Gemma 4 prompt with the generation prompt of `size_class` (reference §1.2: with
// thinking off the large templates end with the empty thought block `<|channel>thought\n
// <channel|>` after `<|turn>model\n`, the small ones do not; nothing else differs). Prompts
// that end otherwise are returned unchanged.
std::string with_generation_prompt_class(std::string prompt, std::string_view size_class);

// The thinking-channel block at the start of a raw completion (after leading whitespace), or "".
std::string leading_channel_block(std::string_view completion);

// Evidence that the server stripped control-token text from a raw completion (reference
// gemma4-format §3.3): `call:NAME{` without `<|tool_call>`, or a bare `thought\n` opening
// without `<|channel>`. Returns the reason, with its byte offset, or nullopt.
std::optional<formats::ParseIssue> detect_markers_stripped(std::string_view completion);

// Copies an Ollama reply's counts, durations and done_reason into the step.
void take_reply_metrics(const backends::Reply& reply, ArmStep& step);

// History only grows, so a prompt that evaluates shorter than the longest one before was
// truncated to fit num_ctx (server-apis §1.9: Ollama drops old messages silently). Only trusted
// near the limit, since some servers count only the uncached part of a prompt. Sets the step's
// context_overflow halt when it happened; `longest` is the arm's running maximum.
void check_prompt_truncation(ArmStep& step, int64_t& longest, int num_ctx);

// Context overflow evidence from a server error message (Ollama's and llama-server's wording).
bool is_context_overflow_message(std::string_view message);

}  // namespace bakeoff::arms
