#include "common/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bakeoff {
namespace {

std::runtime_error os_error(const std::string& what, const std::filesystem::path& path) {
  return std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

void write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw os_error("cannot write", path);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::string read_file(const std::filesystem::path& path) {
  auto content = read_file_if_exists(path);
  if (!content) throw std::runtime_error("cannot read " + path.string() + ": no such file");
  return *content;
}

std::optional<std::string> read_file_if_exists(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    throw os_error("cannot open", path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw os_error("cannot read", path);
  return std::move(ss).str();
}

void write_file_atomic(const std::filesystem::path& path, std::string_view bytes,
                       Durability durability) {
  const bool sync = durability != Durability::process_crash_safe;
  static std::atomic<unsigned> counter{0};
  auto dir = path.parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir);
  auto tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw os_error("cannot create", tmp);
  try {
    write_all(fd, bytes, tmp);
    if (sync && ::fsync(fd) != 0) throw os_error("cannot fsync", tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto err = os_error("cannot rename onto", path);
    ::unlink(tmp.c_str());
    throw err;
  }
  if (durability == Durability::durable) sync_directory(dir);
}

}  // namespace bakeoff
