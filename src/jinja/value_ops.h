// Operators with Python semantics: checked int64 arithmetic (overflow is an error, not a wrap),
// true and floor division, modulo signs, string/list repetition under a size cap, ordering,
// containment, item and slice access.
#pragma once
#include <cstddef>
#include <optional>

#include "jinja/ast.h"
#include "jinja/value.h"

namespace bakeoff::jinja {

// Strings and lists made by repetition or concatenation may not exceed this many bytes/items.
inline constexpr size_t kMaxSequenceSize = 64u << 20;

Value binary_op(BinOp op, const Value& a, const Value& b);
Value negate(const Value& a);
Value unary_plus(const Value& a);
bool compare_op(CmpOp op, const Value& a, const Value& b);
bool contains(const Value& container, const Value& item);
// Python's a < b for sorting (raises TypeError-style errors on unorderable types).
bool less_than(const Value& a, const Value& b);

// obj[key] as jinja2's sandbox does it (item first, then attribute); undefined when missing.
Value get_item(const Value& obj, const Value& key);
// obj.name (attribute first, then item).
Value get_attr(const Value& obj, const std::string& name);
Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step);

// The items a for loop or filter iterates: list/tuple items, dict keys, string characters.
// Throws for non-iterables. Undefined iterates as empty.
std::vector<Value> iterate(const Value& v);
// Python len(); throws for values without a length.
size_t py_len(const Value& v);

// Markup escaping (markupsafe.escape) of a value's str().
std::string html_escape(const std::string& s);

}  // namespace bakeoff::jinja
