// Chat-template rendering exactly as transformers' apply_chat_template calls it: the same
// variable names (messages, tools, add_generation_prompt, bos_token, eos_token, plus extras such
// as enable_thinking), the same Jinja environment.
#pragma once
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/result.h"
#include "jinja/jinja.h"

namespace bakeoff::chat {

struct ChatRequest {
  Json messages = Json::array();  // OpenAI/HF-style messages (see docs/ARCHITECTURE.md)
  Json tools;                     // null (omitted: the template sees it undefined) or an array
  bool add_generation_prompt = false;
  std::string bos_token;
  std::string eos_token;
  Json extra = Json::object();    // further top-level variables: enable_thinking, preserve_thinking…
};

// A template compiled once for many renders.
class ChatTemplate {
 public:
  static Result<ChatTemplate, jinja::TemplateError> compile(std::string_view source);
  Result<std::string, jinja::TemplateError> render(const ChatRequest& request) const;
  const std::string& source() const { return source_; }

 private:
  ChatTemplate(jinja::Template t, std::string source) : tpl_(std::move(t)), source_(std::move(source)) {}
  jinja::Template tpl_;
  std::string source_;
};

}  // namespace bakeoff::chat
