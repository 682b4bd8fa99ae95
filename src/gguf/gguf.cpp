#include "gguf/gguf.h"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "common/files.h"

namespace bakeoff::gguf {

static_assert(std::endian::native == std::endian::little, "GGUF I/O assumes a little-endian host");

namespace {

constexpr std::string_view kMagic = "GGUF";
constexpr int kMaxNesting = 8;  // arrays of arrays deeper than this are corrupt in practice

struct Failure {
  std::string kind;
  std::string message;
};

bool valid_type(uint32_t t) {
  return t <= static_cast<uint32_t>(ValueType::float64);
}

// Fixed on-disk size of a scalar type; 0 for string/array (variable).
uint64_t fixed_size(ValueType t) {
  switch (t) {
    case ValueType::uint8:
    case ValueType::int8:
    case ValueType::boolean:
      return 1;
    case ValueType::uint16:
    case ValueType::int16:
      return 2;
    case ValueType::uint32:
    case ValueType::int32:
    case ValueType::float32:
      return 4;
    case ValueType::uint64:
    case ValueType::int64:
    case ValueType::float64:
      return 8;
    case ValueType::string:
    case ValueType::array:
      return 0;
  }
  return 0;
}

// Smallest possible encoding of one element: what an element count is checked against.
uint64_t min_size(ValueType t) {
  if (t == ValueType::string) return 8;  // u64 length
  if (t == ValueType::array) return 12;  // u32 type + u64 count
  return fixed_size(t);
}

// Reads from memory or a file, never past `size`.
class Reader {
 public:
  Reader(std::string_view mem, const ReadOptions& options)
      : mem_(mem), size_(mem.size()), options_(options) {}
  Reader(std::ifstream* file, uint64_t size, const ReadOptions& options)
      : file_(file), size_(size), options_(options) {}

  Metadata read_all() {
    Metadata md;
    where_ = "header";
    std::array<char, 4> magic{};
    read_bytes(magic.data(), magic.size(), "magic");
    if (std::string_view(magic.data(), magic.size()) != kMagic) {
      throw Failure{"not_gguf", fmt::format("not a GGUF file: magic at byte 0 is not \"GGUF\"")};
    }
    md.version = read_pod<uint32_t>("version");
    if (md.version != 2 && md.version != 3) {
      throw Failure{
          "unsupported_version",
          fmt::format("GGUF version {} at byte 4 is not supported (2 and 3 are)", md.version)};
    }
    md.tensor_count = read_pod<uint64_t>("tensor_count");
    md.kv_count = read_pod<uint64_t>("kv_count");
    // Each pair takes at least 8 (key length) + 4 (type) + 1 bytes.
    if (md.kv_count > remaining() / 13) {
      throw Failure{"corrupt",
                    fmt::format("kv_count {} at byte offset 16 cannot fit in the {} bytes "
                                "that follow",
                                md.kv_count, remaining())};
    }
    md.kv.reserve(md.kv_count);
    for (uint64_t k = 0; k < md.kv_count; ++k) {
      where_ = fmt::format("key #{}", k);
      std::string key = read_string("key");
      where_ = fmt::format("key #{} '{}'", k, key);
      uint32_t type = read_pod<uint32_t>("value type");
      if (!valid_type(type)) fail_corrupt(pos_ - 4, fmt::format("unknown value type {}", type));
      Value v = read_value(static_cast<ValueType>(type), 0);
      md.kv.emplace_back(std::move(key), std::move(v));
    }
    md.end_offset = pos_;
    return md;
  }

 private:
  uint64_t remaining() const { return size_ - pos_; }

  [[noreturn]] void fail_corrupt(uint64_t at, const std::string& why) const {
    throw Failure{"corrupt", fmt::format("{} at byte offset {}: {}", where_, at, why)};
  }

  void need(uint64_t n, std::string_view what) const {
    if (n > remaining()) {
      throw Failure{"truncated",
                    fmt::format("{} at byte offset {}: file ends while reading {} (need {} bytes, "
                                "{} left)",
                                where_, pos_, what, n, remaining())};
    }
  }

  void read_bytes(char* dst, uint64_t n, std::string_view what) {
    need(n, what);
    if (file_ == nullptr) {
      std::memcpy(dst, mem_.data() + pos_, n);
    } else if (!file_->read(dst, static_cast<std::streamsize>(n))) {
      throw Failure{"io", fmt::format("{} at byte offset {}: read error", where_, pos_)};
    }
    pos_ += n;
  }

  void skip(uint64_t n, std::string_view what) {
    need(n, what);
    if (file_ != nullptr) file_->seekg(static_cast<std::streamoff>(n), std::ios::cur);
    pos_ += n;
  }

  template <class T>
  T read_pod(std::string_view what) {
    T v{};
    read_bytes(reinterpret_cast<char*>(&v), sizeof(T), what);
    return v;
  }

  std::string read_string(std::string_view what) {
    uint64_t len = read_pod<uint64_t>(what);
    need(len, fmt::format("{} ({} bytes)", what, len));  // before allocating anything
    std::string s(len, '\0');
    read_bytes(s.data(), len, what);
    return s;
  }

  Value read_scalar(ValueType t) {
    Value v;
    v.type = t;
    switch (t) {
      case ValueType::uint8:
        v.u = read_pod<uint8_t>("uint8");
        break;
      case ValueType::int8:
        v.i = read_pod<int8_t>("int8");  // NOLINT(bugprone-signed-char-misuse): a signed number
        break;
      case ValueType::uint16:
        v.u = read_pod<uint16_t>("uint16");
        break;
      case ValueType::int16:
        v.i = read_pod<int16_t>("int16");
        break;
      case ValueType::uint32:
        v.u = read_pod<uint32_t>("uint32");
        break;
      case ValueType::int32:
        v.i = read_pod<int32_t>("int32");
        break;
      case ValueType::uint64:
        v.u = read_pod<uint64_t>("uint64");
        break;
      case ValueType::int64:
        v.i = read_pod<int64_t>("int64");
        break;
      case ValueType::float32:
        v.f = read_pod<float>("float32");
        break;
      case ValueType::float64:
        v.f = read_pod<double>("float64");
        break;
      case ValueType::boolean: {
        uint8_t b = read_pod<uint8_t>("bool");
        if (b > 1) fail_corrupt(pos_ - 1, fmt::format("bool value {} is neither 0 nor 1", b));
        v.b = b != 0;
        break;
      }
      case ValueType::string:
        v.s = read_string("string value");
        break;
      case ValueType::array:
        break;  // handled by read_value
    }
    return v;
  }

  Value read_value(ValueType t, int depth) {
    if (t != ValueType::array) return read_scalar(t);
    if (depth >= kMaxNesting) {
      fail_corrupt(pos_, fmt::format("arrays nested deeper than {}", kMaxNesting));
    }
    Value v;
    v.type = ValueType::array;
    uint64_t at = pos_;
    uint32_t et = read_pod<uint32_t>("array element type");
    if (!valid_type(et)) fail_corrupt(at, fmt::format("unknown array element type {}", et));
    v.elem_type = static_cast<ValueType>(et);
    at = pos_;
    v.count = read_pod<uint64_t>("array length");
    uint64_t min = min_size(v.elem_type);
    if (v.count > remaining() / min) {
      fail_corrupt(at, fmt::format("array of {} {} elements cannot fit in the {} bytes left",
                                   v.count, type_name(v.elem_type), remaining()));
    }
    bool keep = v.count <= options_.max_array_items;
    uint64_t fixed = fixed_size(v.elem_type);
    if (!keep && fixed != 0) {
      skip(v.count * fixed, "array data");
      return v;
    }
    if (keep) v.items.reserve(v.count);
    for (uint64_t n = 0; n < v.count; ++n) {
      Value item = read_value(v.elem_type, depth + 1);
      if (keep) v.items.push_back(std::move(item));
    }
    return v;
  }

  std::string_view mem_;
  std::ifstream* file_ = nullptr;
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
  ReadOptions options_;
  std::string where_;
};

template <class T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

void put_string(std::string& out, std::string_view s) {
  put<uint64_t>(out, s.size());
  out.append(s);
}

void put_value(std::string& out, const Value& v) {
  switch (v.type) {
    case ValueType::uint8:
      put<uint8_t>(out, static_cast<uint8_t>(v.u));
      break;
    case ValueType::int8:
      put<int8_t>(out, static_cast<int8_t>(v.i));
      break;
    case ValueType::uint16:
      put<uint16_t>(out, static_cast<uint16_t>(v.u));
      break;
    case ValueType::int16:
      put<int16_t>(out, static_cast<int16_t>(v.i));
      break;
    case ValueType::uint32:
      put<uint32_t>(out, static_cast<uint32_t>(v.u));
      break;
    case ValueType::int32:
      put<int32_t>(out, static_cast<int32_t>(v.i));
      break;
    case ValueType::uint64:
      put<uint64_t>(out, v.u);
      break;
    case ValueType::int64:
      put<int64_t>(out, v.i);
      break;
    case ValueType::float32:
      put<float>(out, static_cast<float>(v.f));
      break;
    case ValueType::float64:
      put<double>(out, v.f);
      break;
    case ValueType::boolean:
      put<uint8_t>(out, v.b ? 1 : 0);
      break;
    case ValueType::string:
      put_string(out, v.s);
      break;
    case ValueType::array:
      put<uint32_t>(out, static_cast<uint32_t>(v.elem_type));
      put<uint64_t>(out, v.items.size());
      for (const Value& item : v.items) put_value(out, item);
      break;
  }
}

Result<Metadata> run_reader(Reader& reader) {
  try {
    return reader.read_all();
  } catch (const Failure& f) {
    return Error{f.kind, f.message};
  } catch (const std::bad_alloc&) {
    return Error{"corrupt", "GGUF metadata too large to hold in memory"};
  }
}

}  // namespace

std::string_view type_name(ValueType type) {
  switch (type) {
    case ValueType::uint8:
      return "uint8";
    case ValueType::int8:
      return "int8";
    case ValueType::uint16:
      return "uint16";
    case ValueType::int16:
      return "int16";
    case ValueType::uint32:
      return "uint32";
    case ValueType::int32:
      return "int32";
    case ValueType::float32:
      return "float32";
    case ValueType::boolean:
      return "bool";
    case ValueType::string:
      return "string";
    case ValueType::array:
      return "array";
    case ValueType::uint64:
      return "uint64";
    case ValueType::int64:
      return "int64";
    case ValueType::float64:
      return "float64";
  }
  return "unknown";
}

Value Value::of_string(std::string text) {
  Value v;
  v.type = ValueType::string;
  v.s = std::move(text);
  return v;
}

Value Value::of_bool(bool b) {
  Value v;
  v.type = ValueType::boolean;
  v.b = b;
  return v;
}

Value Value::of_uint(ValueType type, uint64_t x) {
  Value v;
  v.type = type;
  v.u = x;
  return v;
}

Value Value::of_int(ValueType type, int64_t x) {
  Value v;
  v.type = type;
  v.i = x;
  return v;
}

Value Value::of_float(ValueType type, double x) {
  Value v;
  v.type = type;
  v.f = x;
  return v;
}

Value Value::of_array(ValueType elem_type, std::vector<Value> items) {
  Value v;
  v.type = ValueType::array;
  v.elem_type = elem_type;
  v.count = items.size();
  v.items = std::move(items);
  return v;
}

std::optional<int64_t> Value::as_int() const {
  switch (type) {
    case ValueType::uint8:
    case ValueType::uint16:
    case ValueType::uint32:
    case ValueType::uint64:
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
      return static_cast<int64_t>(u);
    case ValueType::int8:
    case ValueType::int16:
    case ValueType::int32:
    case ValueType::int64:
      return i;
    case ValueType::boolean:
      return b ? 1 : 0;
    default:
      return std::nullopt;
  }
}

Json Value::to_json() const {
  switch (type) {
    case ValueType::uint8:
    case ValueType::uint16:
    case ValueType::uint32:
    case ValueType::uint64:
      return u;
    case ValueType::int8:
    case ValueType::int16:
    case ValueType::int32:
    case ValueType::int64:
      return i;
    case ValueType::float32:
    case ValueType::float64:
      return f;
    case ValueType::boolean:
      return b;
    case ValueType::string:
      return s;
    case ValueType::array: {
      Json arr = Json::array();
      for (const Value& item : items) arr.push_back(item.to_json());
      return arr;
    }
  }
  return nullptr;
}

const Value* Metadata::find(std::string_view key) const {
  for (const auto& [k, v] : kv) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::optional<std::string> Metadata::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr || v->type != ValueType::string) return std::nullopt;
  return v->s;
}

std::optional<int64_t> Metadata::get_int(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return std::nullopt;
  return v->as_int();
}

std::optional<std::string> Metadata::architecture() const {
  return get_string("general.architecture");
}
std::optional<std::string> Metadata::name() const {
  return get_string("general.name");
}
std::optional<std::string> Metadata::size_label() const {
  return get_string("general.size_label");
}
std::optional<int64_t> Metadata::block_count() const {
  auto arch = architecture();
  if (!arch) return std::nullopt;
  return get_int(*arch + ".block_count");
}
std::optional<int64_t> Metadata::parameter_count() const {
  return get_int("general.parameter_count");
}
std::optional<std::string> Metadata::chat_template() const {
  return get_string("tokenizer.chat_template");
}

Result<Metadata> parse_metadata(std::string_view bytes, const ReadOptions& options) {
  Reader reader(bytes, options);
  return run_reader(reader);
}

Result<Metadata> read_metadata(const std::filesystem::path& path, const ReadOptions& options) {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return Error{"io", fmt::format("cannot read GGUF {}: {}", path.string(), ec.message())};
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error{"io", fmt::format("cannot open GGUF {}", path.string())};
  Reader reader(&file, size, options);
  auto result = run_reader(reader);
  if (!result) return Error{result.error().kind, path.string() + ": " + result.error().message};
  return result;
}

std::string encode_metadata(const KeyValues& kv, uint32_t version) {
  std::string out(kMagic);
  put<uint32_t>(out, version);
  put<uint64_t>(out, 0);  // tensor_count
  put<uint64_t>(out, kv.size());
  for (const auto& [key, value] : kv) {
    put_string(out, key);
    put<uint32_t>(out, static_cast<uint32_t>(value.type));
    put_value(out, value);
  }
  return out;
}

Result<uint64_t> write_gguf_metadata(const std::filesystem::path& path, const KeyValues& kv,
                                     uint32_t version) {
  std::string bytes = encode_metadata(kv, version);
  try {
    write_file_atomic(path, bytes);
  } catch (const std::exception& e) {
    return Error{"io", fmt::format("cannot write GGUF {}: {}", path.string(), e.what())};
  }
  return static_cast<uint64_t>(bytes.size());
}

}  // namespace bakeoff::gguf
