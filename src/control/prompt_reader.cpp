#include "control/prompt_reader.h"

#include <string>

#include "control/native_parse.h"
#include "control/native_text.h"

namespace bakeoff::control {
namespace {

constexpr std::string_view kTurnOpen = "<|turn>";
constexpr std::string_view kTurnClose = "<turn|>";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

PromptTail tail_of(std::string_view p) {
  if (ends_with(p, "<|turn>model\n<|channel>thought\n<channel|>")) return PromptTail::kEmptyThought;
  if (ends_with(p, "<|turn>model\n")) return PromptTail::kOpenTurn;
  if (ends_with(p, "<|channel>thought\n")) return PromptTail::kInsideThought;
  if (ends_with(p, "<tool_response|>")) return PromptTail::kAfterResponse;
  if (ends_with(p, "<|tool_response>")) return PromptTail::kPendingResponse;
  return PromptTail::kOther;
}

// Walks one model turn body: thought channels, calls, responses and text.
void read_model_body(std::string_view body, PromptView& view) {
  size_t p = 0;
  bool in_group = false;
  bool had_call = false;
  std::string text;
  auto flush_text = [&] {
    if (!python_strip(text).empty()) {
      ++view.answers_after_user;
    }
    text.clear();
  };
  while (p < body.size()) {
    if (body.substr(p, 10) == "<|channel>") {
      size_t e = body.find("<channel|>", p);
      p = e == std::string_view::npos ? body.size() : e + 10;
      continue;
    }
    if (body.substr(p, 12) == "<|tool_call>") {
      flush_text();
      size_t e = body.find("<tool_call|>", p);
      std::string_view span =
          body.substr(p + 12, e == std::string_view::npos ? std::string_view::npos : e - p - 12);
      PromptCall call;
      size_t brace = span.find('{');
      if (span.substr(0, 5) == "call:" && brace != std::string_view::npos) {
        call.name = std::string(span.substr(5, brace - 5));
        NativeRead r = read_native_value(span, brace, true);
        if (r.ok && r.value.is_object()) call.arguments = r.value;
      }
      if (!in_group) view.call_groups.emplace_back();
      view.call_groups.back().push_back(std::move(call));
      in_group = true;
      had_call = true;
      p = e == std::string_view::npos ? body.size() : e + 12;
      continue;
    }
    if (body.substr(p, 16) == "<|tool_response>") {
      size_t e = body.find("<tool_response|>", p);
      std::string_view span =
          body.substr(p + 16, e == std::string_view::npos ? std::string_view::npos : e - p - 16);
      size_t brace = span.find('{');
      if (span.substr(0, 9) == "response:" && brace != std::string_view::npos) {
        std::string name(span.substr(9, brace - 9));
        NativeRead r = read_native_value(span, brace, true);
        if (r.ok && r.value.is_object()) {
          Json v = r.value;
          if (v.size() == 1 && v.contains("value") && v["value"].is_string()) {
            view.latest_results[name] = response_value(v["value"].get<std::string>());
          } else {
            view.latest_results[name] = v;
          }
        }
      }
      in_group = false;
      p = e == std::string_view::npos ? body.size() : e + 16;
      continue;
    }
    in_group = false;
    text.push_back(body[p]);
    ++p;
  }
  (void)had_call;
  flush_text();
}

}  // namespace

Json response_value(const std::string& body_text) {
  Json v = Json::parse(body_text, nullptr, false);
  if (v.is_discarded()) return Json(body_text);
  return v;
}

PromptView read_prompt(std::string_view prompt) {
  PromptView view;
  view.tail = tail_of(prompt);
  size_t p = 0;
  while (true) {
    size_t open = prompt.find(kTurnOpen, p);
    if (open == std::string_view::npos) break;
    size_t nl = prompt.find('\n', open);
    if (nl == std::string_view::npos) break;
    std::string role(prompt.substr(open + kTurnOpen.size(), nl - open - kTurnOpen.size()));
    size_t close = prompt.find(kTurnClose, nl + 1);
    // A model turn's body may contain user-looking text; the next turn opener bounds it too.
    size_t next_open = prompt.find(kTurnOpen, nl + 1);
    size_t end = std::min(close, next_open);
    std::string_view body = prompt.substr(
        nl + 1, end == std::string_view::npos ? std::string_view::npos : end - nl - 1);
    if (role == "system") {
      view.thinking_on = body.substr(0, 9) == "<|think|>";
      size_t t = 0;
      while ((t = body.find("<|tool>declaration:", t)) != std::string_view::npos) {
        t += 19;
        size_t b = body.find('{', t);
        if (b == std::string_view::npos) break;
        view.declared_tools.emplace_back(body.substr(t, b - t));
      }
    } else if (role == "user") {
      view.has_user = true;
      view.last_user = std::string(body);
      view.call_groups.clear();
      view.answers_after_user = 0;
    } else if (role == "model") {
      read_model_body(body, view);
    }
    if (end == std::string_view::npos) break;
    p = end == close ? close + kTurnClose.size() : end;
  }
  return view;
}

}  // namespace bakeoff::control
