// Gemma 4 native syntax (reference/gemma4-format.md §1): `<|tool_call>call:NAME{k:v,…}<tool_call|>`
// with strings as <|"|>…<|"|>, thinking in `<|channel>thought\n…<channel|>`.
#pragma once
#include <string>

#include "common/json.h"
#include "formats/format.h"

namespace bakeoff::formats::gemma4 {

const Format& format();

// Value and call serialisation exactly as the 2026-07-09 canonical template renders them:
// Python str() number forms, <|"|> strings, keys in case-insensitive order (dictsort).
std::string serialize_value(const Json& value);
std::string serialize_call(std::string_view name, const Json& arguments);

}  // namespace bakeoff::formats::gemma4
