// Arm A, ollama-json: POST /api/chat with tools; Ollama renders the prompt and parses the
// native tool calls back into JSON. The prompt it rendered is captured by replaying the same
// request with `_debug_render_only`.
#include <fmt/format.h>

#include <algorithm>

#include "arms/arm_support.h"
#include "arms/arms_internal.h"
#include "backends/ollama_client.h"

namespace bakeoff::arms {

void append_body(std::string& to, const std::string& body) {
  if (body.empty()) return;
  if (!to.empty()) to += '\n';
  to += body;
}

Result<Json> ollama_fingerprint(const backends::OllamaClient& client, const std::string& model,
                                Json& show_out) {
  auto version = client.version();
  if (!version) {
    const auto& e = version.error();
    std::string kind =
        e.kind == "connection_refused" || e.kind == "timeout" ? "env_missing" : "error:" + e.kind;
    return Error{kind, e.message};
  }
  Json facts = Json::object();
  facts["server_version"] = *version;
  facts["host"] = client.host();
  auto show = client.show(model);
  if (!show) return Error{"error:" + show.error().kind, show.error().message};
  show_out = *show;
  facts["capabilities"] = show->value("capabilities", Json::array());
  std::string digest;
  if (auto tags = client.tags(); tags && tags->contains("models") && (*tags)["models"].is_array()) {
    std::string full = model.find(':') == std::string::npos ? model + ":latest" : model;
    for (const Json& m : (*tags)["models"]) {
      if (m.value("name", "") == full || m.value("model", "") == full) {
        digest = m.value("digest", "");
      }
    }
  }
  facts["model_digest"] = digest;
  if (show->contains("details")) facts["details"] = (*show)["details"];
  return facts;
}

namespace {

class OllamaJsonArm final : public Arm {
 public:
  explicit OllamaJsonArm(RunSettings settings)
      : settings_(std::move(settings)),
        client_(backends::resolve_host(settings_.host), settings_.timeout_s) {}

  std::string_view name() const override { return "ollama-json"; }

  Result<Json> prepare() override {
    Json show;
    auto facts = ollama_fingerprint(client_, settings_.model, show);
    if (!facts) return facts;
    Json out = *facts;
    out["template_sha256"] = "";
    out["template_origin"] = "ollama:" + settings_.model;
    out["size_class"] = "";
    return out;
  }

  ArmStep step(const Json& messages, const Json& tools) override {
    ArmStep s;
    Json req = Json::object();
    req["model"] = settings_.model;
    req["messages"] = to_ollama_messages(messages);
    if (tools.is_array() && !tools.empty()) req["tools"] = tools;
    if (Json think = ollama_think(settings_.think); !think.is_null()) req["think"] = think;
    req["options"] = settings_.options_json();

    // Serialized once: the capture replay and the request itself differ only in fields appended
    // at the end.
    const std::string body = req.dump();
    if (settings_.capture_prompt) capture(body, s);

    auto reply =
        client_.chat_serialized(backends::with_fields(body, Json{{"stream", settings_.stream}}));
    if (!reply) {
      const auto& e = reply.error();
      append_body(s.request_body, e.request_body);
      append_body(s.response_body, e.response_body);
      s.halt = is_context_overflow_message(e.message) ? "context_overflow" : "error:" + e.kind;
      s.halt_detail = e.message;
      return s;
    }
    append_body(s.request_body, reply->request_body);
    append_body(s.response_body, reply->response_body);
    s.content = reply->content;
    s.thinking = reply->thinking;
    s.tool_calls = from_ollama_tool_calls(reply->tool_calls);
    take_reply_metrics(*reply, s);
    check_prompt_truncation(s, last_prompt_eval_count_, settings_.num_ctx);
    return s;
  }

  StoredTurn stored_turn(const ArmStep& step) const override {
    // Ollama's parser already separated thinking; there is no raw completion to take a prefix
    // from. The positive control re-adds the block the model's thinking would have been.
    std::string prefix;
    if (settings_.client_fault == "client-keep-channel-prefix" && !step.thinking.empty()) {
      prefix = "<|channel>thought\n" + step.thinking + "<channel|>";
    }
    return make_stored_turn(step, prefix, !prefix.empty());
  }

 private:
  void capture(const std::string& body, ArmStep& s) {
    auto reply = client_.chat_serialized(
        backends::with_fields(body, Json{{"_debug_render_only", true}, {"stream", false}}));
    if (!reply) {
      append_body(s.request_body, reply.error().request_body);
      append_body(s.response_body, reply.error().response_body);
      s.prompt_capture = "unsupported: " + reply.error().kind + ": " + reply.error().message;
      return;
    }
    append_body(s.request_body, reply->request_body);
    append_body(s.response_body, reply->response_body);
    const Json& info = reply->debug_info;
    if (info.is_object() && info.contains("rendered_template") &&
        info["rendered_template"].is_string()) {
      s.rendered_prompt = info["rendered_template"].get<std::string>();
      s.prompt_capture = "ok";
    } else {
      s.prompt_capture =
          "unsupported: the server ignored _debug_render_only (no _debug_info.rendered_template "
          "in its reply; Ollama < 0.11.5?)";
    }
  }

  RunSettings settings_;
  backends::OllamaClient client_;
  int64_t last_prompt_eval_count_ = 0;
};

}  // namespace

std::unique_ptr<Arm> make_ollama_json_arm(const RunSettings& settings) {
  return std::make_unique<OllamaJsonArm>(settings);
}

}  // namespace bakeoff::arms
