#include "sweep/progress.h"

#include <fmt/core.h>

namespace bakeoff::sweep::detail {

namespace {
std::string seconds_text(double s) {
  if (s < 60) return fmt::format("{:.1f}s", s);
  int total = static_cast<int>(s);
  if (total < 3600) return fmt::format("{}m{:02d}s", total / 60, total % 60);
  return fmt::format("{}h{:02d}m", total / 3600, (total / 60) % 60);
}
}  // namespace

Progress::Progress(std::FILE* out, bool bar, size_t total, size_t skipped)
    : out_(out),
      bar_(bar),
      total_(total),
      skipped_(skipped),
      start_(std::chrono::steady_clock::now()) {
  if (out_ == nullptr) return;
  if (skipped_ > 0) {
    fmt::print(out_, "resuming: {} units already in the run directory, {} to run\n", skipped_,
               total_);
  }
  if (bar_) {
    std::lock_guard lock(mutex_);
    draw_locked();
    // Tick so elapsed and ETA move while long units run.
    ticker_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      while (!closed_) {
        cv_.wait_for(lock, std::chrono::seconds(1));
        if (!closed_) draw_locked();
      }
    });
  }
}

Progress::~Progress() {
  close();
}

double Progress::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string Progress::bar_line(size_t done, size_t total, size_t running, size_t errors,
                               double elapsed_s, int width) {
  const size_t w = static_cast<size_t>(width);
  const size_t filled = total == 0 ? w : done * w / total;
  std::string bar(filled, '#');
  bar.append(w - filled, '-');
  std::string eta = "?";
  if (done > 0 && done <= total) {
    eta = seconds_text(elapsed_s / static_cast<double>(done) * static_cast<double>(total - done));
  }
  return fmt::format("[{}] {}/{}  running {}  errors {}  elapsed {}  ETA {}", bar, done, total,
                     running, errors, seconds_text(elapsed_s), eta);
}

void Progress::draw_locked() {
  if (out_ == nullptr || !bar_) return;
  fmt::print(out_, "\r{}\x1b[K", bar_line(done_, total_, running_, errors_, elapsed()));
  std::fflush(out_);
}

void Progress::started() {
  std::lock_guard lock(mutex_);
  ++running_;
  draw_locked();
}

void Progress::finished(const std::string& unit_id, const std::string& halt, int steps,
                        double wall_s, bool error) {
  std::lock_guard lock(mutex_);
  if (running_ > 0) --running_;
  ++done_;
  if (error) ++errors_;
  if (out_ == nullptr) return;
  if (bar_) {
    draw_locked();
  } else {
    fmt::print(out_, "[{}/{}] {}  {}  {} steps  {:.2f}s\n", done_, total_, unit_id, halt, steps,
               wall_s);
    std::fflush(out_);
  }
}

void Progress::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    if (bar_ && out_ != nullptr) {
      draw_locked();
      fmt::print(out_, "\n");
      std::fflush(out_);
    }
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

}  // namespace bakeoff::sweep::detail
