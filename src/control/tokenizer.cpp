#include "control/tokenizer.h"

#include <array>
#include <string>

#include "control/control_model.h"

namespace bakeoff::control {
namespace {

constexpr std::array<std::string_view, 24> kSpecialTokens = {"<bos>",
                                                             "<eos>",
                                                             "<pad>",
                                                             "<unk>",
                                                             "<mask>",
                                                             "<|turn>",
                                                             "<turn|>",
                                                             "<|tool>",
                                                             "<tool|>",
                                                             "<|tool_call>",
                                                             "<tool_call|>",
                                                             "<|tool_response>",
                                                             "<tool_response|>",
                                                             "<|\"|>",
                                                             "<|think|>",
                                                             "<|channel>",
                                                             "<channel|>",
                                                             "<|image|>",
                                                             "<|audio|>",
                                                             "<|video|>",
                                                             "<|image>",
                                                             "<image|>",
                                                             "<|audio>",
                                                             "<audio|>"};

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

}  // namespace

size_t special_token_at(std::string_view text, size_t pos) {
  if (text[pos] != '<') return 0;
  for (auto t : kSpecialTokens)
    if (text.substr(pos, t.size()) == t) return t.size();
  return 0;
}

std::vector<std::string_view> tokenize(std::string_view text) {
  std::vector<std::string_view> out;
  size_t p = 0;
  while (p < text.size()) {
    size_t n = special_token_at(text, p);
    if (n == 0) {
      char c = text[p];
      size_t e = p;
      if (is_alpha(c)) {
        while (e < text.size() && e - p < 4 && is_alpha(text[e])) ++e;
      } else if (is_digit(c)) {
        while (e < text.size() && e - p < 3 && is_digit(text[e])) ++e;
      } else if (is_space(c)) {
        while (e < text.size() && is_space(text[e])) ++e;
      } else {
        auto u = static_cast<unsigned char>(c);
        size_t len = u < 0x80 ? 1 : u >= 0xf0 ? 4 : u >= 0xe0 ? 3 : u >= 0xc0 ? 2 : 1;
        e = std::min(text.size(), p + len);
      }
      n = e - p;
    }
    out.push_back(text.substr(p, n));
    p += n;
  }
  return out;
}

int64_t count_tokens(std::string_view text) {
  return static_cast<int64_t>(tokenize(text).size());
}

std::string strip_special_tokens(std::string_view text) {
  std::string out;
  for (size_t p = 0; p < text.size();) {
    size_t n = special_token_at(text, p);
    if (n > 0) {
      p += n;
    } else {
      out.push_back(text[p++]);
    }
  }
  return out;
}

}  // namespace bakeoff::control
