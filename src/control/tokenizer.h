// The control tokenizer's pieces (the rule is documented in control_model.h).
#pragma once
#include <string_view>
#include <vector>

namespace bakeoff::control {

// Every token of `text`, as views into it, in order.
std::vector<std::string_view> tokenize(std::string_view text);
// Length of the special token spelled at text[pos], or 0.
size_t special_token_at(std::string_view text, size_t pos);

}  // namespace bakeoff::control
