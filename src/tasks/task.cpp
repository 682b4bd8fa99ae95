#include "tasks/task.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "common/files.h"
#include "common/sha256.h"
#include "tasks/embedded.h"
#include "tasks/task_validation.h"

namespace bakeoff::tasks {
namespace {

// Seed tasks, then their variants; calibration tasks (cal-*) follow in name order.
const std::vector<std::string>& ordered_ids() {
  static const std::vector<std::string> ids = {"movies", "research",     "memory",
                                               "long",   "memory+write", "history-hostile"};
  return ids;
}

// The fixture files, in the order fixtures_sha256 hashes them.
const std::vector<std::pair<std::string, std::string>>& fixture_files() {
  static const std::vector<std::pair<std::string, std::string>> files = {
      {"catalogue", "catalogue.json"}, {"memory", "memory.json"}, {"web", "web.json"}};
  return files;
}

std::optional<std::string_view> find_embedded(
    const std::vector<std::pair<std::string_view, std::string_view>>& files,
    std::string_view name) {
  for (const auto& [n, bytes] : files)
    if (n == name) return bytes;
  return std::nullopt;
}

Error invalid(std::string_view source, std::string message) {
  return Error{"invalid_task", fmt::format("{}: {}", source, message)};
}

Result<Json> parse_json(std::string_view bytes, std::string_view source) {
  try {
    return Json::parse(bytes);
  } catch (const Json::parse_error& e) {
    return invalid(source, fmt::format("invalid JSON: {}", e.what()));
  }
}

// A field that is either inline JSON or "@name", a reference to tasks/shared/<name>.
Result<Json> resolve_json(const Json& value, std::string_view source, const std::string& field,
                          const std::string& tasks_dir) {
  if (!value.is_string()) return value;
  const auto& ref = value.get_ref<const std::string&>();
  if (ref.empty() || ref[0] != '@') return value;
  auto bytes = shared_file(ref.substr(1), tasks_dir);
  if (!bytes) return invalid(source, fmt::format("field '{}': {}", field, bytes.error().message));
  return parse_json(
      *bytes, fmt::format("tasks/shared/{} (from {} field '{}')", ref.substr(1), source, field));
}

Result<std::string> resolve_text(const Json& value, std::string_view source,
                                 const std::string& field, const std::string& tasks_dir) {
  if (!value.is_string())
    return invalid(source, fmt::format("field '{}': must be a string", field));
  const auto& text = value.get_ref<const std::string&>();
  if (text.empty() || text[0] != '@') return text;
  auto bytes = shared_file(text.substr(1), tasks_dir);
  if (!bytes) return invalid(source, fmt::format("field '{}': {}", field, bytes.error().message));
  return *bytes;
}

// Tools are "@tools.json", or an array whose items are declarations or names of declarations
// in tasks/shared/tools.json.
Result<Json> resolve_tools(const Json& value, std::string_view source,
                           const std::string& tasks_dir) {
  auto resolved = resolve_json(value, source, "tools", tasks_dir);
  if (!resolved) return resolved.error();
  if (!resolved->is_array() || resolved->empty())
    return invalid(source,
                   "field 'tools': must be a non-empty array of declarations or tool names");
  Json shared;
  Json out = Json::array();
  for (size_t i = 0; i < resolved->size(); ++i) {
    const Json& item = (*resolved)[i];
    const std::string field = fmt::format("tools[{}]", i);
    if (item.is_string()) {
      if (shared.is_null()) {
        auto s = resolve_json("@tools.json", source, field, tasks_dir);
        if (!s) return s.error();
        shared = std::move(*s);
      }
      auto it = std::find_if(shared.begin(), shared.end(), [&](const Json& t) {
        return t.is_object() && t.contains("function") && t["function"].value("name", "") == item;
      });
      if (it == shared.end())
        return invalid(source,
                       fmt::format("field '{}': no tool named {} in tasks/shared/tools.json", field,
                                   item.dump()));
      out.push_back(*it);
    } else {
      out.push_back(item);
    }
    if (auto p = detail::validate_tool(out.back(), field)) return invalid(source, *p);
  }
  for (size_t i = 0; i < out.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (out[i]["function"]["name"] == out[j]["function"]["name"])
        return invalid(source, fmt::format("field 'tools[{}]': duplicate tool name {}", i,
                                           out[i]["function"]["name"].dump()));
  return out;
}

Result<Json> load_fixtures(const std::string& tasks_dir, std::string& digest_input) {
  Json fixtures = Json::object();
  for (const auto& [key, file] : fixture_files()) {
    auto bytes = shared_file(file, tasks_dir);
    if (!bytes) return bytes.error();
    auto parsed = parse_json(*bytes, "tasks/shared/" + file);
    if (!parsed) return parsed.error();
    fixtures[key] = std::move(*parsed);
    digest_input += fmt::format("{}\n{}\n", file, bytes->size());
    digest_input += *bytes;
  }
  return fixtures;
}

}  // namespace

Result<std::string> shared_file(std::string_view name, const std::string& tasks_dir) {
  if (name.empty() || name.find('/') != std::string_view::npos ||
      name.find("..") != std::string_view::npos)
    return Error{"not_found", fmt::format("'{}' is not a shared file name", name)};
  if (!tasks_dir.empty()) {
    auto path = std::filesystem::path(tasks_dir) / "shared" / std::string(name);
    try {
      if (auto bytes = read_file_if_exists(path)) return *bytes;
    } catch (const std::exception& e) {
      return Error{"io", e.what()};
    }
    return Error{"not_found", fmt::format("shared file {} does not exist", path.string())};
  }
  if (auto bytes = find_embedded(embedded::shared_files(), name)) return std::string(*bytes);
  return Error{"not_found", fmt::format("no built-in shared file tasks/shared/{}", name)};
}

Json initial_messages(const Task& task) {
  Json messages = Json::array();
  messages.push_back(Json{{"role", "system"}, {"content", task.system_prompt}});
  for (const auto& m : task.history) messages.push_back(m);
  messages.push_back(Json{{"role", "user"}, {"content", task.user_prompt}});
  return messages;
}

Json task_to_json(const Task& task) {
  return Json{{"id", task.id},
              {"description", task.description},
              {"calibration", task.calibration},
              {"settings", task.settings},
              {"prompt", task.user_prompt},
              {"system_prompt", task.system_prompt},
              {"history", task.history},
              {"tools", task.tools},
              {"acceptance", task.acceptance},
              {"expected", task.expected},
              {"task_sha256", task.task_sha256},
              {"fixtures_sha256", task.fixtures_sha256}};
}

std::vector<std::string> task_ids() {
  std::vector<std::string> ids = ordered_ids();
  std::vector<std::string> rest;
  for (const auto& [name, bytes] : embedded::task_files()) {
    std::string_view n = name;
    if (n.size() < 6 || n.substr(n.size() - 5) != ".json" || n == "calibration.json") continue;
    std::string id(n.substr(0, n.size() - 5));
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) rest.push_back(id);
  }
  std::sort(rest.begin(), rest.end());
  ids.insert(ids.end(), rest.begin(), rest.end());
  return ids;
}

Result<Task> parse_task(std::string_view bytes, std::string_view source,
                        const std::string& tasks_dir) {
  auto parsed = parse_json(bytes, source);
  if (!parsed) return parsed.error();
  const Json& doc = *parsed;
  if (!doc.is_object()) return invalid(source, "the task file must hold a JSON object");
  Task task;
  task.source = std::string(source);
  task.task_sha256 = sha256_hex(bytes);

  auto need_string = [&](const char* key, bool non_empty) -> Result<std::string> {
    if (!doc.contains(key)) return invalid(source, fmt::format("field '{}': missing", key));
    if (!doc[key].is_string())
      return invalid(source, fmt::format("field '{}': must be a string", key));
    if (non_empty && doc[key].get_ref<const std::string&>().empty())
      return invalid(source, fmt::format("field '{}': must not be empty", key));
    return doc[key].get<std::string>();
  };
  auto id = need_string("id", true);
  if (!id) return id.error();
  task.id = *id;
  if (doc.contains("description")) {
    auto d = need_string("description", false);
    if (!d) return d.error();
    task.description = *d;
  }
  auto prompt = need_string("prompt", true);
  if (!prompt) return prompt.error();
  task.user_prompt = *prompt;
  if (!doc.contains("system_prompt")) return invalid(source, "field 'system_prompt': missing");
  auto system = resolve_text(doc["system_prompt"], source, "system_prompt", tasks_dir);
  if (!system) return system.error();
  task.system_prompt = *system;

  auto history = resolve_json(doc.value("history", Json::array()), source, "history", tasks_dir);
  if (!history) return history.error();
  if (!history->is_array())
    return invalid(source, "field 'history': must be an array of messages or \"@file\"");
  if (auto p = detail::validate_history(*history, "history")) return invalid(source, *p);
  task.history = std::move(*history);

  if (!doc.contains("tools")) return invalid(source, "field 'tools': missing");
  auto tools = resolve_tools(doc["tools"], source, tasks_dir);
  if (!tools) return tools.error();
  task.tools = std::move(*tools);

  if (!doc.contains("acceptance")) return invalid(source, "field 'acceptance': missing");
  if (auto p = detail::validate_acceptance(doc["acceptance"], "acceptance"))
    return invalid(source, *p);
  task.acceptance = doc["acceptance"];

  if (!doc.contains("expected")) return invalid(source, "field 'expected': missing");
  if (auto p = detail::validate_expected(doc["expected"], task.tools, "expected"))
    return invalid(source, *p);
  task.expected = doc["expected"];

  if (doc.contains("calibration")) {
    if (!doc["calibration"].is_boolean())
      return invalid(source, "field 'calibration': must be true or false");
    task.calibration = doc["calibration"].get<bool>();
  }
  if (doc.contains("settings")) {
    if (!doc["settings"].is_object()) return invalid(source, "field 'settings': must be an object");
    task.settings = doc["settings"];
  }
  std::string digest_input;
  auto fixtures = load_fixtures(tasks_dir, digest_input);
  if (!fixtures) return invalid(source, fixtures.error().message);
  task.fixtures = std::move(*fixtures);
  task.fixtures_sha256 = sha256_hex(digest_input);
  return task;
}

Result<Task> load_task(std::string_view id, const std::string& tasks_dir) {
  const std::string file = std::string(id) + ".json";
  if (id.empty() || id.find('/') != std::string_view::npos || id == "calibration")
    return Error{"not_found", fmt::format("'{}' is not a task id", id)};
  std::string bytes;
  std::string source;
  if (!tasks_dir.empty()) {
    auto path = std::filesystem::path(tasks_dir) / file;
    try {
      auto read = read_file_if_exists(path);
      if (!read)
        return Error{"not_found",
                     fmt::format("no task '{}': {} does not exist", id, path.string())};
      bytes = std::move(*read);
    } catch (const std::exception& e) {
      return Error{"io", e.what()};
    }
    source = path.string();
  } else {
    auto found = find_embedded(embedded::task_files(), file);
    if (!found) {
      std::string known;
      for (const auto& k : task_ids()) known += (known.empty() ? "" : ", ") + k;
      return Error{"not_found", fmt::format("no task '{}' (known: {})", id, known)};
    }
    bytes = std::string(*found);
    source = "tasks/" + file;
  }
  auto task = parse_task(bytes, source, tasks_dir);
  if (!task) return task;
  if (task->id != id)
    return invalid(source, fmt::format("field 'id': is \"{}\" but the file is named for \"{}\"",
                                       task->id, id));
  return task;
}

Result<Json> calibration_map(const std::string& tasks_dir) {
  std::string bytes;
  std::string source = "tasks/calibration.json";
  if (!tasks_dir.empty()) {
    auto path = std::filesystem::path(tasks_dir) / "calibration.json";
    try {
      auto read = read_file_if_exists(path);
      if (!read) return Error{"not_found", fmt::format("{} does not exist", path.string())};
      bytes = std::move(*read);
    } catch (const std::exception& e) {
      return Error{"io", e.what()};
    }
    source = path.string();
  } else {
    auto found = find_embedded(embedded::task_files(), "calibration.json");
    if (!found) return Error{"not_found", "no built-in tasks/calibration.json"};
    bytes = std::string(*found);
  }
  auto doc = parse_json(bytes, source);
  if (!doc) return doc;
  if (!doc->is_array()) return invalid(source, "must hold an array of entries");
  for (size_t i = 0; i < doc->size(); ++i) {
    const Json& e = (*doc)[i];
    for (const char* key : {"fault", "task", "expected_layer", "why"})
      if (!e.is_object() || !e.contains(key) || !e[key].is_string())
        return invalid(source, fmt::format("field '[{}].{}': missing or not a string", i, key));
    if (!e.contains("expected_step") || !e["expected_step"].is_number_unsigned())
      return invalid(source,
                     fmt::format("field '[{}].expected_step': missing or not a step number", i));
  }
  return doc;
}

}  // namespace bakeoff::tasks
