// The data files compiled into the library by bakeoff_embed (see CMakeLists.txt): base name to
// bytes. Internal to bakeoff_tasks.
#pragma once
#include <string_view>
#include <utility>
#include <vector>

namespace bakeoff::tasks::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& task_files();
const std::vector<std::pair<std::string_view, std::string_view>>& shared_files();
}  // namespace bakeoff::tasks::embedded
