// Our own Gemma 4 chat templates (templates/gemma4-control-{large,small}.jinja), embedded.
#pragma once
#include <string_view>

namespace bakeoff::control {

// The template for a model of the given size class (large: 12B/26B/31B; small: E2B/E4B).
std::string_view control_template(bool large);

}  // namespace bakeoff::control
