#include "control/templates.h"

#include <string>
#include <utility>
#include <vector>

namespace bakeoff::control::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& large_template_file();
const std::vector<std::pair<std::string_view, std::string_view>>& small_template_file();
}  // namespace bakeoff::control::embedded

namespace bakeoff::control {

std::string_view control_template(bool large) {
  const auto& files = large ? embedded::large_template_file() : embedded::small_template_file();
  return files.empty() ? std::string_view() : files.front().second;
}

}  // namespace bakeoff::control
