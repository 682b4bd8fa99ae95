#include "diff_support.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include <fmt/core.h>

#include "common/files.h"

namespace bakeoff::jinja_diff {
namespace fs = std::filesystem;

std::vector<TemplateFile> list_templates(const fs::path& templates_dir) {
  std::vector<TemplateFile> out;
  for (const char* family : {"gemma4", "corpus"}) {
    fs::path dir = templates_dir / family;
    if (!fs::is_directory(dir)) throw std::runtime_error("no template folder " + dir.string());
    std::vector<TemplateFile> found;
    for (const auto& entry : fs::directory_iterator(dir)) {
      auto ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".jinja" && ext != ".jinja2")) continue;
      found.push_back({std::string(family) + "/" + entry.path().filename().string(), entry.path()});
    }
    std::sort(found.begin(), found.end(),
              [](const TemplateFile& a, const TemplateFile& b) { return a.name < b.name; });
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

std::vector<Fixture> load_fixtures(const fs::path& dir) {
  std::vector<Fixture> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    Json request = Json::parse(read_file(entry.path()), nullptr, /*allow_exceptions=*/false);
    if (!request.is_object() || !request.contains("messages")) {
      throw std::runtime_error("fixture " + entry.path().string() +
                               " is not a JSON object with \"messages\"");
    }
    out.push_back({entry.path().stem().string(), std::move(request)});
  }
  std::sort(out.begin(), out.end(),
            [](const Fixture& a, const Fixture& b) { return a.name < b.name; });
  return out;
}

chat::ChatRequest to_request(const Fixture& fixture, bool add_generation_prompt) {
  const Json& r = fixture.request;
  chat::ChatRequest request;
  request.messages = r.at("messages");
  request.tools = r.value("tools", Json());
  request.add_generation_prompt = add_generation_prompt;
  request.bos_token = r.value("bos_token", "");
  request.eos_token = r.value("eos_token", "");
  request.extra = r.value("extra", Json::object());
  return request;
}

namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string read_all(FILE* pipe) {
  std::string out;
  char buffer[1 << 16];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  return out;
}

}  // namespace

std::vector<Outcome> run_oracle(const std::string& python, const fs::path& script,
                                const std::vector<TemplateFile>& templates,
                                const std::vector<Fixture>& fixtures, int64_t now_epoch_s) {
  Json job = Json::object();
  job["now_epoch_s"] = now_epoch_s;
  job["templates"] = Json::array();
  for (const auto& t : templates) job["templates"].push_back(t.path.string());
  job["fixtures"] = Json::array();
  for (const auto& f : fixtures)
    job["fixtures"].push_back({{"name", f.name}, {"request", f.request}});
  job["generation_prompt"] = Json::array({false, true});
  fs::path job_path =
      fs::temp_directory_path() / fmt::format("bakeoff_jinja_diff_{}.json", getpid());
  write_file_atomic(job_path, job.dump());

  std::string command = shell_quote(python) + " " + shell_quote(script.string()) + " " +
                        shell_quote(job_path.string());
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot start the oracle: " + command);
  std::string text = read_all(pipe);
  int status = pclose(pipe);
  fs::remove(job_path);
  if (status != 0) {
    throw std::runtime_error(fmt::format("the oracle failed (status {}): {}", status, command));
  }

  size_t expected = templates.size() * fixtures.size() * 2;
  std::vector<Outcome> outcomes(expected);
  std::vector<bool> seen(expected, false);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    Json record = Json::parse(std::string_view(text).substr(start, end - start), nullptr, false);
    start = end + 1;
    if (!record.is_object()) throw std::runtime_error("the oracle wrote a line that is not JSON");
    size_t i = pair_index(record.at("t").get<size_t>(), record.at("f").get<size_t>(),
                          record.at("g").get<bool>(), fixtures.size());
    if (i >= expected) throw std::runtime_error("the oracle answered a pair nobody asked for");
    Outcome& o = outcomes[i];
    seen[i] = true;
    if (record.contains("output")) {
      o.ok = true;
      o.output = record["output"].get<std::string>();
    } else {
      const Json& e = record.at("error");
      o.error_kind = e.at("type").get<std::string>();
      o.error_message = e.at("message").get<std::string>();
      o.error = o.error_kind + ": " + o.error_message;
    }
  }
  if (std::count(seen.begin(), seen.end(), true) != static_cast<long>(expected)) {
    throw std::runtime_error(fmt::format("the oracle answered {} of {} pairs",
                                         std::count(seen.begin(), seen.end(), true), expected));
  }
  return outcomes;
}

std::optional<size_t> first_difference(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return i;
  }
  if (a.size() != b.size()) return n;
  return std::nullopt;
}

std::string context_around(std::string_view text, size_t offset, size_t radius) {
  size_t begin = offset > radius ? offset - radius : 0;
  size_t end = std::min(text.size(), offset + radius);
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    if (i == offset) out += "\u00bb";  // marks the first differing byte
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (offset >= end) out += "\u00bb<end>";
  return out;
}

std::vector<KnownDifference> parse_known_differences(std::string_view text) {
  std::vector<KnownDifference> out;
  int line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    line.remove_prefix(first);
    auto next_word = [&line]() {
      size_t stop = line.find_first_of(" \t");
      std::string word(line.substr(0, stop));
      line.remove_prefix(stop == std::string_view::npos ? line.size() : stop);
      size_t skip = line.find_first_not_of(" \t");
      line.remove_prefix(skip == std::string_view::npos ? line.size() : skip);
      return word;
    };
    KnownDifference d;
    d.line = line_no;
    d.template_name = next_word();
    d.fixture = next_word();
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    d.reason = std::string(line);
    if (d.fixture.empty() || d.reason.empty()) {
      throw std::runtime_error(fmt::format(
          "known_differences.txt line {}: expected \"<template> <fixture>[:gen|:nogen] <reason>\"",
          line_no));
    }
    if (auto colon = d.fixture.rfind(':'); colon != std::string::npos) {
      std::string mode = d.fixture.substr(colon + 1);
      if (mode != "gen" && mode != "nogen") {
        throw std::runtime_error(fmt::format(
            "known_differences.txt line {}: fixture suffix must be :gen or :nogen, not :{}",
            line_no, mode));
      }
      d.gen = mode == "gen";
      d.fixture.resize(colon);
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace bakeoff::jinja_diff
