#include "control/chat_renderer.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

namespace bakeoff::control {
namespace {

const std::string Q(kQuote);

// Jinja truthiness of a JSON value (undefined/absent is represented by nullptr).
bool truthy(const Json* v) {
  if (v == nullptr || v->is_null()) return false;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_number_integer()) return v->get<int64_t>() != 0;
  if (v->is_number_float()) return v->get<double>() != 0;
  if (v->is_string()) return !v->get_ref<const std::string&>().empty();
  return !v->empty();
}

const Json* field(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string str_of(const Json* v) {
  if (v == nullptr || v->is_null()) return v == nullptr ? "" : "None";
  if (v->is_string()) return v->get<std::string>();
  return v->dump();
}

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

// jinja's `x | upper` of a schema type: strings upper-cased, lists as Python's str(list).
std::string type_upper(const Json* t) {
  if (t == nullptr || t->is_null()) return t == nullptr ? "" : "NONE";
  if (t->is_string()) return upper(t->get<std::string>());
  if (t->is_array()) {
    std::string s = "[";
    bool first = true;
    for (const auto& x : *t) {
      if (!first) s += ", ";
      first = false;
      s += x.is_string() ? "'" + x.get<std::string>() + "'" : x.dump();
    }
    return upper(s + "]");
  }
  return upper(t->dump());
}

std::string string_list(const Json& items) {
  std::string out;
  bool first = true;
  if (!items.is_array()) return out;
  for (const auto& x : items) {
    if (!first) out += ',';
    first = false;
    out.append(Q).append(str_of(&x)).append(Q);
  }
  return out;
}

bool is_standard_key(const std::string& k) {
  return k == "description" || k == "type" || k == "properties" || k == "required" ||
         k == "nullable";
}

std::string schema_props(const Json& props, bool flat, const RenderFaults& f);

std::string schema_items(const Json& items, const RenderFaults& f) {
  std::string out;
  bool any = false;
  for (const auto& key : sorted_keys(items, f.values.bytewise_key_sort)) {
    const Json& val = items.at(key);
    if (val.is_null()) continue;
    if (any) out += ',';
    any = true;
    if (key == "properties") {
      out += "properties:{" + (val.is_object() ? schema_props(val, false, f) : "") + "}";
    } else if (key == "required") {
      out += "required:[" + string_list(val) + "]";
    } else if (key == "type") {
      if (val.is_string()) {
        out.append("type:").append(Q).append(upper(val.get<std::string>())).append(Q);
      } else {
        Json up = Json::array();
        for (const auto& x : val) up.push_back(upper(str_of(&x)));
        out += "type:" + native_value(up, true, f.values);
      }
    } else {
      out += key + ":" + native_value(val, true, f.values);
    }
  }
  return out;
}

std::string schema_props(const Json& props, bool flat, const RenderFaults& f) {
  std::string out;
  bool any = false;
  for (const auto& name : sorted_keys(props, f.values.bytewise_key_sort)) {
    // Ollama's isSchemaStandardKey skip applies at every level, not only to flattened objects.
    if ((flat || f.drop_standard_props) && is_standard_key(name)) continue;
    const Json& spec = props.at(name);
    if (any) out += ',';
    any = true;
    std::vector<std::string> parts;
    std::string kind = type_upper(field(spec, "type"));
    const Json* desc = field(spec, "description");
    if (truthy(desc))
      parts.push_back(std::string("description:").append(Q).append(str_of(desc)).append(Q));
    const Json* items = field(spec, "items");
    if (kind == "STRING" && truthy(field(spec, "enum"))) {
      parts.push_back("enum:" + native_value(spec.at("enum"), true, f.values));
    } else if (kind == "ARRAY" && items != nullptr && items->is_object() && !items->empty()) {
      parts.push_back("items:{" + schema_items(*items, f) + "}");
    }
    if (truthy(field(spec, "nullable"))) parts.push_back("nullable:true");
    if (kind == "OBJECT") {
      const Json* sub = field(spec, "properties");
      if (sub != nullptr && sub->is_object()) {
        parts.push_back("properties:{" + schema_props(*sub, false, f) + "}");
      } else if (spec.is_object()) {
        parts.push_back("properties:{" + schema_props(spec, true, f) + "}");
      }
      const Json* req = field(spec, "required");
      if (truthy(req)) parts.push_back("required:[" + string_list(*req) + "]");
    }
    parts.push_back(std::string("type:").append(Q).append(kind).append(Q));
    out += name + ":{";
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
    out += "}";
  }
  return out;
}

std::string without_thoughts(const std::string& text) {
  std::string acc;
  size_t pos = 0;
  while (true) {
    size_t close = text.find("<channel|>", pos);
    std::string piece =
        text.substr(pos, close == std::string::npos ? std::string::npos : close - pos);
    size_t open = piece.find("<|channel>");
    acc += open == std::string::npos ? piece : piece.substr(0, open);
    if (close == std::string::npos) break;
    pos = close + 10;
  }
  return python_strip(acc);
}

std::string role_of(const Json& m) {
  const Json* r = field(m, "role");
  return r != nullptr && r->is_string() ? r->get<std::string>() : "";
}

std::string response_block(const std::string& name, const Json& body, const RenderFaults& f) {
  std::string out = "<|tool_response>response:" + name + "{";
  if (body.is_object()) {
    bool first = true;
    for (const auto& k : sorted_keys(body, f.values.bytewise_key_sort)) {
      if (!first) out += ',';
      first = false;
      out += k + ":" + native_value(body.at(k), false, f.values);
    }
  } else {
    out += "value:" + native_value(body, false, f.values);
  }
  return out + "}<tool_response|>";
}

const Json* thinking_of(const Json& m) {
  for (const char* k : {"reasoning", "reasoning_content", "thinking"}) {
    const Json* t = field(m, k);
    if (truthy(t)) return t;
  }
  return nullptr;
}

}  // namespace

std::string render_declaration(const Json& tool, const RenderFaults& f) {
  const Json* fn = field(tool, "function");
  static const Json kEmpty = Json::object();
  const Json& func = fn != nullptr ? *fn : kEmpty;
  std::string out = "declaration:" + str_of(field(func, "name")) + "{description:" + Q +
                    str_of(field(func, "description")) + Q;
  const Json* params = field(func, "parameters");
  if (truthy(params)) {
    out += ",parameters:{";
    const Json* props = field(*params, "properties");
    if (truthy(props)) out += "properties:{" + schema_props(*props, false, f) + "},";
    const Json* req = field(*params, "required");
    if (truthy(req)) out += "required:[" + string_list(*req) + "],";
    const Json* type = field(*params, "type");
    // The template leaves `parameters` open when it has no type (R7); Ollama closes it, but
    // no fault models that, so we keep the template's bytes.
    if (truthy(type)) out += "type:" + Q + type_upper(type) + Q + "}";
  }
  const Json* resp = field(func, "response");
  if (resp != nullptr) {
    out += ",response:{";
    const Json* d = field(*resp, "description");
    if (truthy(d)) out += "description:" + Q + str_of(d) + Q + ",";
    if (type_upper(field(*resp, "type")) == "OBJECT") out += "type:" + Q + "OBJECT" + Q + "}";
  }
  return out + "}";
}

Result<std::string> render_chat_prompt(const Json& messages, const Json& tools,
                                       const ChatRenderOptions& options) {
  const RenderFaults& f = options.faults;
  if (!messages.is_array()) return Error{"bad_request", "messages must be an array"};
  auto trim_user = [&](const std::string& s) {
    return f.trim_unicode ? go_trim_space(s) : python_strip(s);
  };
  std::string out = "<bos>";
  bool first_sys = !messages.empty() &&
                   (role_of(messages[0]) == "system" || role_of(messages[0]) == "developer");
  bool has_tools = tools.is_array() && !tools.empty();
  if (options.think || has_tools || first_sys) {
    out += "<|turn>system\n";
    if (options.think) out += "<|think|>\n";
    if (first_sys) {
      const Json* c = field(messages[0], "content");
      if (c != nullptr && c->is_string()) {
        out += trim_user(c->get<std::string>());
      } else if (c != nullptr && c->is_array()) {
        for (const auto& part : *c) out += trim_user(str_of(field(part, "text"))) + " ";
      }
    }
    if (has_tools)
      for (const auto& tool : tools)
        out += "<|tool>" + python_strip(render_declaration(tool, f)) + "<tool|>";
    out += "<turn|>\n";
  }
  std::vector<const Json*> convo;
  for (size_t i = first_sys ? 1 : 0; i < messages.size(); ++i) convo.push_back(&messages[i]);
  int last_user = -1;
  for (size_t i = 0; i < convo.size(); ++i)
    if (role_of(*convo[i]) == "user") last_user = static_cast<int>(i);

  std::string last;  // "call" | "response" | ""
  std::optional<std::string> prev_role;
  for (size_t i = 0; i < convo.size(); ++i) {
    const Json& m = *convo[i];
    std::string mrole = role_of(m);
    if (mrole == "tool") continue;
    last.clear();
    std::string role = mrole == "assistant" ? "model" : mrole;
    const Json* calls = field(m, "tool_calls");
    bool has_calls = truthy(calls);
    if (!(role == "model" && prev_role == std::optional<std::string>("assistant")))
      out += "<|turn>" + role + "\n";
    const Json* thought = thinking_of(m);
    if (thought != nullptr && static_cast<int>(i) > last_user)
      out += "<|channel>thought\n" + str_of(thought) + "\n<channel|>";
    if (has_calls) {
      for (const auto& call : *calls) {
        const Json* fn = field(call, "function");
        if (fn == nullptr)
          return Error{"bad_request",
                       fmt::format("messages[{}].tool_calls: a call without function", i)};
        out += "<|tool_call>call:" + str_of(field(*fn, "name")) + "{";
        const Json* args = field(*fn, "arguments");
        if (args != nullptr && args->is_object()) {
          bool first = true;
          for (const auto& k : sorted_keys(*args, f.values.bytewise_key_sort)) {
            if (!first) out += ',';
            first = false;
            out += k + ":" + native_value(args->at(k), false, f.values);
          }
        } else if (args != nullptr && !args->is_null()) {
          return Error{
              "bad_request",
              fmt::format("messages[{}]: tool_calls[].function.arguments must be a JSON object",
                          i)};
        }
        out += "}<tool_call|>";
        last = "call";
      }
    }
    bool answered = false;
    if (has_calls) {
      for (size_t k = i + 1; k < convo.size() && role_of(*convo[k]) == "tool"; ++k) {
        const Json& reply = *convo[k];
        std::string name;
        if (f.tool_response_name) {
          // Ollama: tool_name, else the call whose id matches, else "unknown".
          name = str_of(field(reply, "tool_name"));
          if (name.empty()) name = str_of(field(reply, "name"));
          std::string want = str_of(field(reply, "tool_call_id"));
          if (name.empty() && !want.empty())
            for (const auto& call : *calls)
              if (str_of(field(call, "id")) == want) name = str_of(field(call["function"], "name"));
          if (name.empty()) name = "unknown";
        } else {
          // The template: `name` (Ollama's tool_name), then every call whose id equals the
          // reply's tool_call_id wins — with no ids, None == None, so the last call's name.
          const Json* n = field(reply, "name");
          if (!truthy(n)) n = field(reply, "tool_name");
          name = truthy(n) ? str_of(n) : "unknown";
          const Json* want = field(reply, "tool_call_id");
          bool want_none = want == nullptr || want->is_null();
          for (const auto& call : *calls) {
            const Json* id = field(call, "id");
            bool id_none = id == nullptr || id->is_null();
            if ((id_none && want_none) || (!id_none && !want_none && *id == *want))
              name = str_of(field(call["function"], "name"));
          }
        }
        const Json* body = field(reply, "content");
        static const Json kNull;
        if (body != nullptr && body->is_array()) {
          std::string text;
          for (const auto& part : *body)
            if (str_of(field(part, "type")) == "text") text += str_of(field(part, "text"));
          out += response_block(name, Json(text), f);
        } else {
          out += response_block(name, body != nullptr ? *body : kNull, f);
        }
        answered = true;
      }
    }
    if (answered) last = "response";
    std::string text;
    const Json* content = field(m, "content");
    if (content != nullptr && content->is_string()) {
      text = role == "model" ? without_thoughts(content->get<std::string>())
                             : trim_user(content->get<std::string>());
    } else if (content != nullptr && content->is_array()) {
      for (const auto& part : *content) {
        if (str_of(field(part, "type")) == "text") {
          std::string t = str_of(field(part, "text"));
          text += role == "model" ? without_thoughts(t) : trim_user(t);
        }
      }
    }
    out += text;
    std::optional<std::string> after;
    for (size_t k = i + 1; k < convo.size() && !after; ++k)
      if (role_of(*convo[k]) != "tool") after = role_of(*convo[k]);
    // The turn stays open when this model message continues into the next one, or when it ends
    // the prompt right after its tool responses (the model goes on in the same turn).
    bool continues = role == "model" && after == std::optional<std::string>("assistant") &&
                     (!has_calls || answered);
    bool open_after_responses = answered && python_strip(text).empty() && !after;
    if (last == "call") {
      out += "<|tool_response>";
    } else if (!continues && !open_after_responses) {
      out += "<turn|>\n";
    }
    prev_role = mrole;
  }
  if (last != "call" && last != "response") {
    out += "<|turn>model\n";
    if (options.large && !options.think) out += "<|channel>thought\n<channel|>";
  } else if (last == "response" && options.think) {
    out += "<|channel>thought\n";
  }
  return out;
}

}  // namespace bakeoff::control
