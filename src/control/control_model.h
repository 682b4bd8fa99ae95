// The control model: a deterministic, prompt-sensitive policy that plays Bakeoff's tasks from a
// Gemma 4 native prompt and answers in Gemma 4 native text. It is the instrument's calibration:
// with no fault injected, every path over it must agree.
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
  std::string text;            // Gemma 4 native text
  int64_t prompt_tokens = 0;   // by the control tokenizer
  int64_t completion_tokens = 0;
  std::string done_reason;     // "stop" | "length"
};

// Completes a Gemma 4 native prompt (what a raw /api/generate receives).
Completion complete(std::string_view prompt, const SamplingOptions& options);

// The control tokenizer: deterministic, each Gemma 4 special token counts as one token.
int64_t count_tokens(std::string_view text);

}  // namespace bakeoff::control
