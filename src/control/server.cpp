#include "control/server.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "common/files.h"
#include "common/sha256.h"
#include "control/server_state.h"
#include "control/templates.h"
#include "gguf/gguf.h"

namespace bakeoff::control {

const std::vector<ServedModel>& served_models() {
  static const std::vector<ServedModel> kModels = {
      {"gemma4:latest", false, "E4B", "8.0B", 7996156490},
      {"gemma4:e4b", false, "E4B", "8.0B", 7996156490},
      {"gemma4:e2b", false, "E2B", "5.1B", 5123178082},
      {"gemma4:26b", true, "26B", "25.8B", 25805933872},
      {"gemma4:31b", true, "31B", "30.7B", 30697345024},
  };
  return kModels;
}

struct Server::Impl {
  ServerOptions options;
  ServerState state;
  httplib::Server http;
  std::thread thread;
  int port = 0;
  bool running = false;
  int listen_fd = -1;  // the listening socket, seen through set_socket_options
  // The temporary model directory this server made (no model_dir given): removed on stop().
  std::filesystem::path owned_dir;
  void remove_owned_dir() {
    if (owned_dir.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(owned_dir, ec);
    owned_dir.clear();
  }
};

namespace {

// The server's workers. cpp-httplib runs each connection on one worker for as long as the client
// keeps it alive, so a fixed pool (its default: 8 threads) makes the ninth keep-alive client wait
// until another one disconnects: a sweep at --concurrency 8 whose arms also hold a connection
// for fingerprints, or any higher concurrency, would stall. This queue starts a worker whenever
// every one is busy, so a connection never waits; workers stay for reuse until shutdown.
class ElasticTaskQueue final : public httplib::TaskQueue {
 public:
  ElasticTaskQueue() = default;
  ElasticTaskQueue(const ElasticTaskQueue&) = delete;
  ElasticTaskQueue& operator=(const ElasticTaskQueue&) = delete;
  ~ElasticTaskQueue() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(fn));
    // Idle workers not yet woken count in idle_, so more queued jobs than idle workers means
    // one of these jobs would wait.
    if (jobs_.size() > idle_) {
      try {
        workers_.emplace_back([this] { work(); });
        return;
      } catch (const std::system_error&) {
        // No thread to be had (a process limit): the job waits for a busy worker, as it
        // would in a fixed pool, rather than the exception ending the accept loop.
      }
    }
    cv_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      if (shut_down_) return;
      shut_down_ = true;
    }
    cv_.notify_all();
    // No enqueue after shutdown (the accept loop has ended), so workers_ no longer grows.
    for (auto& t : workers_) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        ++idle_;
        cv_.wait(lock, [this] { return shut_down_ || !jobs_.empty(); });
        --idle_;
        if (jobs_.empty()) return;  // shut down with nothing left to run
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  std::vector<std::thread> workers_;        // guarded by mu_ until shutdown
  size_t idle_ = 0;                         // workers waiting for a job; guarded by mu_
  bool shut_down_ = false;                  // guarded by mu_
};

// A metadata-only GGUF carrying our template, as a model file would (DESIGN.md §2).
Result<ModelEntry> write_model_file(const ServedModel& m, const std::filesystem::path& dir) {
  using gguf::Value;
  using gguf::ValueType;
  gguf::KeyValues kv = {
      {"general.architecture", Value::of_string("gemma4")},
      {"general.name", Value::of_string("Bakeoff control model " + m.size_label)},
      {"general.size_label", Value::of_string(m.size_label)},
      {"general.parameter_count",
       Value::of_uint(ValueType::uint64, static_cast<uint64_t>(m.parameter_count))},
      {"gemma4.context_length", Value::of_uint(ValueType::uint32, m.large ? 262144 : 131072)},
      {"gemma4.block_count", Value::of_uint(ValueType::uint32, m.large ? 60 : 42)},
      {"tokenizer.ggml.model", Value::of_string("gemma4")},
      {"tokenizer.ggml.bos_token_id", Value::of_uint(ValueType::uint32, 2)},
      {"tokenizer.ggml.eos_token_id", Value::of_uint(ValueType::uint32, 1)},
      {"tokenizer.ggml.add_bos_token", Value::of_bool(true)},
      {"tokenizer.chat_template", Value::of_string(std::string(control_template(m.large)))},
  };
  std::string bytes = gguf::encode_metadata(kv);
  ModelEntry e;
  e.info = m;
  e.digest = sha256_hex(bytes);
  std::error_code ec;
  std::filesystem::create_directories(dir / "blobs", ec);
  if (ec)
    return Error{"io", fmt::format("cannot create {}: {}", (dir / "blobs").string(), ec.message())};
  auto path = dir / "blobs" / ("sha256-" + e.digest);
  try {
    write_file_atomic(path, bytes);
  } catch (const std::exception& ex) {
    return Error{"io", fmt::format("cannot write {}: {}", path.string(), ex.what())};
  }
  e.gguf_path = path.string();
  e.gguf_size = static_cast<int64_t>(bytes.size());
  return e;
}

}  // namespace

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Server::~Server() {
  stop();
}

Result<int> Server::try_start() {
  if (impl_->running) return impl_->port;
  auto faults = select_faults(impl_->options.faults);
  if (!faults) return faults.error();
  auto latency = parse_latency(impl_->options.latency);
  if (!latency) return latency.error();
  impl_->state.faults = *faults;
  impl_->state.latency = *latency;
  std::filesystem::path dir = impl_->options.model_dir;
  if (dir.empty()) {
    // One directory per server (a process may run several), removed when it stops.
    static std::atomic<int> instances{0};
    dir = std::filesystem::temp_directory_path() /
          fmt::format("bakeoff-serve-{}-{}", ::getpid(), instances.fetch_add(1));
    impl_->owned_dir = dir;
  }
  impl_->state.models.clear();
  for (const auto& m : served_models()) {
    auto entry = write_model_file(m, dir);
    if (!entry) {
      impl_->remove_owned_dir();
      return entry.error();
    }
    impl_->state.models.push_back(*entry);
  }
  install_routes(impl_->http, impl_->state);
  impl_->http.new_task_queue = [] { return new ElasticTaskQueue(); };
  // Like Ollama (Go's net/http): no cap on the requests of one keep-alive connection (httplib
  // closes after 5 by default, a reconnect every few steps) and no Nagle delay on the small
  // writes of a streamed reply. An idle connection is closed after 1 s (httplib: 5 s), which a
  // client notices and reconnects; stop() waits for every open connection, so this bounds how
  // long a client that keeps one idle can hold it up.
  impl_->http.set_keep_alive_max_count(std::numeric_limits<size_t>::max());
  impl_->http.set_keep_alive_timeout(1);
  impl_->http.set_tcp_nodelay(true);
  impl_->http.set_socket_options([impl = impl_.get()](socket_t sock) {
    httplib::default_socket_options(sock);
    impl->listen_fd = sock;
  });
  const auto& host = impl_->options.host;
  int port = impl_->options.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(host);
    if (port <= 0) {
      impl_->remove_owned_dir();
      return Error{"bind", fmt::format("cannot bind {} on an ephemeral port", host)};
    }
  } else if (!impl_->http.bind_to_port(host, port)) {
    impl_->remove_owned_dir();
    return Error{"bind",
                 fmt::format("cannot bind {}:{} (in use, or not a local address?)", host, port)};
  }
  impl_->port = port;
  // cpp-httplib 0.11 listens with a backlog of 5, fixed when Debian compiled it: a sweep that
  // opens more connections at once overflows the queue, and the kernel drops SYNs that the
  // client resends a second later (units took 1.2 s instead of 0.18 s at --concurrency 8).
  // Listening again on the bound socket raises the backlog.
  if (impl_->listen_fd >= 0) ::listen(impl_->listen_fd, SOMAXCONN);
  // The socket already listens after bind: connections queue until the accept loop runs.
  impl_->thread = std::thread([this] { impl_->http.listen_after_bind(); });
  impl_->running = true;
  return port;
}

void Server::start() {
  auto r = try_start();
  if (!r) throw std::runtime_error(r.error().message);
}

void Server::stop() {
  if (!impl_) return;
  if (impl_->running) {
    impl_->http.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
    impl_->running = false;
  }
  impl_->remove_owned_dir();
}

int Server::port() const {
  return impl_->port;
}

std::string Server::base_url() const {
  std::string host = impl_->options.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return fmt::format("http://{}:{}", host, impl_->port);
}

}  // namespace bakeoff::control
