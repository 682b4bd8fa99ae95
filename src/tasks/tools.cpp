#include "tasks/tools.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <sstream>

#include "common/sha256.h"
#include "tasks/schema.h"

namespace bakeoff::tasks {
namespace {

bool contains_folded(std::string_view haystack, std::string_view needle) {
  return fold_case(haystack).find(fold_case(needle)) != std::string::npos;
}

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// Query tokens for memory_recall: runs of ASCII letters and digits (other bytes split), folded,
// at least 3 characters long.
std::vector<std::string> query_tokens(std::string_view query) {
  std::vector<std::string> tokens;
  std::string cur;
  auto flush = [&] {
    if (cur.size() >= 3) tokens.push_back(fold_case(cur));
    cur.clear();
  };
  for (char c : query) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        (static_cast<unsigned char>(c) >= 0x80))
      cur.push_back(c);
    else
      flush();
  }
  flush();
  return tokens;
}

std::string strip_trailing_slash(std::string url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

const Json* find_declaration(const Json& tools, std::string_view name) {
  for (const auto& t : tools)
    if (t["function"]["name"] == name) return &t["function"];
  return nullptr;
}

Json not_found() {
  return Json{{"error", "not_found"}};
}

}  // namespace

// NOLINTNEXTLINE(bugprone-exception-escape): Json members; ordered_json never throws on
// move/destroy
struct ToolBox::State {
  Json tools;  // copies, so a ToolBox never outlives what it reads
  Json web;
  Json catalogue;
  Json memory;  // the run's note store; memory_store appends
  std::string store_date;
  int next_memory_id = 1;

  Json web_search(const Json& a) const {
    const std::string q = fold_case(a.at("query").get<std::string>());
    Json results = Json::array();
    for (const auto& s : web.at("searches")) {
      if (q.find(fold_case(s.at("match").get<std::string>())) == std::string::npos) continue;
      results = s.at("results");
      break;
    }
    const auto n = a.value("max_results", size_t{3});
    if (results.size() > n)
      results.erase(results.begin() + static_cast<std::ptrdiff_t>(n), results.end());
    return Json{{"results", results}};
  }

  Json fetch_page(const Json& a) const {
    const std::string url = a.at("url").get<std::string>();
    for (const auto& p : web.at("pages"))
      if (strip_trailing_slash(p.at("url").get<std::string>()) == strip_trailing_slash(url))
        return Json{{"url", p.at("url")},
                    {"status", 200},
                    {"title", p.at("title")},
                    {"text", p.at("text")}};
    return Json{{"url", url}, {"status", 404}, {"text", ""}};
  }

  static Json summarize(const Json& a) {
    const auto words = words_of(a.at("text").get<std::string>());
    const auto max = a.value("max_words", size_t{60});
    std::string summary;
    for (size_t i = 0; i < words.size() && i < max; ++i) summary += (i ? " " : "") + words[i];
    if (words.size() > max) summary += "\u2026";
    return Json{{"summary", summary}, {"word_count", words.size()}};
  }

  Json movie_search(const Json& a) const {
    Json results = Json::array();
    for (const auto& m : catalogue.at("movies")) {
      if (a.contains("title") &&
          !contains_folded(m.at("title").get<std::string>(), a.at("title").get<std::string>()))
        continue;
      if (a.contains("director") && !contains_folded(m.at("director").get<std::string>(),
                                                     a.at("director").get<std::string>()))
        continue;
      if (a.contains("year") && m.at("year") != a.at("year")) continue;
      results.push_back(
          Json{{"movie_id", m.at("movie_id")}, {"title", m.at("title")}, {"year", m.at("year")}});
    }
    std::sort(results.begin(), results.end(), [](const Json& x, const Json& y) {
      return x.at("movie_id").get<std::string>() < y.at("movie_id").get<std::string>();
    });
    return Json{{"results", results}};
  }

  const Json* movie(const Json& a) const {
    for (const auto& m : catalogue.at("movies"))
      if (m.at("movie_id") == a.at("movie_id")) return &m;
    return nullptr;
  }

  Json movie_details(const Json& a) const {
    const Json* m = movie(a);
    if (!m) return not_found();
    Json out;
    for (const char* k : {"movie_id", "title", "year", "director", "runtime_min", "rating"})
      out[k] = m->at(k);
    return out;
  }

  Json check_library(const Json& a) const {
    const Json* m = movie(a);
    if (!m) return not_found();
    Json out{{"movie_id", (*m).at("movie_id")}, {"in_library", (*m).at("in_library")}};
    if ((*m).at("in_library") == true) {
      out["quality"] = (*m).at("quality");
      out["path"] = (*m).at("path");
    }
    return out;
  }

  Json memory_recall(const Json& a) const {
    const auto tokens = query_tokens(a.at("query").get<std::string>());
    const auto limit = a.value("limit", size_t{5});
    Json results = Json::array();
    for (const auto& e : memory) {
      const std::string hay =
          fold_case(e.at("topic").get<std::string>() + "\n" + e.at("text").get<std::string>());
      bool hit = std::any_of(tokens.begin(), tokens.end(), [&](const std::string& t) {
        return hay.find(t) != std::string::npos;
      });
      if (hit && results.size() < limit) results.push_back(e);
    }
    return Json{{"results", results}};
  }

  Json memory_store(const Json& a) {
    const std::string id = fmt::format("mem-{:04d}", next_memory_id++);
    memory.push_back(Json{
        {"id", id}, {"topic", a.at("topic")}, {"text", a.at("text")}, {"saved_at", store_date}});
    return Json{{"ok", true}, {"id", id}};
  }

  // Calibration tools: accept the arguments and return a receipt derived from them, so any
  // argument corruption changes the result hash.
  static Json receipt(std::string_view name, const Json& args_norm) {
    const std::string digest = sha256_hex(std::string(name) + "\n" + compact_json(args_norm));
    return Json{{"ok", true}, {"accepted", args_norm}, {"receipt", "rc-" + digest.substr(0, 8)}};
  }
};

ToolBox::ToolBox(const Task& task) : state_(std::make_unique<State>()) {
  state_->tools = task.tools;
  state_->web = task.fixtures.value("web", Json::object());
  state_->catalogue = task.fixtures.value("catalogue", Json::object());
  const Json memory = task.fixtures.value("memory", Json::object());
  state_->memory = memory.value("entries", Json::array());
  state_->store_date = memory.value("store_date", "");
  state_->next_memory_id = static_cast<int>(state_->memory.size()) + 1;
}
ToolBox::~ToolBox() = default;
ToolBox::ToolBox(ToolBox&&) noexcept = default;
ToolBox& ToolBox::operator=(ToolBox&&) noexcept = default;

ToolOutcome ToolBox::call(std::string_view name, const Json& args) {
  ToolOutcome out;
  const Json* decl = find_declaration(state_->tools, name);
  if (!decl) {
    out.args_norm = check_args(Json::object(), args).args_norm;
    out.result = Json{{"error", "unknown_tool"}, {"name", std::string(name)}};
  } else {
    ArgCheck checked = check_args((*decl)["parameters"], args);
    out.args_norm = std::move(checked.args_norm);
    if (checked.error) {
      out.result = std::move(*checked.error);
    } else {
      try {
        const Json& a = out.args_norm;
        State& s = *state_;
        if (name == "web_search")
          out.result = s.web_search(a);
        else if (name == "fetch_page")
          out.result = s.fetch_page(a);
        else if (name == "summarize")
          out.result = State::summarize(a);
        else if (name == "movie_search")
          out.result = s.movie_search(a);
        else if (name == "movie_details")
          out.result = s.movie_details(a);
        else if (name == "check_library")
          out.result = s.check_library(a);
        else if (name == "memory_recall")
          out.result = s.memory_recall(a);
        else if (name == "memory_store")
          out.result = s.memory_store(a);
        else
          out.result = State::receipt(name, a);
      } catch (const Json::exception& e) {
        // Only a malformed fixture (tasks_dir) can get here; report it as data, never crash.
        out.result = Json{{"error", "fixture_error"}, {"reason", e.what()}};
      }
    }
  }
  out.result_text = compact_json(out.result);
  out.result_sha256 = sha256_hex(out.result_text);
  return out;
}

Json normalise_args(const Task& task, std::string_view name, const Json& args) {
  const Json* decl = find_declaration(task.tools, name);
  return check_args(decl ? (*decl)["parameters"] : Json::object(), args).args_norm;
}

}  // namespace bakeoff::tasks
