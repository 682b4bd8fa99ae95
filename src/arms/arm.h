// An arm is one inference path of one model: it takes the conversation so far and returns the
// model's next turn, with everything the path lets us observe (the exact prompt, the raw
// completion, counts, request/response bodies). The loop is the same for every arm.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "formats/format.h"

namespace bakeoff::arms {

// Everything that selects how a unit runs. Canonical JSON of it (to_json) names the settings id.
struct RunSettings {
  std::string model = "gemma4:latest";
  std::string host;             // http://127.0.0.1:11434; empty = $OLLAMA_HOST or that
  std::string think = "unset";  // unset|false|true|low|medium|high; anything but unset is sent
  int num_ctx = 8192;
  int num_predict = 2048;
  std::optional<double> temperature;
  std::optional<int> top_k;
  std::optional<double> top_p;
  std::optional<int64_t> seed;
  std::string profile =
      "greedy";  // greedy (T 0, top_k 1, fixed seed) | production (T .7, p .95, k 64)
  bool stream = true;
  bool capture_prompt = true;     // ollama-json: replay each request with _debug_render_only
  std::string template_file;      // raw arms: --template
  std::string hf_snapshot;        // raw arms: local HF snapshot dir
  std::string format = "gemma4";  // native codec of raw arms
  bool restore_markers = false;   // ollama-native: the §3.3 workaround for stripped markers
  double timeout_s = 600;
  // reference-hf: the HF snapshot (weights, tokenizer, chat template) the bridge loads, and how
  // the bridge starts: `bridge_python bridge_script --model reference_model`. An empty script
  // means $BAKEOFF_BRIDGE_DIR/hf_reference.py, else the source tree's bridges/hf_reference.py.
  std::string reference_model;
  std::string bridge_python = "python3";
  std::string bridge_script;
  // A harness-side fault (FAULTS.md "Client faults") this arm injects on purpose as a positive
  // control: "client-keep-channel-prefix" | "client-wrong-size-template" | "".
  std::string client_fault;
  // Server-side fault ids in force (recorded only; the server injects them).
  std::vector<std::string> server_faults;

  Json options_json() const;  // Ollama `options` as sent: num_ctx, num_predict, sampler values
  Json to_json() const;       // canonical settings (what the settings id hashes)
};

// What one model turn produced, as observed on this path.
struct ArmStep {
  std::string content;
  std::string thinking;
  std::vector<formats::ToolCall> tool_calls;
  std::vector<formats::ParseIssue> parse_errors;
  bool markers_stripped = false;

  std::optional<std::string> rendered_prompt;  // exact bytes the model saw, when observable
  std::string prompt_capture = "disabled";     // "ok" | "disabled" | "unsupported: <why>"
  std::optional<std::string> completion_raw;   // raw completion text, when observable

  int64_t prompt_eval_count = 0;
  int64_t eval_count = 0;
  int64_t total_ns = 0, load_ns = 0, prompt_eval_ns = 0, eval_ns = 0;
  std::string done_reason;

  std::string request_body;   // full bytes sent (all requests of the step, newline-separated)
  std::string response_body;  // full bytes received (NDJSON stream as received)

  // Set when the step cannot continue: "error:<kind>", "template_error", "context_overflow",
  // "env_missing", "sampler_error:<kind>". halt_detail carries the server's or engine's message.
  std::optional<std::string> halt;
  std::string halt_detail;
};

class Arm {
 public:
  virtual ~Arm() = default;
  virtual std::string_view name() const = 0;
  // Run-level facts: server_version, model_digest, template_sha256, template_origin, size_class.
  // Called once before the first step; may return a halt ("env_missing", "error:<kind>").
  virtual Result<Json> prepare() = 0;
  // The next assistant turn for `messages` with `tools` offered (OpenAI-style JSON).
  virtual ArmStep step(const Json& messages, const Json& tools) = 0;
  // The assistant message appended to history after this step (OpenAI/HF shape, tool_calls with
  // object arguments) and the hygiene applied to it, e.g. "dropped thinking-channel prefix".
  // Tool-call ids are kept as the path gave them; the loop assigns none.
  struct StoredTurn {  // NOLINT(bugprone-exception-escape): Json moves do not throw
    Json message;
    std::vector<std::string> hygiene;
  };
  virtual StoredTurn stored_turn(const ArmStep& step) const = 0;
  // Warnings to surface in the manifest and on stderr (e.g. template size class mismatch).
  virtual std::vector<std::string> warnings() const { return {}; }
};

// Known arm names: "ollama-json", "ollama-native", "control", "reference-hf".
std::vector<std::string> arm_names();

// Creates an arm; an unknown name is an error of kind "unknown_arm".
Result<std::unique_ptr<Arm>> make_arm(std::string_view name, const RunSettings& settings);

}  // namespace bakeoff::arms
