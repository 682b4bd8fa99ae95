// Writes many short pieces into a std::string through a pointer: while writing, the string's
// size is its room (grown in chunks) and the written length is kept apart; the string is cut
// to what was written when the writer ends. A repr() or tojson of context data is hundreds of
// short pieces; growing the string piece by piece cost more than the pieces.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace bakeoff {

// The n bytes (sizeof(Word) <= n <= 2 * sizeof(Word)) at `from` copied to `to` as their first
// and last word.
template <typename Word>
[[gnu::always_inline]] inline void copy_halves(char* to, const char* from, size_t n) {
  Word a = 0;
  Word b = 0;
  std::memcpy(&a, from, sizeof(Word));
  std::memcpy(&b, from + n - sizeof(Word), sizeof(Word));
  std::memcpy(to, &a, sizeof(Word));
  std::memcpy(to + n - sizeof(Word), &b, sizeof(Word));
}

// memcpy, without a call for the short texts that most keys and separators are.
[[gnu::always_inline]] inline void copy_text(char* to, std::string_view s) {
  const size_t n = s.size();
  const char* from = s.data();
  if (n > 16) {
    std::memcpy(to, from, n);
  } else if (n >= 8) {
    copy_halves<uint64_t>(to, from, n);
  } else if (n >= 4) {
    copy_halves<uint32_t>(to, from, n);
  } else {
    for (size_t i = 0; i < n; ++i) to[i] = from[i];
  }
}

class TextWriter {
 public:
  explicit TextWriter(std::string& out) : out_(out), len_(out.size()) {}
  ~TextWriter() { out_.resize(len_); }
  TextWriter(const TextWriter&) = delete;
  TextWriter& operator=(const TextWriter&) = delete;

  // Space for n more bytes at the write position (valid until the next room()). Inline on
  // purpose: a writer's pieces are a few bytes each, and a call costs more than the piece.
  [[gnu::always_inline]] char* room(size_t n) {
    if (out_.size() - len_ < n) grow(n);
    return out_.data() + len_;
  }
  // Counts n bytes written into room() as written.
  void advance(size_t n) { len_ += n; }
  [[gnu::always_inline]] void put(char c) {
    *room(1) = c;
    ++len_;
  }
  [[gnu::always_inline]] void put(std::string_view s) {
    copy_text(room(s.size()), s);
    len_ += s.size();
  }

 private:
  [[gnu::noinline]] void grow(size_t n) { out_.resize(std::max(out_.size() * 2, len_ + n + 1024)); }

  std::string& out_;
  size_t len_;
};

}  // namespace bakeoff
