// A lenient reader of Gemma 4 native values (`{k:<|"|>v<|"|>,n:1,l:[…]}`), used by the control
// server's /api/chat parser and by the control model to read its prompt back. It accepts what
// Gemma 4 models really emit (keys with spaces, `key=value`, '…' and "…" strings, a missing
// final `}`) and records each irregularity, so a parse fault can act on exactly that case.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "common/json.h"

namespace bakeoff::control {

struct NativeReadNotes {
  bool missing_final_brace = false;            // the outermost object ended without its `}`
  bool spaced_keys = false;                    // a key holds whitespace
  bool equals_separator = false;               // `key=value`
  bool single_quoted = false;                  // '…' strings
  bool string_array_after_45_strings = false;  // Ollama's placeholder collision (#18354)
  int string_count = 0;
};

struct NativeRead {  // NOLINT(bugprone-exception-escape): Json's copy may throw only bad_alloc
  bool ok = false;
  Json value;
  size_t end = 0;     // offset just past the value
  std::string error;  // when !ok: what and where
  NativeReadNotes notes;
};

// Reads one value starting at `pos` (leading whitespace allowed). When `object_to_end` the text
// is the whole argument span of a call and an unclosed outermost object is repaired.
NativeRead read_native_value(std::string_view text, size_t pos = 0, bool object_to_end = false);

}  // namespace bakeoff::control
