// bakeoff: runs the same tool-calling tasks through several inference paths of one model and
// reports, with evidence, whether and where the paths part.
#include <cstdio>
#include <exception>
#include <map>

#include <fmt/core.h>

#include "cli/commands.h"
#include "cli/version.h"
#include "common/allocator.h"

namespace {
int run_bakeoff(int argc, char** argv) {
  using namespace bakeoff::cli;
  CLI::App root{
      "Bakeoff: runs the same multi-step tool-calling tasks through several inference paths of\n"
      "one model (Ollama JSON tools, raw generate with the canonical template, the control\n"
      "model) and shows, step by step, whether they behave the same and where they part.",
      "bakeoff"};
  root.require_subcommand(1);
  root.set_version_flag("--version", std::string(bakeoff_version_string()));
  root.footer(
      "Start here:\n"
      "  bakeoff sweep                 offline sweep against the built-in control server\n"
      "  bakeoff run --arm ollama-json --task memory --out runs/A/memory.json\n"
      "  bakeoff compare RUN_DIR       first divergence per pair of arms, and the verdict\n"
      "Run 'bakeoff <command> --help' for a command's options.");

  std::map<CLI::App*, CommandRunner> runners;
  auto add = [&](CommandRunner (*adder)(CLI::App&)) {
    size_t before = root.get_subcommands({}).size();
    CommandRunner runner = adder(root);
    auto subs = root.get_subcommands({});
    if (subs.size() > before) runners[subs.back()] = std::move(runner);
  };
  add(add_run_command);
  add(add_sweep_command);
  add(add_compare_command);
  add(add_report_command);
  add(add_merge_command);
  add(add_render_command);
  add(add_parse_command);
  add(add_serve_command);
  add(add_faults_command);
  add(add_tasks_command);

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, exit 2: scripts can tell bad usage from a divergence (1) or success (0).
    std::string where;
    for (auto* sub : root.get_subcommands()) where = " " + sub->get_name();
    fmt::print(stderr, "bakeoff{}: {} (see 'bakeoff{} --help')\n", where, e.what(), where);
    return 2;
  }

  for (auto* sub : root.get_subcommands()) {
    auto it = runners.find(sub);
    if (it == runners.end()) continue;
    try {
      return it->second();
    } catch (const UsageError& e) {
      fmt::print(stderr, "bakeoff {}: {}\n", sub->get_name(), e.what());
      return 2;
    } catch (const std::exception& e) {
      fmt::print(stderr, "bakeoff {}: error: {}\n", sub->get_name(), e.what());
      return 1;
    }
  }
  return 2;
}
}  // namespace

int main(int argc, char** argv) {
  bakeoff::keep_freed_memory();
  // The commands report their own errors; this catches what escapes setting them up (an
  // allocation failure, a bad option table) so that main never ends by an exception.
  try {
    return run_bakeoff(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bakeoff: error: {}\n", e.what());
  } catch (...) {
    fmt::print(stderr, "bakeoff: error: unknown exception\n");
  }
  return 1;
}
