// GGUF metadata: the header and typed key/value pairs at the front of a GGUF model file (v2 and
// v3, little-endian). The reader stops before the tensor infos and never touches tensor data;
// every read is bounds-checked against the file size, so a truncated or hostile file yields an
// Error naming the key index and byte offset instead of a crash or a huge allocation.
// The writer emits a metadata-only GGUF (tensor_count 0): tests use it, and the control server
// publishes its chat template that way so template resolution finds it like a real model's.
#pragma once
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace bakeoff::gguf {

// Wire value types (gguf_metadata_value_type).
enum class ValueType : uint32_t {
  uint8 = 0,
  int8 = 1,
  uint16 = 2,
  int16 = 3,
  uint32 = 4,
  int32 = 5,
  float32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  uint64 = 10,
  int64 = 11,
  float64 = 12,
};

std::string_view type_name(ValueType type);

// One typed value. Integers live in `u` (unsigned types) or `i` (signed types), floats in `f`.
// Arrays keep their element type; `items` may hold fewer than `count` elements when the reader
// was told to skip large arrays (ReadOptions::max_array_items).
struct Value {
  ValueType type = ValueType::uint32;
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s;
  ValueType elem_type = ValueType::uint8;  // arrays only
  uint64_t count = 0;                      // arrays only: elements in the file
  std::vector<Value> items;                // arrays only: elements kept

  static Value of_string(std::string text);
  static Value of_bool(bool v);
  static Value of_uint(ValueType type, uint64_t v);  // uint8/16/32/64
  static Value of_int(ValueType type, int64_t v);    // int8/16/32/64
  static Value of_float(ValueType type, double v);   // float32/64
  static Value of_array(ValueType elem_type, std::vector<Value> items);

  // Any integer type (and bool) as int64, when it fits.
  std::optional<int64_t> as_int() const;
  Json to_json() const;  // strings, numbers, bools, arrays (kept items only)
};

using KeyValues = std::vector<std::pair<std::string, Value>>;

struct Metadata {
  uint32_t version = 0;
  uint64_t tensor_count = 0;
  uint64_t kv_count = 0;
  KeyValues kv;             // in file order
  uint64_t end_offset = 0;  // byte offset where the tensor infos begin

  const Value* find(std::string_view key) const;
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<int64_t> get_int(std::string_view key) const;

  // Common keys: general.architecture, general.name, general.size_label,
  // <arch>.block_count, general.parameter_count.
  std::optional<std::string> architecture() const;
  std::optional<std::string> name() const;
  std::optional<std::string> size_label() const;
  std::optional<int64_t> block_count() const;
  std::optional<int64_t> parameter_count() const;
  std::optional<std::string> chat_template() const;  // tokenizer.chat_template
};

struct ReadOptions {
  // Arrays longer than this are validated (bounds, types) but their items are not kept; real
  // models carry 262k-entry token arrays that metadata consumers never need.
  uint64_t max_array_items = std::numeric_limits<uint64_t>::max();
};

// Errors: kind "io" (cannot open/read), "not_gguf" (bad magic), "unsupported_version",
// "truncated", "corrupt" (bad type, absurd length, invalid nesting).
Result<Metadata> read_metadata(const std::filesystem::path& path, const ReadOptions& options = {});
Result<Metadata> parse_metadata(std::string_view bytes, const ReadOptions& options = {});

// A metadata-only GGUF (tensor_count 0), version 2 or 3.
std::string encode_metadata(const KeyValues& kv, uint32_t version = 3);
// Writes encode_metadata atomically; returns the number of bytes written, or kind "io".
Result<uint64_t> write_gguf_metadata(const std::filesystem::path& path, const KeyValues& kv,
                                     uint32_t version = 3);

}  // namespace bakeoff::gguf
