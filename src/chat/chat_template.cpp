#include "chat/chat_template.h"

#include <utility>

namespace bakeoff::chat {

Json build_context(const ChatRequest& request) {
  Json context = Json::object();
  context["messages"] = request.messages;
  // transformers' render_jinja_template always passes tools and documents, None when absent:
  // `tools is defined` is true and `tools is none` too. Leaving them out would differ there.
  context["tools"] = request.tools.is_null() ? Json(nullptr) : request.tools;
  context["documents"] = nullptr;
  context["add_generation_prompt"] = request.add_generation_prompt;
  context["bos_token"] = request.bos_token;
  context["eos_token"] = request.eos_token;
  if (request.extra.is_object()) {
    for (const auto& [name, value] : request.extra.items()) context[name] = value;
  }
  return context;
}

Result<Json> decode_openai_arguments(const Json& messages) {
  if (!messages.is_array()) {
    return Error{"invalid_messages", "messages must be a JSON array of message objects"};
  }
  Json out = messages;
  for (auto& message : out) {
    if (!message.is_object()) continue;
    auto calls = message.find("tool_calls");
    if (calls == message.end() || !calls->is_array()) continue;
    for (auto& call : *calls) {
      if (!call.is_object()) continue;
      auto function = call.find("function");
      if (function == call.end() || !function->is_object()) continue;
      auto arguments = function->find("arguments");
      if (arguments == function->end() || !arguments->is_string()) continue;
      Json decoded = Json::parse(arguments->get_ref<const std::string&>(), nullptr,
                                 /*allow_exceptions=*/false);
      if (decoded.is_object()) *arguments = std::move(decoded);
    }
  }
  return out;
}

Result<ChatTemplate, jinja::TemplateError> ChatTemplate::compile(std::string_view source,
                                                                 jinja::Options options) {
  auto compiled = jinja::Template::compile(source, options);
  if (!compiled) return compiled.error();
  return ChatTemplate(std::move(compiled).value(), std::string(source));
}

Result<std::string, jinja::TemplateError> ChatTemplate::render(const ChatRequest& request) const {
  return tpl_.render(build_context(request));
}

Result<std::string, jinja::TemplateError> ChatTemplate::render_context(const Json& context) const {
  return tpl_.render(context);
}

}  // namespace bakeoff::chat
