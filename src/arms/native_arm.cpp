// Arms B (ollama-native) and C (control): the harness renders the resolved canonical chat
// template itself, so the exact prompt bytes are ours; B completes it with Ollama's raw
// /api/generate, C with the in-process control model. Both parse the raw completion with the
// native format. Same template resolution and rendering, so B ≡ C when nothing is wrong.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "arms/arm_support.h"
#include "arms/arms_internal.h"
#include "backends/ollama_client.h"
#include "chat/chat_template.h"
#include "chat/template_resolution.h"
#include "control/control_model.h"
#include "formats/format.h"
#include "formats/gemma4.h"

namespace bakeoff::arms {

namespace {

constexpr std::string_view kThoughtOpen = "<|channel>thought\n";
constexpr std::string_view kChannelClose = "<channel|>";

class NativeArm final : public Arm {
 public:
  NativeArm(RunSettings settings, bool in_process)
      : settings_(std::move(settings)),
        in_process_(in_process),
        client_(backends::resolve_host(settings_.host),
                in_process ? std::min(settings_.timeout_s, 5.0) : settings_.timeout_s) {}

  std::string_view name() const override { return in_process_ ? "control" : "ollama-native"; }

  Result<Json> prepare() override {
    format_ = formats::find_format(settings_.format);
    if (format_ == nullptr) {
      return Error{"env_missing", fmt::format("unknown native format '{}'", settings_.format)};
    }
    Json facts = Json::object();
    std::optional<Json> show;
    if (in_process_) {
      facts["server_version"] = "in-process control model";
      facts["model_digest"] = "";
      // No server is needed, but one that knows the model still names its GGUF.
      if (auto s = client_.show(settings_.model)) show = *s;
    } else {
      Json show_json;
      auto f = ollama_fingerprint(client_, settings_.model, show_json);
      if (!f) return f;
      facts = *f;
      show = show_json;
    }
    chat::ResolveInputs in;
    in.model = settings_.model;
    in.template_file = settings_.template_file;
    in.show = show;
    in.hf_snapshot = settings_.hf_snapshot;
    auto resolved = chat::resolve_template(in);
    if (!resolved) return Error{resolved.error().kind, resolved.error().message};
    resolved_ = std::move(resolved).value();
    auto compiled = chat::ChatTemplate::compile(resolved_.text);
    if (!compiled) {
      return Error{"template_error", fmt::format("template from {}: {}", resolved_.origin,
                                                 compiled.error().to_string())};
    }
    template_.emplace(std::move(compiled).value());
    warnings_ = resolved_.warnings;
    if (settings_.client_fault == "client-wrong-size-template") {
      // The positive control: the other class's generation prompt for this model, as the seed's
      // interim sweep rendered the E4B template for a 26B model.
      std::string model_class = resolved_.model_size_class.empty() ? resolved_.template_size_class
                                                                   : resolved_.model_size_class;
      wrong_size_class_ = model_class == "small" ? "large" : "small";
      warnings_.push_back(
          fmt::format("client fault: rendering the {} generation prompt for a {} model on purpose",
                      wrong_size_class_, model_class.empty() ? "unknown-size" : model_class));
    }
    for (const auto& w : warnings_) fmt::print(stderr, "bakeoff: warning: {}\n", w);
    facts["template_sha256"] = resolved_.sha256;
    facts["template_origin"] = resolved_.origin;
    facts["size_class"] = resolved_.model_size_class;
    facts["size_class_evidence"] = resolved_.size_class_evidence;
    facts["template_size_class"] = resolved_.template_size_class;
    facts["template_tried"] = resolved_.tried;
    return facts;
  }

  ArmStep step(const Json& messages, const Json& tools) override {
    ArmStep s;
    if (!template_ || format_ == nullptr) {
      s.halt = "env_missing";
      s.halt_detail = "prepare() did not resolve a template";
      return s;
    }
    chat::ChatRequest req;
    req.messages = messages;
    if (tools.is_array() && !tools.empty()) req.tools = tools;
    req.add_generation_prompt = true;
    req.bos_token = "<bos>";
    req.eos_token = "<eos>";
    if (auto et = enable_thinking(settings_.think)) req.extra["enable_thinking"] = *et;
    auto prompt = template_->render(req);
    if (!prompt) {
      s.halt = "template_error";
      s.halt_detail =
          fmt::format("template from {}: {}", resolved_.origin, prompt.error().to_string());
      return s;
    }
    if (!wrong_size_class_.empty()) {
      *prompt = with_generation_prompt_class(std::move(*prompt), wrong_size_class_);
    }
    s.rendered_prompt = *prompt;
    s.prompt_capture = "ok";
    Json options = settings_.options_json();
    options["stop"] = format_->stop_strings();
    std::string raw;
    if (in_process_) {
      if (!complete_in_process(*prompt, options, s, raw)) return s;
    } else {
      if (!complete_with_ollama(*prompt, options, s, raw)) return s;
    }
    s.completion_raw = raw;
    parse_native_completion(*format_, *prompt, raw, s);
    return s;
  }

  StoredTurn stored_turn(const ArmStep& step) const override {
    return native_stored_turn(step, settings_.client_fault == "client-keep-channel-prefix");
  }

  std::vector<std::string> warnings() const override { return warnings_; }

 private:
  bool complete_in_process(const std::string& prompt, const Json& options, ArmStep& s,
                           std::string& raw) {
    control::SamplingOptions so;
    so.temperature = options.value("temperature", 0.0);
    if (options.contains("seed")) so.seed = options["seed"].get<int64_t>();
    so.num_predict = settings_.num_predict;
    so.stop = options["stop"].get<std::vector<std::string>>();
    Json request = {{"in_process", "control::complete"},
                    {"model", settings_.model},
                    {"prompt", prompt},
                    {"options", options}};
    s.request_body = request.dump();
    control::Completion c = control::complete(prompt, so);
    s.response_body = Json{
        {"text", c.text},
        {"prompt_tokens", c.prompt_tokens},
        {"completion_tokens", c.completion_tokens},
        {"done_reason",
         c.done_reason}}.dump();
    s.prompt_eval_count = c.prompt_tokens;
    s.eval_count = c.completion_tokens;
    s.done_reason = c.done_reason;
    if (c.prompt_tokens > settings_.num_ctx) {
      s.halt = "context_overflow";
      s.halt_detail = fmt::format("prompt of {} tokens (control tokenizer) exceeds num_ctx {}",
                                  c.prompt_tokens, settings_.num_ctx);
      return false;
    }
    raw = c.text;
    return true;
  }

  bool complete_with_ollama(const std::string& prompt, const Json& options, ArmStep& s,
                            std::string& raw) {
    Json req = Json::object();
    req["model"] = settings_.model;
    req["prompt"] = prompt;
    if (settings_.restore_markers) {
      // §3.3 workaround: templated generate keeps the builtin parser, so control tokens are
      // rendered; per-token logprobs give the raw text back.
      req["template"] = "{{ .Prompt }}";
      req["logprobs"] = true;
    } else {
      req["raw"] = true;
    }
    if (Json think = ollama_think(settings_.think); !think.is_null()) req["think"] = think;
    req["options"] = options;
    auto reply = client_.generate(req, settings_.stream);
    if (!reply) {
      const auto& e = reply.error();
      s.request_body = e.request_body;
      s.response_body = e.response_body;
      s.halt = is_context_overflow_message(e.message) ? "context_overflow" : "error:" + e.kind;
      s.halt_detail = e.message;
      return false;
    }
    s.request_body = reply->request_body;
    s.response_body = reply->response_body;
    take_reply_metrics(*reply, s);
    raw = reply->content;
    if (settings_.restore_markers) {
      if (reply->has_logprobs && !reply->logprob_text.empty()) {
        raw = reply->logprob_text;
      } else {
        raw = rebuild_from_parsed(*reply);
      }
    } else if (!reply->thinking.empty()) {
      // Ollama split thinking off even in raw mode (think on): put the channel back so the raw
      // completion reads as the model wrote it.
      raw = std::string(kThoughtOpen) + reply->thinking + std::string(kChannelClose) + raw;
    }
    check_context(prompt, s);
    return !s.halt;
  }

  // Without logprobs the parsed reply is re-serialised natively; said once in the warnings.
  std::string rebuild_from_parsed(const backends::Reply& reply) {
    std::string note =
        "--restore-markers: the server returned no logprobs; raw completions are rebuilt from "
        "Ollama's parsed thinking, content and tool calls";
    if (std::find(warnings_.begin(), warnings_.end(), note) == warnings_.end()) {
      warnings_.push_back(note);
    }
    std::string out;
    if (!reply.thinking.empty()) {
      out += std::string(kThoughtOpen) + reply.thinking + std::string(kChannelClose);
    }
    out += reply.content;
    for (const auto& call : from_ollama_tool_calls(reply.tool_calls)) {
      out += format_->serialize_call(call);
    }
    return out;
  }

  // A prompt far beyond num_ctx that the server evaluated short was truncated (server-apis
  // §1.9): say so rather than compare a prompt the model never saw.
  void check_context(const std::string& prompt, ArmStep& s) {
    int64_t estimate = control::count_tokens(prompt);
    if (s.prompt_eval_count > 0 && estimate > settings_.num_ctx &&
        s.prompt_eval_count < estimate * 7 / 10) {
      s.halt = "context_overflow";
      s.halt_detail = fmt::format(
          "prompt of about {} tokens exceeds num_ctx {}; the server evaluated only {} (truncated)",
          estimate, settings_.num_ctx, s.prompt_eval_count);
      return;
    }
    check_prompt_truncation(s, last_prompt_eval_count_, settings_.num_ctx);
  }

  RunSettings settings_;
  bool in_process_;
  backends::OllamaClient client_;
  const formats::Format* format_ = nullptr;
  chat::ResolvedTemplate resolved_;
  std::optional<chat::ChatTemplate> template_;
  std::vector<std::string> warnings_;
  int64_t last_prompt_eval_count_ = 0;
  std::string wrong_size_class_;  // set only under client-wrong-size-template
};

}  // namespace

std::unique_ptr<Arm> make_native_arm(const RunSettings& settings, bool in_process) {
  return std::make_unique<NativeArm>(settings, in_process);
}

}  // namespace bakeoff::arms
