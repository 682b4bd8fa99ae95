// Recursive-descent parser following jinja2's grammar and precedence, with a nesting limit so
// hostile templates end in an error instead of exhausting the stack.
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include "jinja/ast.h"
#include "jinja/lexer.h"

namespace bakeoff::jinja {

struct ParsedTemplate {
  Body body;
  std::vector<std::string> symbols;  // slot -> name
};

// Throws JinjaError (kind "syntax" / "unsupported" / "limit").
ParsedTemplate parse(std::vector<Token> tokens);

}  // namespace bakeoff::jinja
