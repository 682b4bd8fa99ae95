// A port of Python's json.dumps for template values: what transformers' tojson filter returns.
#pragma once
#include <optional>
#include <string>

#include "jinja/value.h"

namespace bakeoff::jinja {

struct JsonDumpsOptions {
  bool ensure_ascii = false;                  // transformers' default (Python's own is True)
  std::optional<std::string> indent;          // None: one line; an int n becomes n spaces
  std::optional<std::string> item_separator;  // default ", " (or "," when indenting)
  std::optional<std::string> key_separator;   // default ": "
  bool sort_keys = false;
};

// Throws JinjaError (kind "runtime") where Python raises TypeError/ValueError.
std::string json_dumps(const Value& v, const JsonDumpsOptions& options);
// json_dumps(v) appended to `out` (on an error, `out` may hold part of it).
void json_dumps_to(std::string& out, const Value& v, const JsonDumpsOptions& options);

}  // namespace bakeoff::jinja
