// Python methods of str, list and dict that the immutable sandbox allows templates to call.
#include <algorithm>
#include <array>
#include <string_view>

#include <fmt/format.h>

#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/pyformat.h"
#include "jinja/text_ops.h"
#include "jinja/unicode.h"
#include "jinja/value_ops.h"

namespace bakeoff::jinja {
namespace {

constexpr std::string_view kStrMethods[] = {
    "capitalize", "casefold",     "center",      "count",      "endswith",     "find",
    "format",     "index",        "isalnum",     "isalpha",    "isdigit",      "isdecimal",
    "isnumeric",  "islower",      "isspace",     "istitle",    "isupper",      "join",
    "ljust",      "lower",        "lstrip",      "partition",  "removeprefix", "removesuffix",
    "replace",    "rfind",        "rindex",      "rjust",      "rpartition",   "rsplit",
    "rstrip",     "split",        "splitlines",  "startswith", "strip",        "swapcase",
    "title",      "upper",        "zfill",       "format_map", "encode",       "expandtabs",
    "isascii",    "isidentifier", "isprintable", "maketrans",  "translate",
};
constexpr std::string_view kListMethods[] = {"copy", "count", "index"};
constexpr std::string_view kDictMethods[] = {"copy", "get", "items", "keys", "values", "fromkeys"};
// The immutable sandbox refuses these (jinja2.sandbox.modifies_known_mutable).
constexpr std::string_view kListMutators[] = {"append", "clear",  "extend",  "insert",
                                              "pop",    "remove", "reverse", "sort"};
constexpr std::string_view kDictMutators[] = {"clear", "pop", "popitem", "setdefault", "update"};

// Asked on every attribute lookup of a str/list/dict (`content['type']`, `message.role`), and
// nearly always with a name that is no method: a first-byte filter skips most compares. One
// table per name list (the template parameter is the list itself).
template <const auto& kNames>
bool in(std::string_view n) {
  static const auto kFirstBytes = [] {
    std::array<bool, 256> seen{};
    for (std::string_view name : kNames) seen[static_cast<unsigned char>(name[0])] = true;
    return seen;
  }();
  if (n.empty() || !kFirstBytes[static_cast<unsigned char>(n[0])]) return false;
  return std::find(std::begin(kNames), std::end(kNames), n) != std::end(kNames);
}

const std::string& str_arg(const CallArgs& a, size_t i, std::string_view method) {
  if (i >= a.pos.size())
    fail("runtime", fmt::format("TypeError: {}() missing required argument", method));
  const Value& v = a.pos[i];
  if (v.kind != Kind::String) {
    fail("runtime",
         fmt::format("TypeError: {}() argument must be str, not {}", method, type_name(v)));
  }
  return v.str();
}

int64_t int_or(const CallArgs& a, size_t i, std::string_view kw, int64_t dflt) {
  const Value* v = a.get(i, kw);
  if (v == nullptr || v->is_none()) return dflt;
  if (v->kind == Kind::Int) return v->i;
  if (v->kind == Kind::Bool) return v->b;
  fail("runtime",
       fmt::format("TypeError: '{}' object cannot be interpreted as an integer", type_name(*v)));
}

Value str_list(const std::vector<std::string>& parts, bool safe) {
  std::vector<Value> items;
  items.reserve(parts.size());
  for (const auto& p : parts) items.push_back(Value::string(p, safe));
  return Value::list(std::move(items));
}

// Python's (start, end) arguments of find/count/startswith, as code-point offsets -> bytes.
std::string_view sub_range(const std::string& s, const CallArgs& a, size_t first, size_t* offset) {
  *offset = 0;
  if (a.pos.size() <= first) return s;
  std::u32string cps = unicode::decode(s);
  auto n = static_cast<int64_t>(cps.size());
  auto norm = [&](int64_t x) {
    if (x < 0) x += n;
    return std::clamp<int64_t>(x, 0, n);
  };
  int64_t b = norm(int_or(a, first, "", 0));
  int64_t e = a.pos.size() > first + 1 ? norm(int_or(a, first + 1, "", n)) : n;
  if (e < b) e = b;
  size_t bb = unicode::encode(cps.substr(0, static_cast<size_t>(b))).size();
  size_t eb = unicode::encode(cps.substr(0, static_cast<size_t>(e))).size();
  *offset = bb;
  return std::string_view(s).substr(bb, eb - bb);
}

Value bool_affix(const std::string& s, const CallArgs& a, bool starts, std::string_view method) {
  if (a.pos.empty())
    fail("runtime", fmt::format("TypeError: {}() takes at least 1 argument (0 given)", method));
  size_t off;
  std::string_view hay = sub_range(s, a, 1, &off);
  auto check = [&](const Value& p) {
    if (p.kind != Kind::String) {
      fail("runtime", fmt::format("TypeError: {} first arg must be str or a tuple of str, not {}",
                                  method, type_name(p)));
    }
    const std::string& x = p.str();
    if (x.size() > hay.size()) return false;
    return starts ? hay.substr(0, x.size()) == x : hay.substr(hay.size() - x.size()) == x;
  };
  const Value& p = a.pos[0];
  if (p.kind == Kind::Tuple) {
    for (const auto& item : p.list_obj().items) {
      if (check(item)) return Value::boolean(true);
    }
    return Value::boolean(false);
  }
  return Value::boolean(check(p));
}

int64_t cp_index(const std::string& s, size_t byte_pos) {
  return static_cast<int64_t>(unicode::length(std::string_view(s).substr(0, byte_pos)));
}

Value str_method(const Value& self, std::string_view name, const CallArgs& a) {
  const std::string& s = self.str();
  bool safe = self.safe;
  auto strip_impl = [&](bool left, bool right) {
    const Value* chars = a.get(0, "chars");
    std::string cs;
    bool use = chars != nullptr && !chars->is_none();
    if (use) {
      if (chars->kind != Kind::String) fail("runtime", "TypeError: strip arg must be None or str");
      cs = chars->str();
    }
    return Value::string(std::string(unicode::strip(s, use ? &cs : nullptr, left, right)), safe);
  };
  if (name == "strip") return strip_impl(true, true);
  if (name == "lstrip") return strip_impl(true, false);
  if (name == "rstrip") return strip_impl(false, true);
  if (name == "upper") return Value::string(unicode::upper(s), safe);
  if (name == "lower" || name == "casefold") return Value::string(unicode::lower(s), safe);
  if (name == "title") return Value::string(unicode::title(s), safe);
  if (name == "capitalize") return Value::string(unicode::capitalize(s), safe);
  if (name == "swapcase") return Value::string(unicode::swapcase(s), safe);
  if (name == "split" || name == "rsplit") {
    const Value* sep = a.get(0, "sep");
    std::string sep_s;
    bool use = sep != nullptr && !sep->is_none();
    if (use) {
      if (sep->kind != Kind::String) fail("runtime", "TypeError: must be str or None");
      sep_s = sep->str();
    }
    int64_t maxsplit = int_or(a, 1, "maxsplit", -1);
    auto parts = name == "split" ? py_split(s, use ? &sep_s : nullptr, maxsplit)
                                 : py_rsplit(s, use ? &sep_s : nullptr, maxsplit);
    return str_list(parts, safe);
  }
  if (name == "splitlines") {
    const Value* keep = a.get(0, "keepends");
    return str_list(py_splitlines(s, keep != nullptr && truthy(*keep)), safe);
  }
  if (name == "startswith") return bool_affix(s, a, true, name);
  if (name == "endswith") return bool_affix(s, a, false, name);
  if (name == "replace") {
    const std::string& old = str_arg(a, 0, name);
    std::string repl = str_arg(a, 1, name);
    if (safe) repl = html_escape(repl);
    return Value::string(py_replace(s, old, repl, int_or(a, 2, "count", -1)), safe);
  }
  if (name == "find" || name == "index" || name == "rfind" || name == "rindex") {
    const std::string& sub = str_arg(a, 0, name);
    size_t off;
    std::string_view hay = sub_range(s, a, 1, &off);
    size_t p = (name == "find" || name == "index") ? hay.find(sub) : py_rfind(hay, sub);
    if (p == std::string_view::npos) {
      if (name == "index" || name == "rindex") fail("runtime", "ValueError: substring not found");
      return Value::integer(-1);
    }
    return Value::integer(cp_index(s, off + p));
  }
  if (name == "count") {
    const std::string& sub = str_arg(a, 0, name);
    size_t off;
    std::string_view hay = sub_range(s, a, 1, &off);
    if (sub.empty()) return Value::integer(static_cast<int64_t>(unicode::length(hay)) + 1);
    int64_t n = 0;
    for (size_t p = hay.find(sub); p != std::string_view::npos; p = hay.find(sub, p + sub.size()))
      ++n;
    return Value::integer(n);
  }
  if (name == "join") {
    if (a.pos.empty()) fail("runtime", "TypeError: join() takes exactly one argument (0 given)");
    std::string out;
    std::vector<Value> items = iterate(a.pos[0]);
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].kind != Kind::String) {
        fail("runtime", fmt::format("TypeError: sequence item {}: expected str instance, {} found",
                                    i, type_name(items[i])));
      }
      if (i > 0) out += s;
      out += safe && !items[i].safe ? html_escape(items[i].str()) : items[i].str();
      if (out.size() > kMaxSequenceSize) fail("limit", "string too large");
    }
    return Value::string(std::move(out), safe);
  }
  if (name == "format") return Value::string(str_format(s, a.pos, a.kw), safe);
  if (name == "format_map") {
    if (a.pos.empty() || a.pos[0].kind != Kind::Dict)
      fail("runtime", "TypeError: format_map() needs a mapping");
    std::vector<std::pair<std::string, Value>> kw;
    for (const auto& [k, v] : a.pos[0].dict_obj().items) kw.emplace_back(to_str(k), v);
    return Value::string(str_format(s, {}, kw), safe);
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    int64_t w = int_or(a, 0, "width", 0);
    std::string fill = a.pos.size() > 1 ? str_arg(a, 1, name) : " ";
    if (unicode::length(fill) != 1)
      fail("runtime", "TypeError: The fill character must be exactly one character long");
    if (name == "center") return Value::string(py_center(s, w, fill), safe);
    return Value::string(py_ljust(s, w, fill, name == "rjust"), safe);
  }
  if (name == "zfill") {
    int64_t w = int_or(a, 0, "width", 0);
    auto len = static_cast<int64_t>(unicode::length(s));
    if (w <= len) return self;
    std::string sign, body = s;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
      sign = s.substr(0, 1);
      body = s.substr(1);
    }
    return Value::string(sign + std::string(static_cast<size_t>(w - len), '0') + body, safe);
  }
  if (name == "partition" || name == "rpartition") {
    const std::string& sep = str_arg(a, 0, name);
    if (sep.empty()) fail("runtime", "ValueError: empty separator");
    size_t p = name == "partition" ? s.find(sep) : py_rfind(s, sep);
    if (p == std::string::npos) {
      if (name == "partition")
        return Value::tuple(
            {Value::string(s, safe), Value::string("", safe), Value::string("", safe)});
      return Value::tuple(
          {Value::string("", safe), Value::string("", safe), Value::string(s, safe)});
    }
    return Value::tuple({Value::string(s.substr(0, p), safe), Value::string(sep, safe),
                         Value::string(s.substr(p + sep.size()), safe)});
  }
  if (name == "removeprefix" || name == "removesuffix") {
    const std::string& x = str_arg(a, 0, name);
    if (name == "removeprefix" && s.compare(0, x.size(), x) == 0)
      return Value::string(s.substr(x.size()), safe);
    if (name == "removesuffix" && !x.empty() && s.size() >= x.size() &&
        s.compare(s.size() - x.size(), x.size(), x) == 0) {
      return Value::string(s.substr(0, s.size() - x.size()), safe);
    }
    return self;
  }
  auto all_of = [&](auto pred) {
    std::u32string cps = unicode::decode(s);
    if (cps.empty()) return Value::boolean(false);
    return Value::boolean(std::all_of(cps.begin(), cps.end(), pred));
  };
  if (name == "isdigit" || name == "isdecimal" || name == "isnumeric")
    return all_of([](char32_t c) { return unicode::is_digit(c); });
  if (name == "isalpha") return all_of([](char32_t c) { return unicode::is_alpha(c); });
  if (name == "isalnum") return all_of([](char32_t c) { return unicode::is_alnum(c); });
  if (name == "isspace") return all_of([](char32_t c) { return unicode::is_space(c); });
  if (name == "isascii") return Value::boolean(unicode::is_ascii(s));
  if (name == "isupper") return Value::boolean(unicode::is_upper(s));
  if (name == "islower") return Value::boolean(unicode::is_lower(s));
  if (name == "istitle")
    return Value::boolean(!s.empty() && unicode::title(s) == s &&
                          unicode::is_upper(s.substr(0, 1)));
  fail("runtime", fmt::format("str.{}() is not supported", name));
}

Value list_method(const Value& self, std::string_view name, const CallArgs& a) {
  const auto& items = self.list_obj().items;
  if (name == "copy") return Value::list(items);
  if (name == "count") {
    if (a.pos.empty()) fail("runtime", "TypeError: count() takes exactly one argument");
    int64_t n = 0;
    for (const auto& v : items) n += py_equal(v, a.pos[0]) ? 1 : 0;
    return Value::integer(n);
  }
  if (name == "index") {
    if (a.pos.empty()) fail("runtime", "TypeError: index expected at least 1 argument");
    for (size_t i = 0; i < items.size(); ++i) {
      if (py_equal(items[i], a.pos[0])) return Value::integer(static_cast<int64_t>(i));
    }
    fail("runtime", fmt::format("ValueError: {} is not in list", to_repr(a.pos[0])));
  }
  fail("runtime", fmt::format("list.{}() is not supported", name));
}

Value dict_method(const Value& self, std::string_view name, const CallArgs& a) {
  if (name == "get" && !a.pos.empty() && a.pos[0].kind == Kind::String) {
    // `message.get('tool_calls')` on context data: read in place, not converted.
    if (Value found; json_item(self, a.pos[0].str(), &found)) return found;
    if (self.json_source() != nullptr) return a.pos.size() > 1 ? a.pos[1] : Value::none();
  }
  const auto& d = self.dict_obj();
  if (name == "get") {
    if (a.pos.empty()) fail("runtime", "TypeError: get expected at least 1 argument, got 0");
    const Value* v = d.find(a.pos[0]);
    if (v != nullptr) return *v;
    return a.pos.size() > 1 ? a.pos[1] : Value::none();
  }
  if (name == "items") {
    std::vector<Value> out;
    out.reserve(d.items.size());
    for (const auto& [k, v] : d.items) out.push_back(Value::tuple({k, v}));
    Value view = Value::list(std::move(out));
    view.view = 1;
    return view;
  }
  if (name == "keys" || name == "values") {
    std::vector<Value> out;
    out.reserve(d.items.size());
    for (const auto& [k, v] : d.items) out.push_back(name == "keys" ? k : v);
    Value view = Value::list(std::move(out));
    view.view = name == "keys" ? 2 : 3;
    return view;
  }
  if (name == "copy") {
    Value c = Value::dict();
    c.dict_obj().items = d.items;
    return c;
  }
  fail("runtime", fmt::format("dict.{}() is not supported", name));
}

}  // namespace

bool is_method(const Value& self, std::string_view name) {
  switch (self.kind) {
    case Kind::String:
      return in<kStrMethods>(name);
    case Kind::List:
      return !self.gen && in<kListMethods>(name);
    case Kind::Tuple:
      return name == "count" || name == "index";
    case Kind::Dict:
      return in<kDictMethods>(name);
    default:
      return false;
  }
}

bool is_unsafe_method(const Value& self, std::string_view name) {
  if (self.kind == Kind::List) return in<kListMutators>(name);
  if (self.kind == Kind::Dict) return in<kDictMutators>(name);
  return false;
}

Value call_method(Interpreter& interp, const Value& self, std::string_view name,
                  const CallArgs& args) {
  (void)interp;
  switch (self.kind) {
    case Kind::String:
      return str_method(self, name, args);
    case Kind::List:
    case Kind::Tuple:
      return list_method(self, name, args);
    case Kind::Dict:
      return dict_method(self, name, args);
    default:
      fail("runtime", fmt::format("'{}' object has no attribute '{}'", type_name(self), name));
  }
}

}  // namespace bakeoff::jinja
