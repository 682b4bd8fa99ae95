// The control model: a deterministic, prompt-sensitive policy that plays Bakeoff's tasks from a
// Gemma 4 native prompt and answers in Gemma 4 native text. It is the instrument's calibration:
// with no fault injected, every path over it must agree.
//
// How it decides. It reads the prompt back (prompt_reader.h): thinking on/off, the last user
// turn, the calls made since it and every tool's latest result. The user turn picks the task
// (the tasks library's `expected.trajectory`, see docs/ARCHITECTURE.md); the calls already made
// pick the position in that trajectory; the trajectory entry gives the action. A 64-bit digest
// of the exact prompt bytes (FNV-1a, leading <bos> tokens excluded) seeds every choice among
// equivalent behaviours: each optional argument in or out, parallel or one-by-one calls where
// `parallel_ok`, the answer's lead-in. So a one-byte change to the prompt usually changes the
// output, as with a real model. With temperature > 0 the seed joins the digest (no seed: a
// random one), so sampling is reproducible exactly when a seed is given.
//
// The control tokenizer (count_tokens): every Gemma 4 special token (<bos>, <eos>, <pad>,
// <|turn>, <turn|>, <|tool>, <tool|>, <|tool_call>, <tool_call|>, <|tool_response>,
// <tool_response|>, <|"|>, <|think|>, <|channel>, <channel|>, media tokens) is one token; a run
// of ASCII letters is one token per 4 letters (rounded up); a run of digits one per 3 digits; a
// run of whitespace one token; any other ASCII byte one token; any other UTF-8 code point one
// token. prompt_eval_count counts the prompt with exactly one leading <bos>.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace bakeoff::control {

struct SamplingOptions {
  double temperature = 0;
  std::optional<int64_t> seed;
  int num_predict = 2048;
  std::vector<std::string> stop;  // the completion ends before the first stop string
};

struct Completion {
  std::string text;           // Gemma 4 native text
  int64_t prompt_tokens = 0;  // by the control tokenizer
  int64_t completion_tokens = 0;
  std::string done_reason;  // "stop" | "length"
};

// Runtime faults (FAULTS.md "Runtime faults"): what a server's runtime does differently from the
// in-process control arm. All off is a faithful runtime.
struct RuntimeFaults {
  bool no_tool_response_stop = false;  // runtime-no-tool-response-stop
  bool strip_special_tokens = false;   // runtime-strip-special-tokens (applied to raw output)
  double numeric_drift = 0;            // runtime-numeric-drift: probability per step
};

// Completes a Gemma 4 native prompt (what a raw /api/generate receives).
Completion complete(std::string_view prompt, const SamplingOptions& options);
Completion complete(std::string_view prompt, const SamplingOptions& options,
                    const RuntimeFaults& faults);

// The control tokenizer: deterministic, each Gemma 4 special token counts as one token.
int64_t count_tokens(std::string_view text);

// The text with every special-token spelling removed (what a runtime that does not render
// control tokens returns).
std::string strip_special_tokens(std::string_view text);

// The scripts the control model plays: the task's last user prompt and its reference trajectory.
struct TaskScript {
  std::string task_id;
  std::string user_prompt;
  Json trajectory = Json::array();
};

// Every built-in task of the tasks library (loaded once).
const std::vector<TaskScript>& task_scripts();
// Replaces the scripts (tests, or tasks loaded from a directory). Thread-safe with complete().
void set_task_scripts(std::vector<TaskScript> scripts);

}  // namespace bakeoff::control
