// The sweep's live display (private to the sweep library): a \r-updated bar on a terminal, one
// plain line per finished unit otherwise.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace bakeoff::sweep::detail {

class Progress {
 public:
  // bar: redraw one line in place (and tick every second); otherwise print a line per unit.
  Progress(std::FILE* out, bool bar, size_t total, size_t skipped);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void started();
  void finished(const std::string& unit_id, const std::string& halt, int steps, double wall_s,
                bool error);
  void close();  // final redraw and newline; idempotent

  // "[####----] 3/8  running 2  errors 0  elapsed 1.2s  ETA 2.0s" (pure, for tests)
  static std::string bar_line(size_t done, size_t total, size_t running, size_t errors,
                              double elapsed_s, int width = 24);

 private:
  void draw_locked();
  double elapsed() const;

  std::FILE* out_;
  bool bar_;
  size_t total_, skipped_;
  size_t done_ = 0, running_ = 0, errors_ = 0;
  bool closed_ = false;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::thread ticker_;
};

}  // namespace bakeoff::sweep::detail
