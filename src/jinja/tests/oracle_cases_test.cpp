// Every case in cases.txt renders byte-identically to Python jinja2 (run once, in one batch, by
// oracle.py with BAKEOFF_PYTHON), or fails where jinja2 raises.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json.h"
#include "jinja/jinja.h"

namespace {

using bakeoff::Json;
using bakeoff::jinja::Template;

struct Case {
  std::string name;
  Json context = Json::object();
  std::string source;
};

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::vector<Case> load_cases() {
  std::string text = read_file(BAKEOFF_SOURCE_DIR "/src/jinja/tests/cases.txt");
  std::vector<Case> cases;
  std::istringstream in(text);
  std::string line;
  Case* cur = nullptr;
  bool first_line = false;
  while (std::getline(in, line)) {
    if (line.rfind("#### ", 0) == 0) {
      if (cur != nullptr && !cur->source.empty()) cur->source.pop_back();
      cases.push_back(Case{line.substr(5)});
      cur = &cases.back();
      first_line = true;
      continue;
    }
    if (cur == nullptr) continue;
    if (first_line && line.rfind("context: ", 0) == 0) {
      cur->context = Json::parse(line.substr(9));
      first_line = false;
      continue;
    }
    first_line = false;
    cur->source += line + "\n";
  }
  if (cur != nullptr && !cur->source.empty()) cur->source.pop_back();
  return cases;
}

TEST(OracleCases, EveryCaseMatchesPythonJinja2) {
  std::vector<Case> cases = load_cases();
  ASSERT_GT(cases.size(), 50u);
  Json batch = Json::array();
  for (const auto& c : cases) batch.push_back({{"template", c.source}, {"context", c.context}});
  auto dir = std::filesystem::temp_directory_path();
  std::string in_path =
      (dir / ("jinja_oracle_in_" + std::to_string(::getpid()) + ".json")).string();
  std::string out_path =
      (dir / ("jinja_oracle_out_" + std::to_string(::getpid()) + ".json")).string();
  {
    std::ofstream f(in_path, std::ios::binary);
    f << batch.dump();
  }
  std::string cmd = std::string(BAKEOFF_PYTHON) +
                    " " BAKEOFF_SOURCE_DIR "/src/jinja/tests/oracle.py " + in_path + " > " +
                    out_path;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "oracle failed: " << cmd;
  Json expected = Json::parse(read_file(out_path));
  std::filesystem::remove(in_path);
  std::filesystem::remove(out_path);
  ASSERT_EQ(expected.size(), cases.size());

  bakeoff::jinja::Options options;
  options.fixed_now_epoch_s = 1767323045;  // the oracle's 2026-01-02 03:04:05
  int matched = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const Json& want = expected[i];
    auto tpl = Template::compile(c.source, options);
    std::optional<std::string> got;
    std::string error;
    if (tpl.ok()) {
      auto r = tpl->render(c.context);
      if (r.ok()) {
        got = *r;
      } else {
        error = r.error().to_string();
      }
    } else {
      error = tpl.error().to_string();
    }
    if (want["ok"].get<bool>()) {
      EXPECT_TRUE(got.has_value()) << c.name << ": jinja2 rendered, we failed: " << error;
      if (got) {
        EXPECT_EQ(*got, want["out"].get<std::string>()) << c.name;
        if (*got == want["out"].get<std::string>()) ++matched;
      }
    } else {
      EXPECT_FALSE(got.has_value())
          << c.name << ": jinja2 raised " << want["error"].get<std::string>()
          << " but we rendered: " << got.value_or("");
      if (!got) ++matched;
    }
  }
  std::printf("jinja oracle cases: %d/%zu match Python jinja2\n", matched, cases.size());
}

}  // namespace
