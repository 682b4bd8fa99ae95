// A sandboxed Jinja2 engine that renders Hugging Face chat templates byte-identically to Python
// jinja2 as transformers configures it (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks).
// Templates are untrusted input: they see only the context passed in, and every render is bounded
// by Limits. Errors are values carrying the template line and column.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/result.h"

namespace bakeoff::jinja {

// Bounds on one render; exceeding any ends the render with an error of kind "limit".
struct Limits {
  size_t max_recursion_depth = 256;         // macro / call nesting
  size_t max_loop_iterations = 10'000'000;  // summed over all loops of one render
  size_t max_output_bytes = 64u << 20;
  std::chrono::milliseconds max_wall_time{10'000};
};

struct Options {
  bool trim_blocks = true;  // HF sets both
  bool lstrip_blocks = true;
  bool keep_trailing_newline = false;  // jinja2's default
  Limits limits;
  // strftime_now() formats this instant (seconds since the epoch, UTC) instead of the clock:
  // reproducible renders and differential tests.
  std::optional<int64_t> fixed_now_epoch_s;
};

// A syntax, runtime, limit or raise_exception error. kind: "syntax" | "runtime" | "undefined" |
// "security" (the immutable sandbox refused an attribute or a mutating method) | "limit" |
// "raise_exception" | "unsupported" (include/import/extends: templates have no loader).
// line/column are 1-based (0 = unknown).
//
// Known departures from Python, by design: integers are 64-bit and a result beyond that range is
// a "runtime" error (Python would switch to a big int); JSON integers above INT64_MAX arrive as
// floats.
struct TemplateError {
  std::string kind;
  std::string message;  // for raise_exception: exactly the template's message
  int line = 0;
  int column = 0;
  std::string source_line;  // the offending line of the template
  // "line 3, column 14: <message>\n    <source line>\n    <caret>"
  std::string to_string() const;
};

// A compiled template: parse once, render many times (renders are thread-safe).
class Template {
 public:
  static Result<Template, TemplateError> compile(std::string_view source, Options options = {});

  // Renders with `context` (a JSON object) as the only data the template can reach; globals
  // (range, namespace, dict, raise_exception, strftime_now, …) are jinja2's / transformers'.
  Result<std::string, TemplateError> render(const Json& context) const;

  struct Impl;

 private:
  explicit Template(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace bakeoff::jinja
