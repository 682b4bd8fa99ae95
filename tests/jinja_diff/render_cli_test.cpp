// End-to-end tests of `bakeoff render`: the built binary, run as a user runs it.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <fmt/core.h>

#include "common/files.h"
#include "diff_support.h"

namespace bakeoff::jinja_diff {
namespace {
namespace fs = std::filesystem;

const fs::path kGemma4 = fs::path(BAKEOFF_SHARED_DIR) / "templates" / "gemma4" /
                         "ollama-testdata-gemma4_31b_chat_template.2026-07-09.jinja2";

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

class RenderCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / fmt::format("bakeoff_render_cli_{}_{}", getpid(),
                                                ::testing::UnitTest::GetInstance()->random_seed());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& bytes) {
    write_file_atomic(dir_ / name, bytes);
    return dir_ / name;
  }

  RunResult render(const std::string& args) {
    std::string command = fmt::format("'{}' render {} > '{}' 2> '{}'", BAKEOFF_BIN, args,
                                      (dir_ / "stdout").string(), (dir_ / "stderr").string());
    int raw = std::system(command.c_str());
    RunResult r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = read_file(dir_ / "stdout");
    r.err = read_file(dir_ / "stderr");
    return r;
  }

  fs::path dir_;
};

TEST_F(RenderCli, OpenAiStyleInputRendersByteIdenticalToPythonWithDecodedArguments) {
  const char* messages = R"([
    {"role": "system", "content": "Use tools. Quote \"exactly\"."},
    {"role": "user", "content": "Find Arrival — é 🎬"},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function",
      "function": {"name": "movie_search", "arguments": "{\"title\": \"Arrival\", \"year\": 2016}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "name": "movie_search", "content": "{\"results\": []}"}
  ])";
  const char* tools = R"([{"type": "function", "function": {"name": "movie_search",
    "description": "Find movies.", "parameters": {"type": "object", "properties": {
      "title": {"type": "string"}, "year": {"type": "integer"}}, "required": ["title"]}}}])";
  auto messages_path = write("messages.json", messages);
  auto tools_path = write("tools.json", tools);
  RunResult r = render(fmt::format(
      "--template '{}' --messages '{}' --tools '{}' --add-generation-prompt --bos '<bos>' "
      "--eos '<eos>' --var enable_thinking=true --now-epoch-s 1767323045",
      kGemma4.string(), messages_path.string(), tools_path.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");

  // Python renders the same conversation with the arguments already decoded to an object.
  Json decoded = Json::parse(messages);
  decoded[2]["tool_calls"][0]["function"]["arguments"] = {{"title", "Arrival"}, {"year", 2016}};
  Fixture fixture{"cli",
                  {{"messages", decoded},
                   {"tools", Json::parse(tools)},
                   {"bos_token", "<bos>"},
                   {"eos_token", "<eos>"},
                   {"extra", {{"enable_thinking", true}}}}};
  auto python = run_oracle(BAKEOFF_PYTHON, fs::path(BAKEOFF_JINJA_DIFF_DIR) / "oracle.py",
                           {{"gemma4/cli", kGemma4}}, {fixture}, 1767323045);
  ASSERT_TRUE(python[1].ok) << python[1].error;
  EXPECT_EQ(r.out, python[1].output);
  EXPECT_NE(r.out.find("movie_search"), std::string::npos);
}

TEST_F(RenderCli, PrintsExactlyThePromptWithoutAddingANewline) {
  // Without --tools the template sees tools=None, as transformers passes it.
  auto t = write("t.jinja", "{{ messages[0].content }}{{ tools is none }}|{{ x }}\n");
  auto m = write("m.json", R"([{"role":"user","content":"line\n"}])");
  RunResult r = render(
      fmt::format("--template '{}' --messages '{}' --var 'x=[1, \"a\"]'", t.string(), m.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "line\nTrue|[1, 'a']");
}

TEST_F(RenderCli, MalformedJsonIsAOneLineUsageErrorNamingTheFile) {
  auto t = write("t.jinja", "x");
  auto m = write("m.json", R"([{"role": "user", "content": "hi"},])");
  RunResult r = render(fmt::format("--template '{}' --messages '{}'", t.string(), m.string()));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("--messages " + m.string()), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;

  auto not_array = write("o.json", R"({"role": "user"})");
  r = render(fmt::format("--template '{}' --messages '{}' --tools '{}'", t.string(), m.string(),
                         not_array.string()));
  EXPECT_EQ(r.status, 2);
  r = render(fmt::format("--template '{}' --messages '{}'", t.string(), not_array.string()));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("expected a JSON array"), std::string::npos) << r.err;
}

TEST_F(RenderCli, MalformedVarIsAUsageErrorNamingTheArgument) {
  auto t = write("t.jinja", "x");
  auto m = write("m.json", "[]");
  for (const char* var : {"enable_thinking", "enable_thinking=tru", "1x=true", "=1"}) {
    RunResult r = render(
        fmt::format("--template '{}' --messages '{}' --var '{}'", t.string(), m.string(), var));
    EXPECT_EQ(r.status, 2) << var;
    EXPECT_NE(r.err.find(std::string("--var ") + var), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  }
}

TEST_F(RenderCli, MissingFilesAndOptionsAreUsageErrors) {
  auto m = write("m.json", "[]");
  RunResult r =
      render(fmt::format("--template '{}' --messages '{}'", (dir_ / "nope").string(), m.string()));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--template"), std::string::npos) << r.err;
  r = render(fmt::format("--messages '{}'", m.string()));
  EXPECT_EQ(r.status, 2);
}

TEST_F(RenderCli, TemplateErrorsExitOneWithLineColumnAndSourceLine) {
  auto m = write("m.json", R"([{"role":"user","content":"hi"}])");
  auto syntax = write("bad.jinja", "first line\n{% if messages %}{{ messages[0] + }}{% endif %}\n");
  RunResult r = render(fmt::format("--template '{}' --messages '{}'", syntax.string(), m.string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("{% if messages %}{{ messages[0] + }}"), std::string::npos) << r.err;

  auto raising = write("raise.jinja",
                       "{% if messages[0].role != 'system' %}"
                       "{{ raise_exception('Conversation must start with a system message') }}"
                       "{% endif %}");
  r = render(fmt::format("--template '{}' --messages '{}'", raising.string(), m.string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("Conversation must start with a system message"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace bakeoff::jinja_diff
