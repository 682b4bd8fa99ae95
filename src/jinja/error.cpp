#include "jinja/error.h"

#include <fmt/format.h>

namespace bakeoff::jinja {

std::string TemplateError::to_string() const {
  std::string out;
  if (line > 0) {
    out = column > 0 ? fmt::format("line {}, column {}: ", line, column)
                     : fmt::format("line {}: ", line);
  }
  out += message;
  if (!source_line.empty()) {
    out += "\n    ";
    out += source_line;
    if (column > 0) {
      out += "\n    ";
      // Tabs are kept so that the caret lines up under a tab-indented source line.
      for (int i = 1; i < column && static_cast<size_t>(i - 1) < source_line.size(); ++i) {
        out += source_line[i - 1] == '\t' ? '\t' : ' ';
      }
      out += '^';
    }
  }
  return out;
}

TemplateError make_template_error(const JinjaError& e, std::string_view source) {
  TemplateError t;
  t.kind = e.kind;
  t.message = e.message;
  t.line = e.line;
  t.column = e.column;
  if (e.line > 0) {
    size_t pos = 0;
    for (int l = 1; l < e.line && pos != std::string_view::npos; ++l) {
      pos = source.find('\n', pos);
      if (pos != std::string_view::npos) ++pos;
    }
    if (pos != std::string_view::npos && pos <= source.size()) {
      size_t end = source.find('\n', pos);
      std::string_view line = source.substr(pos, end == std::string_view::npos ? end : end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      t.source_line = std::string(line);
    }
  }
  return t;
}

}  // namespace bakeoff::jinja
