// Gemma 4 native-text building blocks shared by the control server's renderer, its parser and
// the control model: Python-style number and string forms, dictsort key order, and the two
// whitespace-trimming rules whose difference is Ollama divergence R13. Each renderer switch is
// one of the faults of ../shared/FAULTS.md, so a fault changes exactly one formatting decision.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace bakeoff::control {

inline constexpr std::string_view kQuote = "<|\"|>";

// How values are printed; all false is the 2026-07-09 canonical template.
struct ValueStyle {
  bool bytewise_key_sort = false;  // render-key-sort-bytewise (Ollama R1)
  bool float_as_int = false;       // render-float-as-int (R2): 2.0 -> 2
  bool exp_expanded = false;       // render-exp-expanded (R3): 1e+16 -> 10000000000000000
};

// Python str() of a JSON number: 5, -3, 2.0, 0.1, 1e-05, 1e+16.
std::string python_number(const Json& number, const ValueStyle& style = {});

// Object keys in render order: jinja's dictsort (case-insensitive, stable) or byte order.
std::vector<std::string> sorted_keys(const Json& object, bool bytewise = false);

// A value as the template's format_argument renders it (keys quoted with <|"|> when quote_keys).
std::string native_value(const Json& value, bool quote_keys, const ValueStyle& style = {});

// Python str.strip() (what jinja's trim does): Unicode whitespace including \x1c-\x1f.
std::string python_strip(std::string_view text);
// Go strings.TrimSpace: Unicode White_Space, which excludes \x1c-\x1f.
std::string go_trim_space(std::string_view text);

// Lower-case hex FNV-1a 64 of bytes: the control model's cheap prompt digest.
uint64_t fnv1a64(std::string_view bytes, uint64_t seed = 0xcbf29ce484222325ULL);

}  // namespace bakeoff::control
