#include "control/faults.h"

#include <utility>

namespace bakeoff::control {
namespace {

FaultInfo fault(std::string id, std::string group, std::string description, std::string source,
                std::string layer, std::string task, int step, std::string think = "false",
                std::string model = "", std::string parameter = "") {
  return FaultInfo{std::move(id),
                   std::move(group),
                   std::move(description),
                   std::move(source),
                   std::move(layer),
                   std::move(task),
                   step,
                   std::move(think),
                   std::move(model),
                   std::move(parameter)};
}

}  // namespace

// Calibration task, layer and step agree with tasks/calibration.json (a test checks it).
const std::vector<FaultInfo>& fault_catalogue() {
  static const std::vector<FaultInfo> kFaults = {
      fault("render-key-sort-bytewise", "render",
            "sorts argument and property keys by byte order instead of case-insensitive dictsort",
            "Ollama renderer R1", "prompt", "cal-key-case", 1),
      fault("render-float-as-int", "render", "prints an integral float 2.0 as 2",
            "Ollama renderer R2", "prompt", "cal-float", 2),
      fault("render-exp-expanded", "render", "prints 1e+16 as 10000000000000000",
            "Ollama renderer R3", "prompt", "cal-exp", 2),
      fault("render-drop-standard-props", "render",
            "drops a tool property named type/description/required/properties/nullable",
            "Ollama renderer R5", "prompt", "cal-type-prop", 1),
      fault("render-tool-response-name", "render",
            "names tool responses from tool_name where the template uses the last call's name",
            "Ollama renderer R9", "prompt", "cal-parallel-noid", 2),
      fault("render-small-template-on-large", "render",
            "uses the E2B/E4B generation prompt for a 26B/31B model (no empty thought block)",
            "Ollama <= v0.20.5 and v0.20.8", "prompt", "memory", 1, "false", "gemma4:26b"),
      fault("render-think-default-on", "render", "treats an omitted think as true",
            "Ollama since v0.12.4", "prompt", "memory", 1, "unset"),
      fault("render-trim-unicode", "render",
            "trims user text with Go TrimSpace instead of Python str.strip (keeps \\x1c-\\x1f)",
            "Ollama renderer R13", "prompt", "cal-trim-unicode", 1),
      fault("render-double-bos", "render", "adds a BOS to a prompt that already has one",
            "llama.cpp #6982", "token_count", "memory", 1),
      fault("parse-drop-spaced-keys", "parse", "drops a call whose argument keys contain spaces",
            "Ollama #18390", "parse", "cal-spaced-keys", 1),
      fault("parse-drop-missing-brace", "parse", "drops a call that lacks only its final }",
            "Ollama #17562", "parse", "cal-missing-brace", 1),
      fault("parse-placeholder-collision", "parse",
            "drops a call with >= 45 strings followed by a string array", "Ollama #18354", "parse",
            "cal-placeholder", 1),
      fault("parse-call-inside-thinking", "parse",
            "treats a call opened before <channel|> as thinking", "Ollama PR #18307", "parse",
            "cal-think-call", 1, "true"),
      fault("parse-numbers-as-strings", "parse", "returns every bare value as a string",
            "vLLM #47906", "arguments", "cal-numbers", 1),
      fault("parse-big-int-float", "parse", "converts integers above 2^53 through a double",
            "Ollama float64", "arguments", "cal-big-int", 1),
      fault("parse-drop-trailing-content", "parse", "drops content after a call",
            "vLLM non-streaming", "parse", "cal-trailing-content", 1),
      fault("runtime-no-tool-response-stop", "runtime",
            "<|tool_response> is not a stop (neither token nor stop string): the model runs on and "
            "invents a tool response",
            "llama.cpp PR #21418", "completion", "memory", 1),
      fault("runtime-strip-special-tokens", "runtime",
            "raw /api/generate output comes back without control-token text (call:f{...} bare)",
            "Ollama >= v0.30 raw mode", "completion", "memory", 1),
      fault("runtime-numeric-drift", "runtime",
            "with probability P per step (runtime-numeric-drift:P, default 1) the model takes its "
            "second-best action, chosen from (seed, prompt digest)",
            "GGUF quantization, Ollama #5636", "completion", "movies", 1, "false", "", "P"),
      fault(
          "client-keep-channel-prefix", "client",
          "the harness keeps the <|channel>thought\\n<channel|> prefix in stored assistant content",
          "the seed's own arm-B bug", "prompt", "movies", 3, "true"),
      fault("client-wrong-size-template", "client",
            "the harness renders the E4B template for a 26B model", "the seed's interim sweep",
            "prompt", "memory", 1, "false", "gemma4:26b"),
  };
  return kFaults;
}

const FaultInfo* find_fault(std::string_view id) {
  std::string_view base = id.substr(0, id.find(':'));
  for (const auto& f : fault_catalogue())
    if (f.id == base) return &f;
  return nullptr;
}

}  // namespace bakeoff::control
