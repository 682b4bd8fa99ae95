// Arm reference-hf (path C of DESIGN.md): Hugging Face transformers in bf16 behind the
// JSON-lines bridge. The bridge renders the prompt with transformers' own apply_chat_template
// (an independent check of our Jinja rendering: a difference shows at the prompt layer) and
// completes it token by token with the HF modelling code; the harness parses the native syntax
// itself, exactly as for ollama-native.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "arms/arm_support.h"
#include "arms/arms_internal.h"
#include "backends/reference_bridge.h"
#include "formats/format.h"

namespace bakeoff::arms {

namespace {

std::string default_bridge_script() {
  if (const char* dir = std::getenv("BAKEOFF_BRIDGE_DIR"); dir != nullptr && *dir != '\0') {
    return (std::filesystem::path(dir) / "hf_reference.py").string();
  }
  return BAKEOFF_BRIDGE_DIR "/hf_reference.py";
}

class ReferenceHfArm final : public Arm {
 public:
  explicit ReferenceHfArm(RunSettings settings) : settings_(std::move(settings)) {}

  std::string_view name() const override { return "reference-hf"; }

  Result<Json> prepare() override {
    format_ = formats::find_format(settings_.format);
    if (format_ == nullptr) {
      return Error{"env_missing", fmt::format("unknown native format '{}'", settings_.format)};
    }
    if (settings_.reference_model.empty()) {
      return Error{"env_missing",
                   "reference-hf needs --reference-model DIR (an HF snapshot with weights, "
                   "tokenizer and chat template) and a Python with torch and transformers"};
    }
    std::string script =
        settings_.bridge_script.empty() ? default_bridge_script() : settings_.bridge_script;
    if (!std::filesystem::exists(script)) {
      return Error{"env_missing", fmt::format("reference bridge script not found: {} (set "
                                              "BAKEOFF_BRIDGE_DIR or --bridge-script)",
                                              script)};
    }
    backends::BridgeOptions options;
    options.argv = {settings_.bridge_python, script, "--model", settings_.reference_model};
    options.request_timeout_s = settings_.timeout_s;
    auto bridge = backends::ReferenceBridge::start(options);
    if (!bridge) {
      const auto& e = bridge.error();
      return Error{e.kind == "env_missing" ? "env_missing" : "error:" + e.kind, e.message};
    }
    bridge_ = std::move(bridge).value();
    const Json& info = bridge_->ready_info();
    Json facts = Json::object();
    facts["server_version"] =
        fmt::format("transformers {} / torch {} on {} ({})", info.value("transformers", "?"),
                    info.value("torch", "?"), info.value("device", "?"), info.value("dtype", "?"));
    facts["model_digest"] = info.value("model", settings_.reference_model);
    facts["template_sha256"] = info.value("chat_template_sha256", "");
    facts["template_origin"] = "hf:" + info.value("model", settings_.reference_model);
    facts["bridge"] = info;
    return facts;
  }

  ArmStep step(const Json& messages, const Json& tools) override {
    ArmStep s;
    if (!bridge_ || format_ == nullptr) {
      s.halt = "env_missing";
      s.halt_detail = "prepare() did not start the reference bridge";
      return s;
    }
    Json render = {{"op", "render"},
                   {"messages", messages},
                   {"tools", tools.is_array() && !tools.empty() ? tools : Json(nullptr)},
                   {"add_generation_prompt", true},
                   {"extra", Json::object()}};
    if (auto et = enable_thinking(settings_.think)) render["extra"]["enable_thinking"] = *et;
    append_body(s.request_body, render.dump());
    auto rendered = bridge_->call(render);
    if (!rendered) return halted(s, "template_error", rendered.error());
    append_body(s.response_body, rendered->dump());
    std::string prompt = rendered->value("prompt", "");
    s.rendered_prompt = prompt;
    s.prompt_capture = "ok";

    Json options = settings_.options_json();
    Json complete = {{"op", "complete"},
                     {"prompt", prompt},
                     {"max_new_tokens", settings_.num_predict},
                     {"stop", format_->stop_strings()},
                     {"temperature", options.value("temperature", 0.0)},
                     {"top_k", options.contains("top_k") ? options["top_k"] : Json(nullptr)},
                     {"top_p", options.contains("top_p") ? options["top_p"] : Json(nullptr)},
                     {"seed", options.value("seed", 0)}};
    append_body(s.request_body, complete.dump());
    auto done = bridge_->call(complete);
    if (!done) return halted(s, "sampler_error:" + done.error().kind, done.error());
    append_body(s.response_body, done->dump());
    s.prompt_eval_count = done->value("prompt_tokens", int64_t{0});
    s.eval_count = done->value("completion_tokens", int64_t{0});
    s.done_reason = done->value("stop_reason", "");
    if (done->contains("durations_ns") && (*done)["durations_ns"].is_object()) {
      const Json& d = (*done)["durations_ns"];
      s.prompt_eval_ns = d.value("prompt_eval", int64_t{0});
      s.eval_ns = d.value("eval", int64_t{0});
      s.total_ns = d.value("total", int64_t{0});
    }
    if (s.prompt_eval_count > settings_.num_ctx) {
      s.halt = "context_overflow";
      s.halt_detail = fmt::format("prompt of {} tokens exceeds num_ctx {}", s.prompt_eval_count,
                                  settings_.num_ctx);
      return s;
    }
    std::string raw = done->value("completion", "");
    s.completion_raw = raw;
    parse_native_completion(*format_, prompt, raw, s);
    return s;
  }

  StoredTurn stored_turn(const ArmStep& step) const override {
    return native_stored_turn(step, /*keep_channel_prefix=*/false);
  }

 private:
  static ArmStep& halted(ArmStep& s, std::string halt, const Error& e) {
    // A dead bridge is the environment going away, not the model misbehaving.
    s.halt = e.kind == "bridge_exited" ? "env_missing" : std::move(halt);
    s.halt_detail = fmt::format("{}: {}", e.kind, e.message);
    return s;
  }

  RunSettings settings_;
  const formats::Format* format_ = nullptr;
  std::unique_ptr<backends::ReferenceBridge> bridge_;
};

}  // namespace

std::unique_ptr<Arm> make_reference_hf_arm(const RunSettings& settings) {
  return std::make_unique<ReferenceHfArm>(settings);
}

}  // namespace bakeoff::arms
