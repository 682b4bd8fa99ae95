// The bakeoff subcommands. Each cmd_<name>.cpp adds one subcommand to the root app and returns the
// function that runs it once the command line has parsed; that function returns the exit status.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <stdexcept>
#include <string>

namespace bakeoff::cli {

using CommandRunner = std::function<int()>;

// Thrown by a runner for a semantically bad argument (a task that does not exist, a malformed
// --var): main prints "bakeoff <cmd>: <message>" on one line and exits with status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

CommandRunner add_run_command(CLI::App& root);
CommandRunner add_sweep_command(CLI::App& root);
CommandRunner add_merge_command(CLI::App& root);
CommandRunner add_compare_command(CLI::App& root);
CommandRunner add_report_command(CLI::App& root);
CommandRunner add_render_command(CLI::App& root);
CommandRunner add_parse_command(CLI::App& root);
CommandRunner add_serve_command(CLI::App& root);
CommandRunner add_faults_command(CLI::App& root);
CommandRunner add_tasks_command(CLI::App& root);

}  // namespace bakeoff::cli
