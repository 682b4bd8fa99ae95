// The harness version and the git commit it was built from; both go into every manifest.
#pragma once
#include <string_view>

namespace bakeoff::cli {
std::string_view bakeoff_version();
std::string_view bakeoff_git_sha();
std::string_view bakeoff_version_string();  // "bakeoff 0.1.0 (git abcdef123456)"
}  // namespace bakeoff::cli
