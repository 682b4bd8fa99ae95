// bakeoff serve: the built-in Ollama-compatible server over the control model, with fault
// injection, until SIGINT/SIGTERM.
#include <fmt/format.h>

#include <csignal>
#include <cstdio>

#include "cli/commands.h"
#include "control/faults.h"
#include "control/server.h"

namespace bakeoff::cli {
namespace {

struct ServeOptions {
  control::ServerOptions server;
};

int run_serve(const ServeOptions& o) {
  for (const auto& id : o.server.faults)
    if (control::find_fault(id) == nullptr)
      throw UsageError(fmt::format("unknown fault '{}' (run 'bakeoff faults' for the list)", id));
  // Block the signals before the server's threads start so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  control::Server server(o.server);
  auto port = server.try_start();
  if (!port) {
    if (port.error().kind == "bind" || port.error().kind == "io")
      throw std::runtime_error(port.error().message);
    throw UsageError(port.error().message);
  }
  fmt::print("bakeoff serve: listening on {}", server.base_url());
  if (!o.server.faults.empty()) fmt::print(" with faults: {}", fmt::join(o.server.faults, ", "));
  fmt::print("\n");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  server.stop();
  fmt::print(stderr, "bakeoff serve: stopped ({})\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}

}  // namespace

CommandRunner add_serve_command(CLI::App& root) {
  auto opts = std::make_shared<ServeOptions>();
  auto* cmd = root.add_subcommand(
      "serve",
      "Serve the control model over an Ollama-compatible API (offline; optional fault injection)");
  cmd->add_option("--host", opts->server.host, "Address to bind (default: loopback only)")
      ->capture_default_str();
  cmd->add_option("--port", opts->server.port, "Port (0: an ephemeral port, printed at start)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option(
      "--fault", opts->server.faults,
      "Inject a fault by id; repeatable. 'bakeoff faults' lists every id with the layer "
      "and step compare must report. runtime-numeric-drift takes a probability: "
      "runtime-numeric-drift:0.3");
  cmd->add_option("--latency", opts->server.latency,
                  "Latency model: none | fixed:MS | rate:PREFILL_TPS,DECODE_TPS[,load=MS], "
                  "optionally followed by ',report-only' (report durations without sleeping)")
      ->capture_default_str();
  cmd->add_option("--model-dir", opts->server.model_dir,
                  "Where to write the models' GGUF files (default: a temporary directory)");
  cmd->footer(
      "Models: gemma4:latest (E4B), gemma4:e4b, gemma4:e2b (small template); gemma4:26b, "
      "gemma4:31b\n"
      "(large template). Endpoints: /api/chat, /api/generate, /api/show, /api/tags, /api/version,\n"
      "/api/ps. An omitted 'think' is false (the template's default) unless "
      "render-think-default-on.\n"
      "See 'bakeoff faults' for the fault catalogue.");
  return [opts] { return run_serve(*opts); };
}

}  // namespace bakeoff::cli
