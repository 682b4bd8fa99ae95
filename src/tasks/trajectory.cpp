#include "tasks/trajectory.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "tasks/schema.h"

namespace bakeoff::tasks {
namespace {

bool is_ident(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

const Json* at_path(const Json& root, std::string_view path) {
  const Json* cur = &root;
  while (!path.empty()) {
    const size_t dot = path.find('.');
    const std::string_view seg = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (cur->is_object()) {
      auto it = cur->find(std::string(seg));
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      size_t index = 0;
      auto [p, ec] = std::from_chars(seg.data(), seg.data() + seg.size(), index);
      if (ec != std::errc() || p != seg.data() + seg.size() || index >= cur->size()) return nullptr;
      cur = &(*cur)[index];
    } else {
      return nullptr;
    }
  }
  return cur;
}

}  // namespace

std::string fill_placeholders(std::string_view text, const Json& latest_results) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find('{', i);
    if (open == std::string_view::npos) break;
    const size_t close = text.find('}', open);
    const size_t dot = text.find('.', open);
    size_t name_end = open + 1;
    while (name_end < text.size() && is_ident(text[name_end])) ++name_end;
    const bool placeholder =
        close != std::string_view::npos && name_end > open + 1 && name_end == dot &&
        dot + 1 < close &&
        text.substr(open + 1, close - open - 1).find_first_of("{ \n\t") == std::string_view::npos;
    out.append(text.substr(i, open - i));
    if (!placeholder) {
      out.push_back('{');
      i = open + 1;
      continue;
    }
    const std::string tool(text.substr(open + 1, dot - open - 1));
    const std::string_view path = text.substr(dot + 1, close - dot - 1);
    const Json* value = nullptr;
    if (latest_results.is_object() && latest_results.contains(tool))
      value = at_path(latest_results[tool], path);
    if (!value)
      out += "<unknown>";
    else if (value->is_string())
      out += value->get<std::string>();
    else
      out += compact_json(*value);
    i = close + 1;
  }
  if (i < text.size()) out.append(text.substr(i));
  return out;
}

Replay replay_reference(const Task& task, const ReplayChoice& choice) {
  Replay replay;
  replay.messages = initial_messages(task);
  ToolBox box(task);
  Json latest = Json::object();
  int next_id = 1;
  auto run_turn = [&](const Json& calls) {
    Json assistant{{"role", "assistant"}, {"content", ""}, {"tool_calls", Json::array()}};
    Json results = Json::array();
    for (const auto& call : calls) {
      Json args = call["arguments"];
      if (choice.include_optional && call.contains("optional_arguments"))
        for (const auto& [k, v] : call["optional_arguments"].items()) args[k] = v;
      const std::string name = call["name"].get<std::string>();
      Json tc{{"type", "function"}, {"function", {{"name", name}, {"arguments", args}}}};
      const std::string id = fmt::format("call_{}", next_id++);
      if (choice.with_ids)
        tc = Json{{"id", id}, {"type", "function"}, {"function", tc["function"]}};
      assistant["tool_calls"].push_back(tc);
      ToolOutcome outcome = box.call(name, args);
      Json tool_msg{{"role", "tool"}};
      if (choice.with_ids) tool_msg["tool_call_id"] = id;
      tool_msg["name"] = name;
      tool_msg["content"] = outcome.result_text;
      results.push_back(tool_msg);
      latest[name] = outcome.result;
      replay.calls.push_back(CallRecord{name, outcome.args_norm});
      replay.outcomes.push_back(std::move(outcome));
    }
    replay.messages.push_back(assistant);
    for (auto& r : results) replay.messages.push_back(std::move(r));
    ++replay.steps;
  };
  for (const auto& turn : task.expected["trajectory"]) {
    if (turn.contains("answer")) {
      replay.final_answer = fill_placeholders(turn["answer"].get<std::string>(), latest);
      replay.messages.push_back(Json{{"role", "assistant"}, {"content", replay.final_answer}});
      ++replay.steps;
      break;
    }
    Json calls = turn["calls"];
    if (choice.reverse_any_order && turn.value("any_order", false))
      std::reverse(calls.begin(), calls.end());
    if (choice.split_parallel && turn.value("parallel_ok", false)) {
      for (const auto& c : calls) run_turn(Json::array({c}));
    } else {
      run_turn(calls);
    }
  }
  return replay;
}

}  // namespace bakeoff::tasks
