#include "tasks/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <variant>
#include <vector>

namespace bakeoff::tasks {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

Json invalid(std::string_view arg, std::string reason) {
  return Json{
      {"error", "invalid_argument"}, {"arg", std::string(arg)}, {"reason", std::move(reason)}};
}

// Counts code points, so a minLength holds for "é" as for "e".
size_t utf8_length(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string type_of(const Json& schema) {
  if (!schema.is_object()) return "";
  auto it = schema.find("type");
  return it != schema.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<Json> parse_integer_text(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.front() == '-') {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
    return Json(v);
  }
  std::string_view digits = text.front() == '+' ? text.substr(1) : text;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size())
    return std::nullopt;
  if (v <= static_cast<uint64_t>(INT64_MAX)) return Json(static_cast<int64_t>(v));
  return Json(v);
}

std::optional<Json> parse_number_text(const std::string& text) {
  if (auto as_int = parse_integer_text(text)) return as_int;
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v))
    return std::nullopt;
  return Json(v);
}

// Normalises one value to the property's type; an error object when it cannot.
std::variant<Json, Json> normalise_value(std::string_view arg, const Json& schema,
                                         const Json& value);

std::variant<Json, Json> normalise_typed(std::string_view arg, const Json& schema,
                                         const Json& value) {
  const std::string type = type_of(schema);
  using R = std::variant<Json, Json>;
  auto fail = [&](std::string reason) {
    return R(std::in_place_index<1>, invalid(arg, std::move(reason)));
  };
  auto pass = [](Json v) { return R(std::in_place_index<0>, std::move(v)); };
  if (type == "string") {
    if (value.is_string()) return pass(normalise_text(value.get_ref<const std::string&>()));
    if (value.is_number() || value.is_boolean()) return pass(normalise_text(value.dump()));
    return fail("expected a string");
  }
  if (type == "integer") {
    if (value.is_number_integer()) return pass(value);
    if (value.is_number_float()) {
      double d = value.get<double>();
      if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18)
        return pass(Json(static_cast<int64_t>(d)));
      return fail(fmt::format("expected an integer, got {}", value.dump()));
    }
    if (value.is_string()) {
      if (auto v = parse_integer_text(normalise_text(value.get_ref<const std::string&>())))
        return pass(*v);
      return fail(fmt::format("expected an integer, got {}", compact_json(value)));
    }
    return fail("expected an integer");
  }
  if (type == "number") {
    if (value.is_number()) return pass(value);
    if (value.is_string()) {
      if (auto v = parse_number_text(normalise_text(value.get_ref<const std::string&>())))
        return pass(*v);
      return fail(fmt::format("expected a number, got {}", compact_json(value)));
    }
    return fail("expected a number");
  }
  if (type == "boolean") {
    if (value.is_boolean()) return pass(value);
    if (value.is_string()) {
      std::string s = fold_case(normalise_text(value.get_ref<const std::string&>()));
      if (s == "true") return pass(Json(true));
      if (s == "false") return pass(Json(false));
    }
    return fail("expected true or false");
  }
  if (type == "array") {
    if (!value.is_array()) return fail("expected an array");
    Json out = Json::array();
    const Json items = schema.contains("items") ? schema["items"] : Json::object();
    for (size_t i = 0; i < value.size(); ++i) {
      auto r = normalise_value(fmt::format("{}[{}]", arg, i), items, value[i]);
      if (r.index() == 1) return r;
      out.push_back(std::get<0>(std::move(r)));
    }
    return pass(std::move(out));
  }
  if (type == "object") {
    if (!value.is_object()) return fail("expected an object");
    if (!schema.contains("properties")) return pass(value);
    ArgCheck nested = check_args(schema, value);
    if (nested.error) return R(std::in_place_index<1>, *nested.error);
    return pass(std::move(nested.args_norm));
  }
  // Untyped: strings are still normalised so equivalent spellings compare equal.
  if (value.is_string()) return pass(normalise_text(value.get_ref<const std::string&>()));
  return pass(value);
}

std::optional<Json> check_constraints(std::string_view arg, const Json& schema, const Json& v) {
  if (!schema.is_object()) return std::nullopt;
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (auto it = schema.find("minLength");
        it != schema.end() && it->is_number_unsigned() && utf8_length(s) < it->get<uint64_t>())
      return invalid(arg, fmt::format("shorter than {} characters", it->get<uint64_t>()));
    if (auto it = schema.find("pattern"); it != schema.end() && it->is_string()) {
      try {
        if (!std::regex_search(s, std::regex(it->get<std::string>())))
          return invalid(arg, fmt::format("does not match the pattern {}", it->get<std::string>()));
      } catch (const std::regex_error&) {
        return invalid(arg, "the declared pattern is not a valid regular expression");
      }
    }
    if (auto it = schema.find("format"); it != schema.end() && *it == "uri") {
      static const std::regex uri(R"(^[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+[^\s]*$)");
      if (!std::regex_match(s, uri)) return invalid(arg, "not an absolute URI");
    }
  }
  if (v.is_number()) {
    // Integers compare exactly (serials above 2^53 must not round); anything else as doubles.
    auto wide = [](const Json& j) -> __int128 {
      return j.is_number_unsigned() ? static_cast<__int128>(j.get<uint64_t>())
                                    : static_cast<__int128>(j.get<int64_t>());
    };
    auto below = [&](const Json& bound) {
      if (v.is_number_integer() && bound.is_number_integer()) return wide(v) < wide(bound);
      return v.get<double>() < bound.get<double>();
    };
    auto above = [&](const Json& bound) {
      if (v.is_number_integer() && bound.is_number_integer()) return wide(v) > wide(bound);
      return v.get<double>() > bound.get<double>();
    };
    auto min = schema.find("minimum");
    auto max = schema.find("maximum");
    if ((min != schema.end() && min->is_number() && below(*min)) ||
        (max != schema.end() && max->is_number() && above(*max))) {
      std::string range = fmt::format("{} to {}", min != schema.end() ? min->dump() : "-inf",
                                      max != schema.end() ? max->dump() : "inf");
      return invalid(arg, fmt::format("{} is out of range ({})", v.dump(), range));
    }
  }
  if (auto it = schema.find("enum"); it != schema.end() && it->is_array()) {
    if (std::find(it->begin(), it->end(), v) == it->end())
      return invalid(arg, fmt::format("not one of {}", compact_json(*it)));
  }
  return std::nullopt;
}

std::variant<Json, Json> normalise_value(std::string_view arg, const Json& schema,
                                         const Json& value) {
  auto r = normalise_typed(arg, schema, value);
  if (r.index() == 0) {
    if (auto err = check_constraints(arg, schema, std::get<0>(r)))
      return std::variant<Json, Json>(std::in_place_index<1>, *err);
  }
  return r;
}

}  // namespace

std::string normalise_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string fold_case(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string compact_json(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

ArgCheck check_args(const Json& parameters, const Json& args) {
  ArgCheck out;
  const Json empty = Json::object();
  const Json& given = args.is_object() ? args : empty;
  const Json& props = parameters.is_object() && parameters.contains("properties") &&
                              parameters["properties"].is_object()
                          ? parameters["properties"]
                          : empty;
  auto present = [&](const std::string& key) {
    return given.contains(key) && !given[key].is_null();
  };

  if (parameters.is_object() && parameters.contains("required") &&
      parameters["required"].is_array()) {
    for (const auto& req : parameters["required"]) {
      if (req.is_string() && !present(req.get<std::string>())) {
        out.error = Json{{"error", "missing_required"}, {"arg", req}};
        break;
      }
    }
  }
  size_t declared_present = 0;
  for (const auto& [key, schema] : props.items()) {
    if (!present(key)) {
      if (schema.is_object() && schema.contains("default")) out.args_norm[key] = schema["default"];
      continue;
    }
    ++declared_present;
    auto r = normalise_value(key, schema, given[key]);
    if (r.index() == 1) {
      out.args_norm[key] = given[key];
      if (!out.error) out.error = std::get<1>(std::move(r));
    } else {
      out.args_norm[key] = std::get<0>(std::move(r));
    }
  }
  std::vector<std::string> extras;
  for (const auto& [key, value] : given.items())
    if (!props.contains(key)) extras.push_back(key);
  std::sort(extras.begin(), extras.end());
  for (const auto& key : extras) {
    auto r = normalise_value(key, Json::object(), given[key]);
    out.args_norm[key] = std::get<0>(std::move(r));
  }
  if (!out.error && parameters.is_object()) {
    if (auto it = parameters.find("minProperties"); it != parameters.end() &&
                                                    it->is_number_unsigned() &&
                                                    declared_present < it->get<uint64_t>()) {
      std::string names;
      for (const auto& [key, schema] : props.items()) names += (names.empty() ? "" : ", ") + key;
      out.error = Json{{"error", "missing_required"}, {"arg", "one of " + names}};
    }
  }
  return out;
}

}  // namespace bakeoff::tasks
