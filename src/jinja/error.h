// The engine's internal error: thrown inside the library (never on a hot path that succeeds),
// caught at the Template boundary and turned into a TemplateError value.
#pragma once
#include <exception>
#include <string>

#include "jinja/jinja.h"

namespace bakeoff::jinja {

struct JinjaError : std::exception {
  std::string kind;  // see TemplateError::kind
  std::string message;
  int line = 0;
  int column = 0;
  JinjaError(std::string k, std::string m, int l = 0, int c = 0)
      : kind(std::move(k)), message(std::move(m)), line(l), column(c) {}
  const char* what() const noexcept override { return message.c_str(); }
};

[[noreturn]] inline void fail(const char* kind, std::string message) {
  throw JinjaError(kind, std::move(message));
}
[[noreturn]] inline void fail_at(const char* kind, std::string message, int line, int col) {
  throw JinjaError(kind, std::move(message), line, col);
}

// Builds the public error, copying the offending source line.
TemplateError make_template_error(const JinjaError& e, std::string_view source);

}  // namespace bakeoff::jinja
