// SHA-256 of bytes, as lowercase hex: the content address of every blob and fingerprint.
#pragma once
#include <string>
#include <string_view>

namespace bakeoff {
std::string sha256_hex(std::string_view bytes);
}  // namespace bakeoff
