#include "loop/loop.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>

#include <fmt/core.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "store/run_store.h"

namespace bakeoff::loop {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

Json nullable_blob(const BlobSink& blobs, const std::optional<std::string>& bytes) {
  if (!bytes) return nullptr;
  return blobs(*bytes);
}

// The step record (docs/ARCHITECTURE.md STEP) of what the arm returned; tool calls and the
// stored turn are filled in by the caller as they happen.
Json step_record(int step, double elapsed_s, size_t history_before, const arms::ArmStep& s,
                 const LoopConfig& config, const BlobSink& blobs) {
  Json r = Json::object();
  r["step"] = step;
  r["elapsed_s"] = elapsed_s;
  r["prompt_eval_count"] = s.prompt_eval_count;
  r["eval_count"] = s.eval_count;
  r["content_len"] = utf8_length(s.content);
  r["tool_call_count"] = s.tool_calls.size();
  r["history_chars_before_append"] = history_before;
  r["thinking_len"] = utf8_length(s.thinking);
  r["done_reason"] = s.done_reason;
  r["think_setting"] = config.think;
  r["options"] = config.options;
  r["prompt_capture"] = s.prompt_capture;
  r["rendered_prompt_sha256"] = nullable_blob(blobs, s.rendered_prompt);
  r["completion_raw"] = s.completion_raw ? Json(*s.completion_raw) : Json(nullptr);
  r["completion_raw_sha256"] = nullable_blob(blobs, s.completion_raw);
  r["content"] = s.content;
  r["thinking"] = s.thinking;
  r["tool_calls"] = Json::array();
  Json errors = Json::array();
  for (const auto& e : s.parse_errors)
    errors.push_back({{"offset", e.offset}, {"message", e.message}});
  r["parse_errors"] = std::move(errors);
  r["markers_stripped"] = s.markers_stripped;
  r["stored_assistant"] = nullptr;
  r["hygiene"] = Json::array();
  r["request_blob"] = s.request_body.empty() ? Json(nullptr) : Json(blobs(s.request_body));
  r["response_blob"] = s.response_body.empty() ? Json(nullptr) : Json(blobs(s.response_body));
  r["durations_ns"] = {{"total", s.total_ns},
                       {"load", s.load_ns},
                       {"prompt_eval", s.prompt_eval_ns},
                       {"eval", s.eval_ns}};
  r["halt"] = nullptr;
  return r;
}

// What ended the unit at this step, or "" to go on. Order matters: the arm's own halt, then
// unparsed call syntax, then the silent stop, then a plain answer.
std::string step_halt(const arms::ArmStep& s, const LoopConfig& config) {
  if (s.halt) return *s.halt;
  if (!s.tool_calls.empty()) return "";
  if (!s.parse_errors.empty()) return "parse_error";
  if (is_blank(s.content) && s.eval_count <= config.silent_stop_max_eval_count) {
    return "silent_stop";
  }
  return "no_tool_calls";
}

std::string step_halt_detail(const arms::ArmStep& s, const std::string& halt) {
  if (!s.halt_detail.empty()) return s.halt_detail;
  if (halt == "parse_error") {
    const auto& e = s.parse_errors.front();
    return fmt::format("tool-call syntax at byte {} did not parse: {}", e.offset, e.message);
  }
  if (halt == "silent_stop") {
    return fmt::format("no content and no tool call after {} generated tokens (done_reason \"{}\")",
                       s.eval_count, s.done_reason);
  }
  return "";
}

// Every path's history must link calls and responses the same way. A native completion carries
// no call ids while a JSON server invents them, and the canonical Gemma 4 template names a tool
// response by its call's id, else after the turn's last call: two parallel calls would then be
// rendered differently on the two paths for no fault of either. So the loop gives each id-less
// call a deterministic id (call_<step>_<index>), as agent frameworks do; path-given ids stay.
// A task may ask for "tool_call_ids": "omit" (the calibration of id-less histories): then no
// call or tool response carries an id on any path.
std::vector<std::string> apply_call_id_policy(const tasks::Task& task, int step,
                                              std::vector<formats::ToolCall>& calls) {
  std::vector<std::string> hygiene;
  const Json policy = task.settings.value("tool_call_ids", Json("assign"));
  if (policy == "omit") {
    size_t dropped = 0;
    for (auto& call : calls) {
      if (!call.id.empty()) ++dropped;
      call.id.clear();
    }
    if (dropped > 0) {
      hygiene.push_back(
          fmt::format("dropped {} tool-call id(s): the task's histories carry none", dropped));
    }
    return hygiene;
  }
  std::vector<std::string> assigned;
  for (size_t i = 0; i < calls.size(); ++i) {
    if (!calls[i].id.empty()) continue;
    calls[i].id = fmt::format("call_{}_{}", step, i);
    assigned.push_back(calls[i].id);
  }
  if (!assigned.empty()) {
    hygiene.push_back(
        fmt::format("assigned tool-call id(s) {} (the path gave none)", fmt::join(assigned, ", ")));
  }
  return hygiene;
}

}  // namespace

size_t history_chars(const Json& messages) {
  size_t n = 0;
  if (!messages.is_array()) return 0;
  for (const auto& m : messages) {
    if (m.is_object() && m.contains("content") && m["content"].is_string()) {
      n += utf8_length(m["content"].get_ref<const std::string&>());
    }
  }
  return n;
}

std::string halt_from_error_kind(const std::string& kind) {
  static const char* const kPlain[] = {"no_tool_calls", "step_budget",      "silent_stop",
                                       "parse_error",   "context_overflow", "template_error",
                                       "env_missing"};
  for (const char* k : kPlain) {
    if (kind == k) return kind;
  }
  if (kind.rfind("error:", 0) == 0 || kind.rfind("sampler_error:", 0) == 0) return kind;
  return "error:" + (kind.empty() ? std::string("unknown") : kind);
}

Json run_unit(arms::Arm& arm, const tasks::Task& task, const LoopConfig& config,
              const BlobSink& blobs, TaskEnvironment& env) {
  const auto start = Clock::now();
  Json trace = Json::object();
  trace["format"] = "bakeoff-trace/1";
  trace["unit_id"] = config.unit_id;
  trace["arm"] = std::string(arm.name());
  trace["model"] = config.model;
  trace["task"] = task.id;
  trace["task_prompt"] = task.user_prompt;
  trace["num_ctx"] = config.num_ctx;
  trace["num_predict"] = config.num_predict;
  trace["started_at"] = store::utc_now_iso();
  trace["repeat"] = config.repeat;
  trace["settings_id"] = config.settings_id;
  trace["settings"] = config.settings;

  std::string halt, halt_detail;
  Json facts = Json::object();
  try {
    auto prepared = arm.prepare();
    if (prepared) {
      facts = *prepared;
    } else {
      halt = halt_from_error_kind(prepared.error().kind);
      halt_detail = prepared.error().message;
    }
  } catch (const std::exception& e) {
    halt = "error:exception";
    halt_detail = fmt::format("arm {} prepare: {}", arm.name(), e.what());
  }
  auto fact = [&](const char* key) -> Json {
    return facts.is_object() && facts.contains(key) ? facts[key] : Json("");
  };
  trace["fingerprint"] = {{"harness_version", config.harness_version},
                          {"git_sha", config.git_sha},
                          {"server_version", fact("server_version")},
                          {"model_digest", fact("model_digest")},
                          {"template_sha256", fact("template_sha256")},
                          {"template_origin", fact("template_origin")},
                          {"size_class", fact("size_class")},
                          {"think", config.think},
                          {"host", config.host},
                          {"task_sha256", task.task_sha256},
                          {"fixtures_sha256", task.fixtures_sha256}};
  Json warnings = Json::array();
  try {
    for (const auto& w : arm.warnings()) warnings.push_back(w);
  } catch (const std::exception& e) {
    warnings.push_back(fmt::format("arm warnings unavailable: {}", e.what()));
  }
  trace["warnings"] = std::move(warnings);
  trace["turns"] = Json::array();

  Json messages = env.initial_messages();
  std::vector<tasks::CallRecord> calls;
  std::string final_answer;
  int steps_used = 0;
  size_t tool_calls_total = 0;

  for (int step = 1; halt.empty(); ++step) {
    if (step > config.step_budget) {
      halt = "step_budget";
      halt_detail = fmt::format("{} steps used, the model still calling tools", config.step_budget);
      break;
    }
    const size_t history_before = history_chars(messages);
    const auto step_start = Clock::now();
    arms::ArmStep s;
    try {
      s = arm.step(messages, task.tools);
    } catch (const std::exception& e) {
      s.halt = "error:exception";
      s.halt_detail = fmt::format("arm {} step {}: {}", arm.name(), step, e.what());
    }
    const double elapsed = seconds_since(step_start);
    steps_used = step;
    std::vector<std::string> id_hygiene = apply_call_id_policy(task, step, s.tool_calls);
    Json record = step_record(step, elapsed, history_before, s, config, blobs);
    const std::string step_halt_reason = step_halt(s, config);

    if (!s.halt) {
      arms::Arm::StoredTurn stored;
      try {
        stored = arm.stored_turn(s);
      } catch (const std::exception& e) {
        halt = "error:exception";
        halt_detail = fmt::format("arm {} stored_turn: {}", arm.name(), e.what());
      }
      record["stored_assistant"] = stored.message;
      for (auto& line : id_hygiene) stored.hygiene.push_back(std::move(line));
      record["hygiene"] = stored.hygiene;
      if (halt.empty()) messages.push_back(stored.message);
    }
    if (halt.empty() && step_halt_reason.empty()) {
      for (const auto& call : s.tool_calls) {
        tasks::ToolOutcome outcome;
        try {
          outcome = env.call(call.name, call.arguments);
        } catch (const std::exception& e) {
          halt = "error:tool_exception";
          halt_detail = fmt::format("tool {} at step {}: {}", call.name, step, e.what());
          break;
        }
        Json rec = Json::object();
        rec["id"] = call.id;
        rec["name"] = call.name;
        rec["args_raw"] = call.arguments;
        rec["args_norm"] = outcome.args_norm;
        rec["result_sha256"] = outcome.result_sha256;
        rec["result_blob"] = blobs(outcome.result_text);
        record["tool_calls"].push_back(std::move(rec));
        calls.push_back({call.name, outcome.args_norm});
        ++tool_calls_total;
        Json tool_msg = Json::object();
        tool_msg["role"] = "tool";
        if (!call.id.empty()) tool_msg["tool_call_id"] = call.id;
        tool_msg["name"] = call.name;
        tool_msg["content"] = outcome.result_text;
        messages.push_back(std::move(tool_msg));
      }
    }
    if (halt.empty() && !step_halt_reason.empty()) {
      halt = step_halt_reason;
      halt_detail = step_halt_detail(s, halt);
    }
    if (!s.halt && s.tool_calls.empty()) final_answer = s.content;
    if (!halt.empty() && halt != "no_tool_calls") record["halt"] = halt;
    trace["turns"].push_back(std::move(record));
  }

  std::vector<tasks::CheckResult> checks;
  try {
    checks = env.check(final_answer, calls);
  } catch (const std::exception& e) {
    checks.push_back(
        {"acceptance", false, fmt::format("acceptance checks failed to run: {}", e.what())});
  }
  Json acceptance = Json::array();
  bool accepted = true;
  for (const auto& c : checks) {
    acceptance.push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
    accepted = accepted && c.passed;
  }
  Json final = Json::object();
  final["halt_reason"] = halt;
  final["halt_detail"] = halt_detail;
  final["steps_used"] = steps_used;
  final["tool_calls_total"] = tool_calls_total;
  final["wall_clock_s"] = seconds_since(start);
  final["final_message_count"] = messages.size();
  final["final_history_chars"] = history_chars(messages);
  final["final_answer"] = final_answer;
  final["acceptance"] = std::move(acceptance);
  final["accepted"] = accepted;
  trace["final"] = std::move(final);
  return trace;
}

}  // namespace bakeoff::loop
