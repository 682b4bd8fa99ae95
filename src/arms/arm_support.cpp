#include "arms/arm_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "formats/gemma4.h"

namespace bakeoff::arms {

namespace {

constexpr std::string_view kChannelOpen = "<|channel>";
constexpr std::string_view kChannelClose = "<channel|>";
constexpr std::string_view kThoughtOpen = "<|channel>thought\n";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A JSON-object string decoded, anything else as given.
Json object_arguments(const Json& args) {
  if (args.is_string()) {
    try {
      Json parsed = Json::parse(args.get<std::string>());
      if (parsed.is_object()) return parsed;
    } catch (const Json::exception&) {
      // Not JSON: keep the string; the template or server will say what it thinks of it.
    }
  }
  if (args.is_null()) return Json::object();
  return args;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
}

}  // namespace

Json ollama_think(std::string_view think) {
  if (think == "false") return false;
  if (think == "true") return true;
  if (think == "unset" || think.empty()) return nullptr;
  return std::string(think);
}

std::optional<bool> enable_thinking(std::string_view think) {
  if (think == "unset" || think.empty()) return std::nullopt;
  return think != "false";
}

Json to_ollama_messages(const Json& messages) {
  Json out = Json::array();
  if (!messages.is_array()) return out;
  for (const Json& m : messages) {
    if (!m.is_object()) {
      out.push_back(m);
      continue;
    }
    std::string role = m.value("role", "");
    Json o = Json::object();
    o["role"] = role;
    o["content"] = m.contains("content") && m["content"].is_string() ? m["content"] : Json("");
    if (role == "tool") {
      std::string name = m.value("tool_name", m.value("name", ""));
      if (!name.empty()) o["tool_name"] = name;
      if (m.contains("tool_call_id") && m["tool_call_id"].is_string()) {
        o["tool_call_id"] = m["tool_call_id"];
      }
    } else if (role == "assistant") {
      for (const char* key : {"thinking", "reasoning_content", "reasoning"}) {
        if (m.contains(key) && m[key].is_string() && !m[key].get<std::string>().empty()) {
          o["thinking"] = m[key];
          break;
        }
      }
      if (m.contains("tool_calls") && m["tool_calls"].is_array() && !m["tool_calls"].empty()) {
        Json calls = Json::array();
        for (const Json& c : m["tool_calls"]) {
          Json call = Json::object();
          if (c.contains("id") && c["id"].is_string()) call["id"] = c["id"];
          const Json& f = c.contains("function") ? c["function"] : c;
          call["function"] = {{"name", f.value("name", "")},
                              {"arguments", object_arguments(f.value("arguments", Json()))}};
          calls.push_back(std::move(call));
        }
        o["tool_calls"] = std::move(calls);
      }
    }
    if (m.contains("images")) o["images"] = m["images"];
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<formats::ToolCall> from_ollama_tool_calls(const Json& tool_calls) {
  std::vector<formats::ToolCall> out;
  if (!tool_calls.is_array()) return out;
  for (const Json& c : tool_calls) {
    formats::ToolCall call;
    if (c.contains("id") && c["id"].is_string()) call.id = c["id"].get<std::string>();
    const Json& f = c.contains("function") ? c["function"] : c;
    call.name = f.value("name", "");
    call.arguments = object_arguments(f.value("arguments", Json()));
    call.raw = c.dump();
    out.push_back(std::move(call));
  }
  return out;
}

std::string leading_channel_block(std::string_view completion) {
  size_t start = 0;
  while (start < completion.size() &&
         std::isspace(static_cast<unsigned char>(completion[start])) != 0) {
    ++start;
  }
  if (completion.substr(start, kChannelOpen.size()) != kChannelOpen) return "";
  size_t close = completion.find(kChannelClose, start);
  if (close == std::string_view::npos) return std::string(completion.substr(start));
  return std::string(completion.substr(start, close + kChannelClose.size() - start));
}

Arm::StoredTurn make_stored_turn(const ArmStep& step, std::string_view channel_prefix,
                                 bool keep_channel_prefix) {
  Arm::StoredTurn turn;
  Json msg = Json::object();
  msg["role"] = "assistant";
  std::string content = step.content;
  if (!channel_prefix.empty()) {
    if (keep_channel_prefix) {
      content = std::string(channel_prefix) + content;
      turn.hygiene.push_back(
          fmt::format("kept thinking-channel prefix ({} bytes) on purpose: client fault "
                      "client-keep-channel-prefix",
                      channel_prefix.size()));
    } else {
      turn.hygiene.push_back(
          fmt::format("dropped thinking-channel prefix ({} bytes)", channel_prefix.size()));
    }
  }
  msg["content"] = content;
  if (!step.tool_calls.empty()) {
    Json calls = Json::array();
    for (const auto& c : step.tool_calls) {
      Json call = Json::object();
      if (!c.id.empty()) call["id"] = c.id;
      call["type"] = "function";
      call["function"] = {{"name", c.name}, {"arguments", c.arguments}};
      calls.push_back(std::move(call));
    }
    msg["tool_calls"] = std::move(calls);
  }
  if (!step.thinking.empty()) {
    turn.hygiene.push_back(fmt::format("dropped thinking ({} bytes)", step.thinking.size()));
  }
  turn.message = std::move(msg);
  return turn;
}

std::optional<formats::ParseIssue> detect_markers_stripped(std::string_view completion) {
  bool any_marker = completion.find("<|") != std::string_view::npos ||
                    completion.find("|>") != std::string_view::npos;
  if (any_marker) return std::nullopt;
  for (size_t at = completion.find("call:"); at != std::string_view::npos;
       at = completion.find("call:", at + 1)) {
    if (at > 0 && is_name_char(completion[at - 1])) continue;
    size_t p = at + 5;
    size_t name_start = p;
    while (p < completion.size() && is_name_char(completion[p])) ++p;
    if (p > name_start && p < completion.size() && completion[p] == '{') {
      return formats::ParseIssue{
          at, fmt::format("`call:{}{{` without <|tool_call> and no control token anywhere: the "
                          "server stripped special-token text from the raw completion (reference "
                          "gemma4-format §3.3); --restore-markers uses the templated-generate "
                          "workaround",
                          completion.substr(name_start, p - name_start))};
    }
  }
  if (completion.substr(0, 8) == "thought\n") {
    return formats::ParseIssue{
        0,
        "completion opens with a bare `thought\\n` and no control token: the server stripped "
        "<|channel> (reference gemma4-format §3.3)"};
  }
  return std::nullopt;
}

bool is_context_overflow_message(std::string_view message) {
  for (std::string_view needle :
       {"context length", "exceeds the available context", "exceed_context_size", "context size",
        "prompt is too long", "input is too long"}) {
    if (message.find(needle) != std::string_view::npos) return true;
  }
  return false;
}

void parse_native_completion(const formats::Format& format, std::string_view prompt,
                             std::string_view raw, ArmStep& step) {
  formats::ParsedCompletion parsed;
  if (format.name() == "gemma4") {
    formats::gemma4::ParseOptions po;
    po.starts_in_thinking = ends_with(prompt, kThoughtOpen);
    parsed = formats::gemma4::parse(raw, po);
  } else {
    parsed = format.parse(raw);
  }
  step.content = std::move(parsed.content);
  step.thinking = std::move(parsed.thinking);
  step.tool_calls = std::move(parsed.tool_calls);
  step.parse_errors = std::move(parsed.errors);
  step.markers_stripped = parsed.markers_stripped;
  if (!step.markers_stripped) {
    if (auto issue = detect_markers_stripped(raw)) {
      step.markers_stripped = true;
      step.parse_errors.push_back(*issue);
    }
  }
}

Arm::StoredTurn native_stored_turn(const ArmStep& step, bool keep_channel_prefix) {
  std::string prefix;
  if (step.completion_raw) {
    bool started_in_thinking =
        step.rendered_prompt && ends_with(*step.rendered_prompt, kThoughtOpen);
    if (started_in_thinking) {
      size_t close = step.completion_raw->find(kChannelClose);
      if (close != std::string::npos) {
        prefix = step.completion_raw->substr(0, close + kChannelClose.size());
      }
    } else {
      prefix = leading_channel_block(*step.completion_raw);
    }
  }
  return make_stored_turn(step, prefix, keep_channel_prefix);
}

std::string with_generation_prompt_class(std::string prompt, std::string_view size_class) {
  static constexpr std::string_view kModelTurn = "<|turn>model\n";
  static constexpr std::string_view kEmptyThought = "<|channel>thought\n<channel|>";
  const bool large_now = ends_with(prompt, std::string(kModelTurn) + std::string(kEmptyThought));
  if (size_class == "small" && large_now) {
    prompt.resize(prompt.size() - kEmptyThought.size());
  } else if (size_class == "large" && !large_now && ends_with(prompt, kModelTurn)) {
    prompt += kEmptyThought;
  }
  return prompt;
}

void take_reply_metrics(const backends::Reply& reply, ArmStep& step) {
  step.prompt_eval_count = reply.prompt_eval_count;
  step.eval_count = reply.eval_count;
  step.total_ns = reply.total_duration;
  step.load_ns = reply.load_duration;
  step.prompt_eval_ns = reply.prompt_eval_duration;
  step.eval_ns = reply.eval_duration;
  step.done_reason = reply.done_reason;
}

void check_prompt_truncation(ArmStep& step, int64_t& longest, int num_ctx) {
  if (longest >= num_ctx / 2 && step.prompt_eval_count > 0 && step.prompt_eval_count < longest) {
    step.halt = "context_overflow";
    step.halt_detail = fmt::format(
        "prompt_eval_count fell from {} to {} although the history grew: the server truncated "
        "the prompt to fit num_ctx {}",
        longest, step.prompt_eval_count, num_ctx);
  }
  longest = std::max(longest, step.prompt_eval_count);
}

}  // namespace bakeoff::arms
