// Text evidence for the compare layers: where two byte strings first differ, how to show bytes
// that hold control markers and newlines, a line diff (Myers) and an approximate tokenisation.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bakeoff::analysis {

// Offset of the first byte where a and b differ (a prefix differs at the shorter length);
// nullopt when they are equal.
std::optional<size_t> first_difference(std::string_view a, std::string_view b);

// Bytes made printable on one line: \n \r \t \\ as escapes, other control bytes and invalid
// UTF-8 as \xNN; valid UTF-8 text (and `<|…|>` markers) is kept as is.
std::string escape_for_display(std::string_view bytes);

// The bytes around `offset` (up to `radius` on each side), escaped for display.
std::string context_around(std::string_view bytes, size_t offset, size_t radius = 40);

// A unified diff of the lines of a and b (Myers' O(ND) algorithm), with `context` equal lines
// around each change and at most `max_lines` output lines (then "… N more lines"). Lines are
// escaped for display. Empty when a == b.
std::string unified_diff(std::string_view a, std::string_view b, std::string_view label_a,
                         std::string_view label_b, size_t context = 3, size_t max_lines = 200);

// A deterministic approximation of model tokens, used only to say "about which token" a
// completion diverges: control markers (`<|…>` / `<…|>` up to 24 bytes, no spaces) are one token
// each, a run of letters/digits (bytes >= 0x80 count as letters) is one token, a run of
// whitespace is one token, every other byte is a token of its own. Returns token start offsets.
std::vector<size_t> approx_token_starts(std::string_view text);

// Index of the approximate token that contains byte `offset` (the token count when offset is
// at or past the end).
size_t approx_token_index(std::string_view text, size_t offset);

}  // namespace bakeoff::analysis
