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
  Json tools;  // null (the template sees None, as transformers passes it) or an array
  bool add_generation_prompt = false;
  std::string bos_token;
  std::string eos_token;
  Json extra = Json::object();  // further top-level variables: enable_thinking, preserve_thinking…
};

// The template's whole context, in transformers' order: messages, tools (None when absent),
// documents (None), add_generation_prompt, bos_token, eos_token, then `extra` (which may override
// any of them, as apply_chat_template's kwargs do).
Json build_context(const ChatRequest& request);

// OpenAI clients send tool_calls[].function.arguments as a JSON *string*; HF templates iterate
// an object. Returns a copy of `messages` where every such string that parses as a JSON object is
// replaced by that object (as transformers users do before apply_chat_template). Strings that are
// not JSON objects are kept as they are. Error: `messages` is not an array.
Result<Json> decode_openai_arguments(const Json& messages);

// A template compiled once for many renders.
class ChatTemplate {
 public:
  // `options` defaults to transformers' environment (trim_blocks, lstrip_blocks); pass
  // options.fixed_now_epoch_s for reproducible strftime_now.
  static Result<ChatTemplate, jinja::TemplateError> compile(std::string_view source,
                                                            jinja::Options options = {});
  Result<std::string, jinja::TemplateError> render(const ChatRequest& request) const;
  // Renders a context made by build_context (possibly edited): build it once to render the same
  // conversation many times without copying messages and tools on every call.
  Result<std::string, jinja::TemplateError> render_context(const Json& context) const;
  const std::string& source() const { return source_; }

 private:
  ChatTemplate(jinja::Template t, std::string source)
      : tpl_(std::move(t)), source_(std::move(source)) {}
  jinja::Template tpl_;
  std::string source_;
};

}  // namespace bakeoff::chat
