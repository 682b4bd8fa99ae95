#include "trace_builder.h"

#include <map>
#include <mutex>
#include <random>

#include <unistd.h>

#include <fmt/core.h>

#include "common/files.h"
#include "common/sha256.h"

namespace bakeoff::analysis::testing {
namespace {
std::map<std::string, std::string>& prompts() {
  static std::map<std::string, std::string> m;
  return m;
}
}  // namespace

Json make_step(int step, const std::string& prompt, const Json& completion, Json calls,
               long prompt_eval_count, long eval_count) {
  std::string sha = sha256_hex(prompt);
  prompts()[sha] = prompt;
  Json s = Json::object();
  s["step"] = step;
  s["elapsed_s"] = 0.1 * step;
  s["prompt_eval_count"] = prompt_eval_count;
  s["eval_count"] = eval_count;
  s["content_len"] = 0;
  s["tool_call_count"] = calls.size();
  s["prompt_capture"] = "ok";
  s["rendered_prompt_sha256"] = sha;
  s["completion_raw"] = completion;
  s["content"] = "";
  s["thinking"] = "";
  s["tool_calls"] = std::move(calls);
  s["parse_errors"] = Json::array();
  s["durations_ns"] = {{"total", 3000000 * step},
                       {"load", 1000000},
                       {"prompt_eval", 1000000 * step},
                       {"eval", 2000000}};
  s["halt"] = nullptr;
  return s;
}

Json make_call(const std::string& name, Json args_raw, Json args_norm, const std::string& result) {
  return {{"id", "call_1"},
          {"name", name},
          {"args_raw", std::move(args_raw)},
          {"args_norm", std::move(args_norm)},
          {"result_sha256", sha256_hex(result)}};
}

Json make_trace(const std::string& arm, const std::string& task, int repeat, Json steps,
                const std::string& halt_reason, bool accepted) {
  long tools = 0;
  for (const Json& s : steps) tools += static_cast<long>(s["tool_calls"].size());
  Json t = Json::object();
  t["format"] = "bakeoff-trace/1";
  t["unit_id"] = fmt::format("{}.{}.abcd1234.r{}", arm, task, repeat);
  t["arm"] = arm;
  t["model"] = "gemma4:latest";
  t["task"] = task;
  t["repeat"] = repeat;
  t["settings_id"] = "abcd1234";
  t["final"] = {{"halt_reason", halt_reason},
                {"steps_used", steps.size()},
                {"tool_calls_total", tools},
                {"wall_clock_s", 1.5},
                {"acceptance", Json::array({{{"name", "quotes_canary"}, {"passed", accepted}}})},
                {"accepted", accepted}};
  t["turns"] = std::move(steps);
  return t;
}

Json memory_trace(const std::string& arm, int repeat) {
  Json steps = Json::array();
  steps.push_back(make_step(
      1, "<bos><|turn>system\nYou are helpful.<turn|>\n<|turn>user\nZigbee channel?<turn|>\n",
      "<|tool_call>call:memory_recall{query:<|\"|>zigbee<|\"|>}<tool_call|>",
      Json::array({make_call("memory_recall", {{"query", "zigbee"}}, {{"query", "zigbee"}},
                             "{\"results\":[{\"id\":\"mem-0001\"}]}")})));
  steps.push_back(
      make_step(2,
                "<bos><|turn>system\nYou are helpful.<turn|>\n<|turn>user\nZigbee channel?<turn|>\n"
                "<|turn>model\n<|tool_call>call:memory_recall{}<tool_call|><|tool_response>mem-0001"
                "<tool_response|>\n",
                "Channel 15 (mem-0001).", Json::array(), 130, 8));
  steps[1]["content"] = "Channel 15 (mem-0001).";
  return make_trace(arm, "memory", repeat, std::move(steps));
}

TempDir::TempDir() {
  std::random_device rd;
  path = std::filesystem::temp_directory_path() /
         fmt::format("bakeoff-analysis-{}-{}", ::getpid(), rd());
  std::filesystem::create_directories(path);
}
TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

void write_run(const std::filesystem::path& dir, const std::vector<Json>& traces) {
  Json manifest = {{"format", "bakeoff-run/1"},
                   {"harness", {{"version", "0.1.0"}, {"git_sha", "test"}}},
                   {"created_at", "2026-11-28T01:02:03Z"},
                   {"units", Json::object()}};
  for (const Json& t : traces) {
    std::string id = t["unit_id"].get<std::string>();
    manifest["units"][id] = {{"arm", t["arm"]},
                             {"task", t["task"]},
                             {"repeat", t["repeat"]},
                             {"settings_id", t["settings_id"]},
                             {"status", "done"},
                             {"halt_reason", t["final"]["halt_reason"]},
                             {"trace", "units/" + id + ".json"}};
    write_file_atomic(dir / "units" / (id + ".json"), t.dump(2));
    for (const Json& s : t["turns"]) {
      if (!s["rendered_prompt_sha256"].is_string()) continue;
      std::string sha = s["rendered_prompt_sha256"].get<std::string>();
      write_file_atomic(dir / "blobs" / sha.substr(0, 2) / sha, prompt_for(sha));
    }
  }
  write_file_atomic(dir / "manifest.json", manifest.dump(2));
}

std::string prompt_for(const std::string& sha256) {
  auto it = prompts().find(sha256);
  return it == prompts().end() ? std::string() : it->second;
}

}  // namespace bakeoff::analysis::testing
