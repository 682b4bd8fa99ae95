// The public API: compile once (lex, parse, resolve symbols), render many times.
#include <cstring>

#include <fmt/format.h>

#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/interpreter.h"
#include "jinja/jinja.h"
#include "jinja/lexer.h"
#include "jinja/parser.h"

namespace bakeoff::jinja {

Result<Template, TemplateError> Template::compile(std::string_view source, Options options) {
  auto impl = std::make_shared<Impl>();
  impl->source = std::string(source);
  impl->options = options;
  try {
    std::string normalized = normalize_source(source, options);
    impl->parsed = parse(tokenize(normalized, options));
  } catch (const JinjaError& e) {
    return make_template_error(e, source);
  } catch (const std::bad_alloc&) {
    return TemplateError{"limit", "out of memory while compiling the template", 0, 0, ""};
  }
  const auto& symbols = impl->parsed.symbols;
  impl->initial_slots.reserve(symbols.size());
  for (size_t i = 0; i < symbols.size(); ++i) {
    const std::string& name = symbols[i];
    int g = global_id(name);
    impl->initial_slots.push_back(g >= 0 ? make_global(g) : Value::undefined_name(&name));
    if (name == "loop") impl->loop_sym = static_cast<int>(i);
    if (name == "caller") impl->caller_sym = static_cast<int>(i);
    if (name == "varargs") impl->varargs_sym = static_cast<int>(i);
    if (name == "kwargs") impl->kwargs_sym = static_cast<int>(i);
  }
  impl->index_symbols();
  return Template(std::move(impl));
}

namespace {
// Spreads a name over the symbol table from its length and its first and last bytes (up to
// eight of each), not a byte-by-byte hash: every render looks up each context key, and names
// that share both ends only cost a longer probe.
uint64_t name_hash(std::string_view name) {
  const size_t n = name.size();
  uint64_t first = 0;
  uint64_t last = 0;
  if (n >= 8) {
    std::memcpy(&first, name.data(), 8);
    std::memcpy(&last, name.data() + n - 8, 8);
  } else {
    for (char c : name) first = (first << 8) | static_cast<unsigned char>(c);
  }
  const uint64_t h = (first * 0x9E3779B97F4A7C15ull) ^ (last + n) * 0xC2B2AE3D27D4EB4Full;
  return h ^ (h >> 29);
}
}  // namespace

void Template::Impl::index_symbols() {
  const auto& symbols = parsed.symbols;
  size_t size = 8;
  while (size < symbols.size() * 2) size *= 2;
  symbol_table.assign(size, -1);
  for (size_t i = 0; i < symbols.size(); ++i) {
    size_t at = name_hash(symbols[i]) & (size - 1);
    while (symbol_table[at] >= 0) at = (at + 1) & (size - 1);
    symbol_table[at] = static_cast<int>(i);
  }
}

int Template::Impl::find_symbol(std::string_view name) const {
  const size_t mask = symbol_table.size() - 1;
  for (size_t at = name_hash(name) & mask;; at = (at + 1) & mask) {
    const int slot = symbol_table[at];
    if (slot < 0 || same_text(parsed.symbols[static_cast<size_t>(slot)], name)) return slot;
  }
}

Result<std::string, TemplateError> Template::render(const Json& context) const {
  try {
    Interpreter interp(*impl_, context);
    return interp.run();
  } catch (const JinjaError& e) {
    return make_template_error(e, impl_->source);
  } catch (const std::bad_alloc&) {
    return TemplateError{"limit", "out of memory while rendering", 0, 0, ""};
  } catch (const std::exception& e) {
    return TemplateError{"runtime", fmt::format("internal error: {}", e.what()), 0, 0, ""};
  }
}

}  // namespace bakeoff::jinja
