// Helpers shared by the store tests: a scratch directory and a small but schema-shaped trace.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "common/json.h"

namespace bakeoff::store::testing {

struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("bakeoff-store-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

inline Json make_trace(const std::string& arm, const std::string& task, int repeat,
                       const std::string& halt = "no_tool_calls",
                       const std::string& digest = "sha256:aaaa") {
  Json trace = Json::object();
  trace["format"] = "bakeoff-trace/1";
  trace["unit_id"] = arm + "." + task + ".0123abcd.r" + std::to_string(repeat);
  trace["arm"] = arm;
  trace["task"] = task;
  trace["repeat"] = repeat;
  trace["settings_id"] = "0123abcd";
  trace["fingerprint"] = {{"harness_version", "0.1.0"}, {"git_sha", "abc"},
                          {"server_version", "0.12.0"}, {"model_digest", digest},
                          {"template_sha256", "t1"},    {"think", "false"}};
  trace["turns"] =
      Json::array({{{"step", 1}, {"eval_count", 5}}, {{"step", 2}, {"eval_count", 7}}});
  trace["final"] = {{"halt_reason", halt}, {"steps_used", 2}};
  return trace;
}

}  // namespace bakeoff::store::testing
