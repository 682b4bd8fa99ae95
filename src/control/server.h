// `bakeoff serve`: an Ollama-compatible HTTP server over the control model, with fault injection.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bakeoff::control {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                       // 0: an ephemeral port
  std::vector<std::string> faults;    // fault ids (faults.h)
  std::string latency = "none";       // latency model spec (see `bakeoff serve --help`)
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  // Binds and serves on a background thread; returns once accepting connections.
  void start();
  void stop();
  int port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT"

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bakeoff::control
