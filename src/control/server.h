// `bakeoff serve`: an Ollama-compatible HTTP server over the control model, with fault injection.
// Endpoints (reference/server-apis.md §1): GET / and /api/version, /api/tags, /api/ps;
// POST /api/chat (streaming NDJSON or not, _debug_render_only), /api/generate (raw and
// templated, stop strings), /api/show (capabilities, model_info, a modelfile whose FROM line is
// a metadata-only GGUF carrying our chat template). Errors use Ollama's bodies and statuses.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace bakeoff::control {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                     // 0: an ephemeral port
  std::vector<std::string> faults;  // fault ids (faults.h)
  std::string latency = "none";     // latency model spec (see `bakeoff serve --help`)
  std::string model_dir;            // where the model GGUFs are written ("": a temp dir of
                                    // the server's own, removed when it stops)
};

// The models the server offers. Small ones render with the E2B/E4B generation prompt, large
// ones (26B/31B) with the empty thought block when thinking is off.
struct ServedModel {
  std::string name;  // "gemma4:latest"
  bool large = false;
  std::string size_label;      // "E4B", "26B"
  std::string parameter_size;  // "8.0B"
  int64_t parameter_count = 0;
};
const std::vector<ServedModel>& served_models();

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // Validates the options, writes the model files, binds and serves on a background thread;
  // returns the port once accepting connections, or an error naming the bad option.
  Result<int> try_start();
  // As try_start, throwing std::runtime_error on failure.
  void start();
  void stop();
  int port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT"

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bakeoff::control
