// Tokenizer with jinja2's exact whitespace rules: `-`/`+` markers, trim_blocks, lstrip_blocks,
// newline normalisation and the dropped final newline. Hand-written, linear, no regex.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jinja/jinja.h"

namespace bakeoff::jinja {

enum class Tok : uint8_t {
  Data,
  VarBegin,
  VarEnd,
  BlockBegin,
  BlockEnd,
  Name,
  String,
  Int,
  Float,
  Op,  // text holds the operator
  Eof,
};

struct Token {
  Token() = default;
  explicit Token(Tok t) : type(t) {}
  Tok type = Tok::Eof;
  int line = 0;
  int col = 0;
  std::string text;  // data, name, operator, or the decoded string literal
  int64_t ival = 0;
  double fval = 0;
};

// Normalises \r\n and \r to \n and drops one trailing newline (unless keep_trailing_newline).
std::string normalize_source(std::string_view source, const Options& options);
// Throws JinjaError (kind "syntax").
std::vector<Token> tokenize(const std::string& source, const Options& options);

}  // namespace bakeoff::jinja
