// The public API: compile once (lex, parse, resolve symbols), render many times.
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
    impl->symbol_ids.emplace(name, static_cast<int>(i));
    int g = global_id(name);
    impl->initial_slots.push_back(g >= 0 ? make_global(g) : Value::undefined_name(&name));
    if (name == "loop") impl->loop_sym = static_cast<int>(i);
    if (name == "caller") impl->caller_sym = static_cast<int>(i);
    if (name == "varargs") impl->varargs_sym = static_cast<int>(i);
    if (name == "kwargs") impl->kwargs_sym = static_cast<int>(i);
  }
  return Template(std::move(impl));
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
