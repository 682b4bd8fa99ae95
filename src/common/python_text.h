// Python's text forms shared by the Jinja engine and the native codecs: repr() of a float,
// json.dumps' string literal, and the scan both quoting routines use.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace bakeoff {

// Python repr()/str() of a float: shortest round-trip digits, positional for 1e-4 <= |x| < 1e16
// (always with a '.': 2.0), exponent form otherwise (1e+16, 1e-05, 1.5e-07); inf, -inf, nan.
void append_python_float_repr(std::string& out, double v);
std::string python_float_repr(double v);

// json.dumps of a str: `"…"` with JSON escapes; with ensure_ascii, non-ASCII as \uXXXX (surrogate
// pairs above the BMP), else copied as UTF-8.
void append_json_string(std::string& out, std::string_view s, bool ensure_ascii);

// The end of the run of bytes from `from` on that a quoted string literal (Python repr, JSON)
// copies unchanged: printable ASCII other than `quote` and backslash. Eight bytes at a time.
size_t plain_ascii_run(std::string_view s, size_t from, char quote);

// Whether repr() copies `s` unchanged between its quotes: every byte is printable ASCII other
// than the backslash, and the two quote characters do not both occur (repr then picks the one
// that does not). `*quote` is the one repr uses. One pass, eight bytes at a time.
bool repr_copies_unchanged(std::string_view s, char* quote);

// `quote` + s + `quote`, written at once.
void append_quoted(std::string& out, std::string_view s, char quote);

// The room copy_json_plain and copy_repr_plain need at `to` beyond s.size().
inline constexpr size_t kPlainCopyRoom = 18;
// json.dumps / repr() of `s` written to `to` (room for s.size() + kPlainCopyRoom bytes) when `s`
// needs no escape: scanned and copied in one pass. Returns the bytes written, quotes included,
// or 0 when `s` needs an escape (part of the room may then be written; append_json_string and
// the repr writer handle it).
size_t copy_json_plain(char* to, std::string_view s, bool ensure_ascii);
size_t copy_repr_plain(char* to, std::string_view s);

}  // namespace bakeoff
