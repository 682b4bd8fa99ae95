// bakeoff parse: parse one model completion with a native format and print what it holds as JSON.
#include <fmt/core.h>

#include <iostream>
#include <iterator>
#include <string>

#include "cli/commands.h"
#include "common/files.h"
#include "common/json.h"
#include "formats/format.h"
#include "formats/gemma4.h"

namespace bakeoff::cli {
namespace {

struct ParseArgs {
  std::string format = "gemma4";
  std::string input = "-";
  bool starts_in_thinking = false;
};

Json issues_json(const std::vector<formats::ParseIssue>& issues) {
  Json out = Json::array();
  for (const auto& issue : issues)
    out.push_back({{"offset", issue.offset}, {"message", issue.message}});
  return out;
}

int run_parse(const ParseArgs& args) {
  const formats::Format* format = formats::find_format(args.format);
  if (format == nullptr) {
    std::string names;
    for (auto name : formats::format_names())
      names += (names.empty() ? "" : ", ") + std::string(name);
    throw UsageError(fmt::format("unknown format '{}' (formats: {})", args.format, names));
  }
  std::string completion;
  if (args.input == "-") {
    completion.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    completion = read_file(args.input);  // throws, naming the file: exit 1
  }
  formats::ParsedCompletion parsed;
  if (args.format == "gemma4" && args.starts_in_thinking) {
    parsed = formats::gemma4::parse(completion, {/*starts_in_thinking=*/true});
  } else {
    parsed = format->parse(completion);
  }
  Json calls = Json::array();
  for (const auto& call : parsed.tool_calls)
    calls.push_back({{"name", call.name}, {"arguments", call.arguments}, {"offset", call.offset}});
  Json out = {{"content", parsed.content},
              {"thinking", parsed.thinking},
              {"tool_calls", calls},
              {"errors", issues_json(parsed.errors)}};
  if (!parsed.repairs.empty()) out["repairs"] = issues_json(parsed.repairs);
  if (parsed.markers_stripped) out["markers_stripped"] = true;
  // Model output need not be valid UTF-8: replace bad bytes rather than fail to print.
  fmt::print("{}\n", out.dump(2, ' ', false, Json::error_handler_t::replace));
  return 0;
}

}  // namespace

CommandRunner add_parse_command(CLI::App& root) {
  auto args = std::make_shared<ParseArgs>();
  CLI::App* cmd = root.add_subcommand(
      "parse", "Parse a model completion (native tool-call syntax) and print it as JSON");
  cmd->add_option("--format", args->format, "native format (gemma4)")->capture_default_str();
  cmd->add_option("input", args->input, "completion file, or - for stdin")->capture_default_str();
  cmd->add_flag("--starts-in-thinking", args->starts_in_thinking,
                "the prompt ended inside a thinking channel (gemma4)");
  cmd->footer(
      "Prints {\"content\", \"thinking\", \"tool_calls\":[{name, arguments, offset}],\n"
      "\"errors\":[{offset, message}]}, plus \"repairs\" (non-canonical forms recovered) and\n"
      "\"markers_stripped\" when present. Offsets are bytes into the completion.");
  return [args] { return run_parse(*args); };
}

}  // namespace bakeoff::cli
