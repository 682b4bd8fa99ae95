// Gemma 4 serialisation, transcribed from the 2026-07-09 canonical template's macros
// (format_argument, format_tool_response_block, format_parameters, format_function_declaration)
// and checked against Python jinja2 rendering that template (tests/gemma4_serialize_test.cpp).
// Jinja semantics kept: `{{ x }}` prints Python str(x); `| upper` upper-cases str(x) (a type
// list becomes "['STRING', 'NULL']"); a missing key is Undefined (falsy, prints ""); dictsort is
// a stable sort on str.lower() of the key.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/python_text.h"
#include "formats/gemma4.h"
#include "formats/gemma4_args.h"
#include "formats/python_text.h"

namespace bakeoff::formats::gemma4 {
namespace {

using detail::kQuote;

std::vector<std::pair<std::string, const Json*>> dictsort(const Json& object) {
  std::vector<std::pair<std::string, const Json*>> items;
  for (auto it = object.begin(); it != object.end(); ++it)
    items.emplace_back(it.key(), &it.value());
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return formats::detail::python_lower(a.first) < formats::detail::python_lower(b.first);
  });
  return items;
}

std::string python_string_repr(const std::string& s) {
  char quote = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out + quote;
}

std::string python_repr(const Json& v);

// Python str(x): what `{{ x }}` prints.
std::string python_str(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string:
      return v.get<std::string>();
    case Json::value_t::null:
      return "None";
    case Json::value_t::boolean:
      return v.get<bool>() ? "True" : "False";
    case Json::value_t::number_integer:
      return std::to_string(v.get<int64_t>());
    case Json::value_t::number_unsigned:
      return std::to_string(v.get<uint64_t>());
    case Json::value_t::number_float:
      return python_float_repr(v.get<double>());
    default:
      return python_repr(v);
  }
}

std::string python_repr(const Json& v) {
  if (v.is_string()) return python_string_repr(v.get<std::string>());
  if (v.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + python_repr(v[i]);
    return out + "]";
  }
  if (v.is_object()) {
    std::string out = "{";
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      out += (first ? "" : ", ") + python_string_repr(it.key()) + ": " + python_repr(it.value());
      first = false;
    }
    return out + "}";
  }
  return python_str(v);
}

// Python truthiness of a value; nullptr is Jinja's Undefined.
bool truthy(const Json* v) {
  if (v == nullptr || v->is_null()) return false;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string() || v->is_array() || v->is_object()) return !v->empty();
  if (v->is_number_float()) return v->get<double>() != 0.0;
  if (v->is_number_integer()) return v->get<int64_t>() != 0;
  return true;
}

// value['key'] in Jinja: Undefined (nullptr) unless value is a mapping holding key.
const Json* item(const Json* v, const char* key) {
  if (v == nullptr || !v->is_object()) return nullptr;
  auto it = v->find(key);
  return it == v->end() ? nullptr : &*it;
}

std::string ascii_upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  return s;
}

// `x | upper`: str(x).upper(); Undefined prints "".
std::string upper(const Json* v) {
  return v == nullptr ? "" : ascii_upper(python_str(*v));
}
std::string str(const Json* v) {
  return v == nullptr ? "" : python_str(*v);
}

std::string delimited(const std::string& s) {
  return std::string(kQuote) + s + std::string(kQuote);
}

void append_value(std::string& out, const Json& v, bool quote_keys) {
  switch (v.type()) {
    case Json::value_t::null:
      out += "null";
      return;
    case Json::value_t::string:
      out += delimited(v.get<std::string>());
      return;
    case Json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : dictsort(v)) {
        if (!first) out += ',';
        first = false;
        out += quote_keys ? delimited(key) : key;
        out += ':';
        append_value(out, *value, quote_keys);
      }
      out += '}';
      return;
    }
    case Json::value_t::array: {
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        append_value(out, v[i], quote_keys);
      }
      out += ']';
      return;
    }
    default:
      out += python_str(v);
      return;
  }
}

std::string required_list(const Json* list) {
  std::string out = "required:[";
  if (list != nullptr && list->is_array()) {
    for (size_t i = 0; i < list->size(); ++i) {
      if (i) out += ',';
      out += delimited(python_str((*list)[i]));
    }
  }
  return out + "]";
}

std::string format_parameters(const Json& properties, bool filter_keys);

// `{%- if add_comma %},{%- else -%}{%- set add_comma = true -%}{% endif -%}`
void comma(std::string& out, bool& add_comma) {
  if (add_comma) out += ',';
  add_comma = true;
}

std::string format_items(const Json& items) {
  std::string out = "items:{";
  bool found_first = false;
  for (const auto& [item_key, item_value] : dictsort(items)) {
    if (item_value->is_null()) continue;
    if (found_first) out += ',';
    found_first = true;
    if (item_key == "properties") {
      out += "properties:{";
      if (item_value->is_object()) out += format_parameters(*item_value, false);
      out += '}';
    } else if (item_key == "required") {
      out += required_list(item_value);
    } else if (item_key == "type") {
      out += "type:";
      if (item_value->is_string()) {
        append_value(out, Json(ascii_upper(item_value->get<std::string>())), true);
      } else {
        Json uppered = Json::array();
        if (item_value->is_array() || item_value->is_object())
          for (const auto& element : *item_value)
            uppered.push_back(ascii_upper(python_str(element)));
        append_value(out, uppered, true);
      }
    } else {
      out += item_key + ":";
      append_value(out, *item_value, true);
    }
  }
  return out + "}";
}

std::string format_parameters(const Json& properties, bool filter_keys) {
  static const std::vector<std::string> kStandardKeys = {"description", "type", "properties",
                                                         "required", "nullable"};
  std::string out;
  bool found_first = false;
  for (const auto& [key, value] : dictsort(properties)) {
    if (filter_keys &&
        std::find(kStandardKeys.begin(), kStandardKeys.end(), key) != kStandardKeys.end())
      continue;
    if (found_first) out += ',';
    found_first = true;
    out += key + ":{";
    bool add_comma = false;
    const Json* description = item(value, "description");
    if (truthy(description)) {
      out += "description:" + delimited(str(description));
      add_comma = true;
    }
    std::string type = upper(item(value, "type"));
    if (type == "STRING") {
      const Json* enumeration = item(value, "enum");
      if (truthy(enumeration)) {
        comma(out, add_comma);
        out += "enum:";
        append_value(out, *enumeration, true);
      }
    } else if (type == "ARRAY") {
      const Json* items = item(value, "items");
      if (items != nullptr && items->is_object() && !items->empty()) {
        comma(out, add_comma);
        out += format_items(*items);
      }
    }
    if (truthy(item(value, "nullable"))) {
      comma(out, add_comma);
      out += "nullable:true";
    }
    if (type == "OBJECT") {
      const Json* nested = item(value, "properties");
      if (nested != nullptr && nested->is_object()) {
        comma(out, add_comma);
        out += "properties:{" + format_parameters(*nested, false) + "}";
      } else if (value->is_object()) {
        comma(out, add_comma);
        out += "properties:{" + format_parameters(*value, true) + "}";
      }
      const Json* required = item(value, "required");
      if (truthy(required)) {
        comma(out, add_comma);
        out += required_list(required);
      }
    }
    comma(out, add_comma);
    out += "type:" + delimited(type) + "}";
  }
  return out;
}

std::string trim(std::string s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  size_t b = 0;
  while (b < s.size() && space(s[b])) ++b;
  size_t e = s.size();
  while (e > b && space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

}  // namespace

std::string serialize_value(const Json& value) {
  return serialize_value(value, false);
}

std::string serialize_value(const Json& value, bool quote_keys) {
  std::string out;
  append_value(out, value, quote_keys);
  return out;
}

std::string serialize_call(std::string_view name, const Json& arguments) {
  std::string out = "<|tool_call>call:" + std::string(name) + "{";
  if (arguments.is_object()) {
    bool first = true;
    for (const auto& [key, value] : dictsort(arguments)) {
      if (!first) out += ',';
      first = false;
      out += key + ":";
      append_value(out, *value, false);
    }
  } else if (!arguments.is_null()) {
    throw std::invalid_argument(
        "chat_template: tool_calls[].function.arguments must be a JSON object (mapping), not a "
        "string. Deserialize arguments before passing to the template.");
  }
  return out + "}<tool_call|>";
}

std::string serialize_tool_response(std::string_view name, const Json& response) {
  std::string out = "<|tool_response>response:" + std::string(name) + "{";
  if (response.is_object()) {
    bool first = true;
    for (const auto& [key, value] : dictsort(response)) {
      if (!first) out += ',';
      first = false;
      out += key + ":";
      append_value(out, *value, false);
    }
  } else {
    out += "value:";
    append_value(out, response, false);
  }
  return out + "}<tool_response|>";
}

std::string serialize_tool_declaration(const Json& tool) {
  const Json* function = item(&tool, "function");
  std::string out = "declaration:" + str(item(function, "name")) +
                    "{description:" + delimited(str(item(function, "description")));
  const Json* params = item(function, "parameters");
  if (truthy(params)) {
    out += ",parameters:{";
    const Json* properties = item(params, "properties");
    if (truthy(properties)) {
      if (!properties->is_object())
        throw std::invalid_argument("tool parameters.properties must be an object (dictsort)");
      out += "properties:{" + format_parameters(*properties, false) + "},";
    }
    const Json* required = item(params, "required");
    if (truthy(required)) out += required_list(required) + ",";
    const Json* type = item(params, "type");
    if (truthy(type)) out += "type:" + delimited(upper(type)) + "}";
  }
  if (function != nullptr && function->is_object() && function->contains("response")) {
    const Json* response = item(function, "response");
    out += ",response:{";
    const Json* description = item(response, "description");
    if (truthy(description)) out += "description:" + delimited(str(description)) + ",";
    if (upper(item(response, "type")) == "OBJECT")
      out += "type:" + delimited(upper(item(response, "type"))) + "}";
  }
  out += "}";
  return "<|tool>" + trim(out) + "<tool|>";
}

}  // namespace bakeoff::formats::gemma4
