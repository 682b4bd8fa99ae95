#include "store/run_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include <fmt/core.h>

#include "common/files.h"
#include "common/sha256.h"

namespace bakeoff::store {

namespace fs = std::filesystem;

bool is_error_halt(std::string_view halt_reason) {
  return halt_reason.rfind("error:", 0) == 0 || halt_reason == "env_missing";
}

std::string unit_status(const Json& trace) {
  std::string halt;
  if (trace.contains("final") && trace["final"].is_object()) {
    halt = trace["final"].value("halt_reason", "");
  }
  return is_error_halt(halt) ? "error" : "done";
}

Json manifest_entry(const Json& trace) {
  const std::string id = trace.value("unit_id", "");
  Json entry = Json::object();
  entry["arm"] = trace.value("arm", "");
  entry["task"] = trace.value("task", "");
  entry["repeat"] = trace.value("repeat", 0);
  entry["settings_id"] = trace.value("settings_id", "");
  entry["status"] = unit_status(trace);
  entry["halt_reason"] = trace.contains("final") && trace["final"].is_object()
                             ? trace["final"].value("halt_reason", "")
                             : "";
  entry["fingerprint"] = trace.contains("fingerprint") ? trace["fingerprint"] : Json::object();
  entry["trace"] = "units/" + id + ".json";
  // A-vs-A controls say which unit they re-run (compare pairs them with it only).
  for (const char* key : {"duplicate_of", "control"}) {
    if (trace.contains(key) && trace[key].is_string()) entry[key] = trace[key];
  }
  return entry;
}

std::string utc_now_iso() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<Json> read_trace(const fs::path& path) {
  std::optional<std::string> bytes;
  try {
    bytes = read_file_if_exists(path);
  } catch (const std::exception& e) {
    return Error{"io", e.what()};
  }
  if (!bytes) return Error{"not_found", fmt::format("{}: no such file", path.string())};
  Json trace = Json::parse(*bytes, nullptr, false);
  if (trace.is_discarded() || !trace.is_object()) {
    return Error{"malformed_trace", fmt::format("{}: not a JSON object", path.string())};
  }
  if (!trace.contains("unit_id") || !trace["unit_id"].is_string() ||
      trace["unit_id"].get<std::string>().empty()) {
    return Error{"malformed_trace", fmt::format("{}: no \"unit_id\"", path.string())};
  }
  return trace;
}

namespace {

// A unit id becomes a file name: refuse anything that could escape units/.
bool safe_unit_id(const std::string& id) {
  if (id.empty() || id[0] == '.') return false;
  for (char c : id) {
    if (c == '/' || c == '\\' || c == '\0') return false;
  }
  return true;
}

std::string steps_lines_of(const Json& trace) {
  std::string out;
  if (!trace.contains("turns") || !trace["turns"].is_array()) return out;
  for (const auto& step : trace["turns"]) {
    Json line = Json::object();
    line["unit_id"] = trace.value("unit_id", "");
    line["arm"] = trace.value("arm", "");
    line["task"] = trace.value("task", "");
    line["repeat"] = trace.value("repeat", 0);
    line["settings_id"] = trace.value("settings_id", "");
    for (const auto& [key, value] : step.items()) line[key] = value;
    out += line.dump();
    out += '\n';
  }
  return out;
}

}  // namespace

RunStore::RunStore(fs::path dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}

RunStore::~RunStore() {
  if (lock_fd_ >= 0) {
    flock(lock_fd_, LOCK_UN);
    close(lock_fd_);
  }
}

Result<std::unique_ptr<RunStore>> RunStore::open(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir / "units", ec);
  if (ec) {
    return Error{"io",
                 fmt::format("cannot create run directory {}: {}", dir.string(), ec.message())};
  }
  fs::create_directories(dir / "blobs", ec);
  const fs::path lock_path = dir / ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Error{"io", fmt::format("cannot open {}: {}", lock_path.string(), std::strerror(errno))};
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) {
      return Error{"locked", fmt::format("run directory {} is in use by another bakeoff process "
                                         "(lock held on {})",
                                         dir.string(), lock_path.string())};
    }
    return Error{"io", fmt::format("cannot lock {}: {}", lock_path.string(), std::strerror(err))};
  }
  std::unique_ptr<RunStore> store(new RunStore(dir, fd));

  // Keep the run-level facts of an existing manifest; units/ is re-read as the truth.
  if (auto bytes = read_file_if_exists(dir / "manifest.json")) {
    Json manifest = Json::parse(*bytes, nullptr, false);
    if (manifest.is_object()) {
      store->created_at_ = manifest.value("created_at", "");
      for (const auto& [key, value] : manifest.items()) {
        if (key != "units" && key != "format" && key != "created_at") store->run_info_[key] = value;
      }
    } else {
      store->load_warnings_.push_back((dir / "manifest.json").string() +
                                      ": not JSON; rebuilt from units/");
    }
  }
  if (store->created_at_.empty()) store->created_at_ = utc_now_iso();
  for (const auto& file : fs::directory_iterator(dir / "units")) {
    if (file.path().extension() != ".json") continue;  // temporaries of a killed writer
    auto trace = read_trace(file.path());
    if (!trace) {
      store->load_warnings_.push_back(trace.error().message + " (ignored)");
      continue;
    }
    const std::string id = trace->at("unit_id").get<std::string>();
    store->entries_[id] = manifest_entry(*trace);
    store->step_lines_[id] = steps_lines_of(*trace);
  }
  std::lock_guard lock(store->mutex_);
  store->write_indexes(store->render_indexes_locked());
  return store;
}

std::string RunStore::put_blob(std::string_view bytes) {
  std::string sha = sha256_hex(bytes);
  fs::path path = dir_ / "blobs" / sha.substr(0, 2) / sha;
  // Content-addressed: an existing file already holds exactly these bytes (it was renamed
  // into place whole), so writing again is needless.
  std::error_code ec;
  // Blobs are renamed into place whole but not flushed: a killed sweep cannot lose or tear one,
  // and a flush per blob (several per step) cost more than the harness's whole per-step budget.
  // After a power loss a blob may be missing or empty; its name (its sha256) shows it.
  if (!fs::exists(path, ec)) write_file_atomic(path, bytes, Durability::process_crash_safe);
  return sha;
}

std::optional<std::string> RunStore::get_blob(std::string_view sha256) const {
  if (sha256.size() < 2) return std::nullopt;
  return read_file_if_exists(dir_ / "blobs" / std::string(sha256.substr(0, 2)) /
                             std::string(sha256));
}

void RunStore::write_unit(const Json& trace) {
  const std::string id = trace.value("unit_id", "");
  if (!safe_unit_id(id)) {
    throw std::invalid_argument(fmt::format("unit trace has an unusable unit_id \"{}\"", id));
  }
  std::string lines = steps_lines_of(trace);
  Json entry = manifest_entry(trace);
  // Flushed now; the rename into units/ is made durable by the index commit below, which flushes
  // units/ before writing indexes that list this unit.
  write_file_atomic(dir_ / "units" / (id + ".json"), trace.dump(2) + "\n",
                    Durability::contents_durable);
  std::unique_lock lock(mutex_);
  entries_[id] = std::move(entry);
  step_lines_[id] = std::move(lines);
  ++changes_;
  commit_indexes(lock);
}

void RunStore::set_run_info(const Json& info) {
  std::unique_lock lock(mutex_);
  for (const auto& [key, value] : info.items()) run_info_[key] = value;
  ++changes_;
  commit_indexes(lock);
}

void RunStore::commit_indexes(std::unique_lock<std::mutex>& lock) {
  const uint64_t needed = changes_;
  while (committed_ < needed) {
    if (committing_) {
      // The rewrite being written may predate our change: wait, then look again.
      committed_cv_.wait(lock);
      continue;
    }
    committing_ = true;
    const uint64_t target = changes_;
    const IndexFiles files = render_indexes_locked();
    lock.unlock();
    try {
      write_indexes(files);
    } catch (...) {
      lock.lock();
      committing_ = false;
      committed_cv_.notify_all();  // a waiter tries again, and meets the error itself
      throw;
    }
    lock.lock();
    committing_ = false;
    committed_ = target;
    committed_cv_.notify_all();
  }
}

std::map<std::string, Json> RunStore::unit_entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

std::optional<Json> RunStore::load_unit(const std::string& unit_id) const {
  if (!safe_unit_id(unit_id)) return std::nullopt;
  auto trace = read_trace(dir_ / "units" / (unit_id + ".json"));
  if (!trace) return std::nullopt;
  return std::move(trace).value();
}

RunStore::IndexFiles RunStore::render_indexes_locked() const {
  Json manifest = Json::object();
  manifest["format"] = "bakeoff-run/1";
  if (!run_info_.contains("harness")) {
    // Until the caller says otherwise, the harness facts come from the first unit's fingerprint.
    Json harness = {{"version", ""}, {"git_sha", ""}};
    for (const auto& [id, entry] : entries_) {
      const Json& fp = entry["fingerprint"];
      if (fp.is_object()) {
        harness["version"] = fp.value("harness_version", "");
        harness["git_sha"] = fp.value("git_sha", "");
        break;
      }
    }
    manifest["harness"] = harness;
  }
  manifest["created_at"] = created_at_;
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) == 0) manifest["host_machine"] = host;
  for (const auto& [key, value] : run_info_.items()) manifest[key] = value;
  Json units = Json::object();
  for (const auto& [id, entry] : entries_) units[id] = entry;
  manifest["units"] = std::move(units);
  IndexFiles files;
  files.manifest = manifest.dump(2) + "\n";
  for (const auto& [id, lines] : step_lines_) files.steps += lines;
  return files;
}

void RunStore::write_indexes(const IndexFiles& files) const {
  // Every unit file renamed into units/ before this call is listed by these indexes: one flush
  // of units/ makes all their renames durable, then one of the run directory both indexes'.
  sync_directory(dir_ / "units");
  write_file_atomic(dir_ / "manifest.json", files.manifest, Durability::contents_durable);
  write_file_atomic(dir_ / "steps.jsonl", files.steps, Durability::contents_durable);
  sync_directory(dir_);
}

}  // namespace bakeoff::store
