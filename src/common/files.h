// Whole-file I/O. Every file Bakeoff writes goes through write_file_atomic, so a killed process
// leaves either the old file or the new one, never half of either.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace bakeoff {

// Reads a whole file; throws std::runtime_error naming the path and the OS error.
std::string read_file(const std::filesystem::path& path);

// Like read_file, but returns nullopt when the file does not exist.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path);

// How far a write is made to last. Either way the rename is atomic, so a killed process leaves the
// old file or the new one, never half of either; `durable` also survives an OS crash or power
// loss (fsync of the file and its directory), at the cost of a disk flush per write.
// `contents_durable` flushes the file but not its directory: the write lasts an OS crash once
// sync_directory has run on the directory after it, so several writes can share that flush.
enum class Durability { durable, contents_durable, process_crash_safe };

// Writes to a unique temporary file in the same directory, renames it over `path` (fsyncing the
// file and the directory first when durable). Creates missing parent directories. Throws on
// failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes,
                       Durability durability = Durability::durable);

// Flushes a directory's entries (the renames into it) to disk; errors are ignored, as for the
// directory flush of a durable write.
void sync_directory(const std::filesystem::path& dir);

}  // namespace bakeoff
