#include "cli/commands.h"

namespace bakeoff::cli {

// Placeholder until the owning library lands; replaced by the real command.
CommandRunner add_render_command(CLI::App& root) {
  root.add_subcommand("render", "(not built yet)");
  return [] { throw std::runtime_error("'render' is not built yet"); return 1; };
}

}  // namespace bakeoff::cli
