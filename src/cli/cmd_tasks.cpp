// bakeoff tasks: list the tasks, show one (resolved, with its initial conversation), or run one
// of its tools by hand.
#include <fmt/format.h>

#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "tasks/schema.h"
#include "tasks/task.h"
#include "tasks/tools.h"

namespace bakeoff::cli {
namespace {

struct TasksOptions {
  std::string tasks_dir;
  std::string id;
  std::vector<std::string> calls;  // TOOL [ARGS] TOOL [ARGS] …
  bool json = false;
};

tasks::Task load_or_usage_error(const std::string& id, const std::string& dir) {
  auto task = tasks::load_task(id, dir);
  if (!task) {
    if (task.error().kind == "not_found") throw UsageError(task.error().message);
    throw std::runtime_error(task.error().message);
  }
  return std::move(*task);
}

std::string one_line(std::string text, size_t max) {
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (text.size() > max) {
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
      --cut;  // keep UTF-8 whole
    text = text.substr(0, cut) + "…";
  }
  return text;
}

int list_tasks(const TasksOptions& o) {
  Json all = Json::array();
  for (const auto& id : tasks::task_ids()) {
    auto task = tasks::load_task(id, o.tasks_dir);
    if (!task) {
      if (o.tasks_dir.empty()) throw std::runtime_error(task.error().message);
      continue;  // a directory need not hold every built-in task
    }
    const Json& e = task->expected;
    if (o.json) {
      all.push_back(Json{{"id", id},
                         {"calibration", task->calibration},
                         {"steps", e["steps"]},
                         {"tool_calls", e["tool_calls"]},
                         {"description", task->description}});
      continue;
    }
    const bool variant = id.find_first_of("+-") != std::string::npos;
    const char* kind = task->calibration ? "calibration" : (variant ? "variant" : "seed");
    const int calls = e["tool_calls"].get<int>();
    fmt::print("{:<22} {:<11} {:>2} steps {:>2} call{}  {}\n", id, kind, e["steps"].get<int>(),
               calls, calls == 1 ? " " : "s", one_line(task->description, 90));
  }
  if (o.json) fmt::print("{}\n", all.dump(2));
  return 0;
}

void print_message(size_t index, const Json& m) {
  const std::string role = m.value("role", "?");
  std::string label = fmt::format("[{} {}", index, role);
  if (role == "tool")
    label += fmt::format(" {} {}", m.value("name", ""), m.value("tool_call_id", ""));
  label += "]";
  const std::string content = m.value("content", "");
  if (!content.empty() || !m.contains("tool_calls")) fmt::print("{} {}\n", label, content);
  if (m.contains("tool_calls"))
    for (const auto& tc : m["tool_calls"])
      fmt::print("{} -> {} {}{}\n", label, tc["function"].value("name", "?"),
                 tasks::compact_json(tc["function"].value("arguments", Json::object())),
                 tc.contains("id") ? " (id " + tc["id"].get<std::string>() + ")" : "");
}

int show_task(const TasksOptions& o) {
  const tasks::Task task = load_or_usage_error(o.id, o.tasks_dir);
  const Json messages = tasks::initial_messages(task);
  if (o.json) {
    Json doc = tasks::task_to_json(task);
    doc["initial_messages"] = messages;
    fmt::print("{}\n", doc.dump(2, ' ', false, Json::error_handler_t::replace));
    return 0;
  }
  Json doc = tasks::task_to_json(task);
  doc.erase("system_prompt");
  doc.erase("history");
  fmt::print("{}\n\n", doc.dump(2, ' ', false, Json::error_handler_t::replace));
  fmt::print("Initial messages ({}: system, {} of history, user):\n", messages.size(),
             task.history.size());
  for (size_t i = 0; i < messages.size(); ++i) print_message(i + 1, messages[i]);
  return 0;
}

// Runs TOOL [ARGS] pairs in order against one ToolBox, so state carries over (memory_store, then
// memory_recall sees the note). A word that starts like JSON is the previous tool's arguments.
int call_tool(const TasksOptions& o) {
  const tasks::Task task = load_or_usage_error(o.id, o.tasks_dir);
  std::vector<std::pair<std::string, Json>> calls;
  for (const auto& word : o.calls) {
    const bool looks_like_json =
        !word.empty() && std::string_view("{[\"").find(word[0]) != std::string_view::npos;
    if (!looks_like_json) {
      calls.emplace_back(word, Json::object());
      continue;
    }
    if (calls.empty())
      throw UsageError(fmt::format("arguments {} come before any tool name", word));
    try {
      calls.back().second = Json::parse(word);
    } catch (const Json::parse_error& e) {
      throw UsageError(
          fmt::format("arguments of {} are not valid JSON: {}", calls.back().first, e.what()));
    }
  }
  tasks::ToolBox box(task);
  for (size_t i = 0; i < calls.size(); ++i) {
    const tasks::ToolOutcome out = box.call(calls[i].first, calls[i].second);
    if (i > 0) fmt::print("\n");
    fmt::print("tool          {}\nargs_norm     {}\nresult        {}\nresult_sha256 {}\n",
               calls[i].first, tasks::compact_json(out.args_norm), out.result_text,
               out.result_sha256);
  }
  return 0;
}

}  // namespace

CommandRunner add_tasks_command(CLI::App& root) {
  auto o = std::make_shared<TasksOptions>();
  CLI::App* cmd =
      root.add_subcommand("tasks", "List the tasks, show one, or run one of its tools by hand");
  cmd->description(
      "List the built-in tasks (seed tasks, variants, calibration tasks), one line each.\n"
      "  bakeoff tasks                                   list\n"
      "  bakeoff tasks show memory                       the task and its initial conversation\n"
      "  bakeoff tasks call movies movie_search '{\"title\":\"Arrival\"}' check_library "
      "'{\"movie_id\":\"mv-0101\"}'\n"
      "Tasks are compiled in; --tasks-dir reads tasks/<id>.json and tasks/shared/ from a folder.");
  cmd->require_subcommand(0, 1);
  cmd->fallthrough();
  cmd->add_option("--tasks-dir", o->tasks_dir,
                  "Read task files from this folder instead of the built-in copies")
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--json", o->json, "Print JSON instead of text");

  CLI::App* show = cmd->add_subcommand("show", "Print a task (resolved) and its initial messages");
  show->add_option("ID", o->id, "Task id (see 'bakeoff tasks')")->required();

  CLI::App* call = cmd->add_subcommand(
      "call", "Run a task's tools on JSON arguments, in order, in one fresh run state");
  call->add_option("ID", o->id, "Task id")->required();
  call->add_option(
          "CALLS", o->calls,
          "TOOL [ARGS] ...: tool names, each followed by its arguments as JSON (default {})")
      ->required();

  return [o, show, call] {
    if (show->parsed()) return show_task(*o);
    if (call->parsed()) return call_tool(*o);
    return list_tasks(*o);
  };
}

}  // namespace bakeoff::cli
