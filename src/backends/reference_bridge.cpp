#include "backends/reference_bridge.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/core.h>

namespace bakeoff::backends {
namespace {

constexpr size_t kStderrKeep = 4096;

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<ReferenceBridge>> ReferenceBridge::start(const BridgeOptions& options) {
  if (options.argv.empty()) return Error{"env_missing", "reference bridge: no command given"};
  // A bridge that dies must surface as an error on the next write, not kill the harness.
  ::signal(SIGPIPE, SIG_IGN);
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return Error{"env_missing", fmt::format("reference bridge: pipe: {}", std::strerror(errno))};
  }
  // Build argv before fork: no allocation between fork and exec.
  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    return Error{"env_missing", fmt::format("reference bridge: fork: {}", std::strerror(errno))};
  }
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::execvp(argv[0], argv.data());
    const char msg[] = "reference bridge: cannot execute the command\n";
    (void)!::write(2, msg, sizeof(msg) - 1);
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  std::unique_ptr<ReferenceBridge> bridge(new ReferenceBridge());
  bridge->pid_ = pid;
  bridge->request_timeout_s_ = options.request_timeout_s;
  bridge->to_child_ = in_pipe[1];
  bridge->from_child_ = out_pipe[0];
  bridge->err_child_ = err_pipe[0];
  ::fcntl(bridge->err_child_, F_SETFL, O_NONBLOCK);

  auto line = bridge->read_line(options.ready_timeout_s);
  if (!line) {
    auto err = line.error();
    if (err.kind == "bridge_exited") err.kind = "env_missing";
    err.message =
        fmt::format("reference bridge `{}` did not start: {}", options.argv[0], err.message);
    return err;
  }
  try {
    bridge->ready_ = Json::parse(*line);
  } catch (const std::exception& e) {
    return Error{
        "malformed_body",
        fmt::format("reference bridge: ready line is not JSON ({}): {:.200}", e.what(), *line)};
  }
  if (!bridge->ready_.is_object() || bridge->ready_.value("event", "") != "ready") {
    return Error{"malformed_body",
                 fmt::format("reference bridge: expected a ready event, got {:.200}", *line)};
  }
  return bridge;
}

ReferenceBridge::~ReferenceBridge() {
  if (pid_ > 0) {
    // Ask politely, then insist: a bridge holding a GPU must not outlive the harness.
    try {
      write_all(to_child_, fmt::format("{{\"id\":{},\"op\":\"shutdown\"}}\n", ++next_id_));
    } catch (...) {  // NOLINT(bugprone-empty-catch): SIGKILL below ends it anyway
    }
    ::close(to_child_);
    int status = 0;
    for (int i = 0; i < 20; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      ::usleep(100'000);
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  if (from_child_ >= 0) ::close(from_child_);
  if (err_child_ >= 0) ::close(err_child_);
}

void ReferenceBridge::drain_stderr() {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(err_child_, buf, sizeof buf);
    if (n <= 0) break;
    err_buf_.append(buf, static_cast<size_t>(n));
  }
  if (err_buf_.size() > kStderrKeep) err_buf_.erase(0, err_buf_.size() - kStderrKeep);
}

std::string ReferenceBridge::stderr_tail() const {
  return err_buf_;
}

Result<std::string> ReferenceBridge::read_line(double timeout_s) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    if (auto nl = out_buf_.find('\n'); nl != std::string::npos) {
      std::string line = out_buf_.substr(0, nl);
      out_buf_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      drain_stderr();
      return Error{"timeout", fmt::format("no answer within {:.0f} s; stderr: {}", timeout_s,
                                          err_buf_.empty() ? "(empty)" : err_buf_)};
    }
    pollfd fds[2] = {{from_child_, POLLIN, 0}, {err_child_, POLLIN, 0}};
    int r = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (r < 0 && errno != EINTR) return Error{"bridge_exited", std::strerror(errno)};
    if (fds[1].revents & POLLIN) drain_stderr();
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      char buf[65536];
      ssize_t n = ::read(from_child_, buf, sizeof buf);
      if (n > 0) {
        out_buf_.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) {
        drain_stderr();
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return Error{"bridge_exited", fmt::format("the bridge exited (status {}); stderr: {}",
                                                  WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                                                  err_buf_.empty() ? "(empty)" : err_buf_)};
      }
    }
  }
}

Result<Json> ReferenceBridge::call(Json request) {
  if (pid_ <= 0) return Error{"bridge_exited", "the reference bridge is not running"};
  long id = ++next_id_;
  request["id"] = id;
  if (!write_all(to_child_, request.dump() + "\n")) {
    return Error{"bridge_exited",
                 fmt::format("cannot write to the bridge: {}", std::strerror(errno))};
  }
  auto line = read_line(request_timeout_s_);
  if (!line) return line.error();
  Json response;
  try {
    response = Json::parse(*line);
  } catch (const std::exception& e) {
    return Error{"malformed_body",
                 fmt::format("bridge reply is not JSON ({}): {:.200}", e.what(), *line)};
  }
  if (!response.is_object() || response.value("id", Json()) != Json(id)) {
    return Error{"malformed_body",
                 fmt::format("bridge reply does not answer request {}: {:.200}", id, *line)};
  }
  if (response.contains("error")) {
    const Json& err = response["error"];
    return Error{"bridge_" + (err.is_object() ? err.value("kind", "error") : std::string("error")),
                 err.is_object() ? err.value("message", err.dump()) : err.dump()};
  }
  return response;
}

}  // namespace bakeoff::backends
