// The registry of native formats. A new family is one file defining its Format, plus one line in
// kFormats below.
#include "formats/format.h"

#include "formats/gemma4.h"
#include "formats/hermes.h"

namespace bakeoff::formats {
namespace {

using FormatGetter = const Format& (*)();
constexpr FormatGetter kFormats[] = {
    &gemma4::format,
    &hermes::format,
};

}  // namespace

ParsedCompletion Format::parse(std::string_view completion) const {
  auto parser = stream_parser();
  parser->feed(completion);
  return parser->finish();
}

const Format* find_format(std::string_view name) {
  for (FormatGetter get : kFormats)
    if (get().name() == name) return &get();
  return nullptr;
}

std::vector<std::string_view> format_names() {
  std::vector<std::string_view> names;
  for (FormatGetter get : kFormats) names.push_back(get().name());
  return names;
}

}  // namespace bakeoff::formats
