// bakeoff render: renders a chat template with a conversation, exactly as
// transformers' apply_chat_template would, and prints the prompt byte for byte.
#include <cctype>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "chat/chat_template.h"
#include "cli/commands.h"
#include "common/files.h"
#include "common/json.h"

namespace bakeoff::cli {
namespace {

struct RenderArgs {
  std::string template_path;
  std::string messages_path;
  std::string tools_path;
  std::vector<std::string> vars;
  bool add_generation_prompt = false;
  std::string bos;
  std::string eos;
  std::optional<int64_t> now_epoch_s;
};

std::string read_input(const std::string& option, const std::string& path) {
  try {
    return read_file(path);
  } catch (const std::exception& e) {
    throw UsageError(fmt::format("{} {}: cannot read: {}", option, path, e.what()));
  }
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the rest
// says where.
std::string json_problem(const std::exception& e) {
  std::string what = e.what();
  if (what.rfind("[json.exception.", 0) == 0) {
    if (auto close = what.find("] "); close != std::string::npos) what.erase(0, close + 2);
  }
  return what;
}

Json parse_json_array_file(const std::string& option, const std::string& path) {
  Json value;
  try {
    value = Json::parse(read_input(option, path));
  } catch (const Json::exception& e) {
    throw UsageError(fmt::format("{} {}: not valid JSON: {}", option, path, json_problem(e)));
  }
  if (!value.is_array()) {
    throw UsageError(
        fmt::format("{} {}: expected a JSON array, found {}", option, path, value.type_name()));
  }
  return value;
}

bool is_identifier(const std::string& name) {
  if (name.empty() || (std::isdigit(static_cast<unsigned char>(name[0])) != 0)) return false;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') return false;
  }
  return true;
}

// --var NAME=JSON, e.g. enable_thinking=true or date_string='"26 Jul 2024"'.
std::pair<std::string, Json> parse_var(const std::string& arg) {
  auto eq = arg.find('=');
  if (eq == std::string::npos) {
    throw UsageError(fmt::format("--var {}: expected NAME=JSON", arg));
  }
  std::string name = arg.substr(0, eq);
  if (!is_identifier(name)) {
    throw UsageError(fmt::format("--var {}: '{}' is not a variable name", arg, name));
  }
  try {
    return {name, Json::parse(arg.substr(eq + 1))};
  } catch (const Json::exception& e) {
    throw UsageError(
        fmt::format("--var {}: the value is not JSON ({}); quote strings: {}='\"text\"'", arg,
                    json_problem(e), name));
  }
}

int run_render(const RenderArgs& args) {
  chat::ChatRequest request;
  auto decoded =
      chat::decode_openai_arguments(parse_json_array_file("--messages", args.messages_path));
  if (!decoded)
    throw UsageError("--messages " + args.messages_path + ": " + decoded.error().message);
  request.messages = std::move(decoded).value();
  if (!args.tools_path.empty()) request.tools = parse_json_array_file("--tools", args.tools_path);
  request.add_generation_prompt = args.add_generation_prompt;
  request.bos_token = args.bos;
  request.eos_token = args.eos;
  for (const auto& var : args.vars) {
    auto [name, value] = parse_var(var);
    request.extra[name] = std::move(value);
  }

  jinja::Options options;
  options.fixed_now_epoch_s = args.now_epoch_s;
  std::string source = read_input("--template", args.template_path);
  auto compiled = chat::ChatTemplate::compile(source, options);
  if (!compiled) {
    fmt::print(stderr, "bakeoff render: {}: {}\n", args.template_path,
               compiled.error().to_string());
    return 1;
  }
  auto prompt = compiled->render(request);
  if (!prompt) {
    fmt::print(stderr, "bakeoff render: {}: {}\n", args.template_path, prompt.error().to_string());
    return 1;
  }
  const std::string& bytes = prompt.value();
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() ||
      std::fflush(stdout) != 0) {
    fmt::print(stderr, "bakeoff render: cannot write the prompt to stdout\n");
    return 1;
  }
  return 0;
}

}  // namespace

CommandRunner add_render_command(CLI::App& root) {
  auto args = std::make_shared<RenderArgs>();
  CLI::App* cmd = root.add_subcommand("render",
                                      "Render a chat template with a conversation and print the "
                                      "prompt, byte for byte");
  cmd->add_option("--template", args->template_path, "Jinja chat template file")->required();
  cmd->add_option("--messages", args->messages_path,
                  "JSON array of OpenAI/HF-style messages; tool_calls "
                  "arguments given as JSON "
                  "strings (OpenAI style) are decoded to objects first, as HF "
                  "templates expect")
      ->required();
  cmd->add_option("--tools", args->tools_path,
                  "JSON array of tools "
                  "([{\"type\":\"function\",\"function\":{…}}]); without it "
                  "the template sees `tools` undefined");
  cmd->add_option("--var", args->vars,
                  "NAME=JSON: a further template variable, e.g. "
                  "enable_thinking=true (repeatable)");
  cmd->add_flag("--add-generation-prompt", args->add_generation_prompt,
                "Set add_generation_prompt (end with the assistant turn's opening)");
  cmd->add_option("--bos", args->bos, "bos_token text (default empty)");
  cmd->add_option("--eos", args->eos, "eos_token text (default empty)");
  cmd->add_option("--now-epoch-s", args->now_epoch_s,
                  "Instant strftime_now formats, in seconds since the epoch, "
                  "UTC (default: now)");
  cmd->footer(
      "The template runs as transformers' apply_chat_template runs it "
      "(sandboxed, trim_blocks,\n"
      "lstrip_blocks). Exit status: 0 rendered; 1 the template failed "
      "(line and column on\n"
      "stderr); 2 bad arguments or input files.\n"
      "Example:\n"
      "  bakeoff render --template chat_template.jinja --messages "
      "chat.json --tools tools.json \\\n"
      "      --add-generation-prompt --bos '<bos>' --var "
      "enable_thinking=false > prompt.txt");
  return [args] { return run_render(*args); };
}

}  // namespace bakeoff::cli
