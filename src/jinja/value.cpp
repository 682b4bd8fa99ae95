#include "jinja/value.h"

#include <wctype.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/python_text.h"
#include "common/text_writer.h"
#include "jinja/error.h"
#include "jinja/pyformat.h"
#include "jinja/unicode.h"

namespace bakeoff::jinja {

Value Value::string(std::string s, bool markup) {
  Value v;
  v.kind = Kind::String;
  v.safe = markup;
  v.obj = std::make_shared<StrObj>(std::move(s));
  return v;
}

Value Value::list(std::vector<Value> items) {
  Value v;
  v.kind = Kind::List;
  v.obj = std::make_shared<ListObj>(std::move(items));
  return v;
}

Value Value::generator(std::vector<Value> items) {
  Value v = list(std::move(items));
  v.gen = true;
  return v;
}

Value Value::tuple(std::vector<Value> items) {
  Value v;
  v.kind = Kind::Tuple;
  v.obj = std::make_shared<ListObj>(std::move(items));
  return v;
}

Value Value::dict() {
  Value v;
  v.kind = Kind::Dict;
  v.obj = std::make_shared<DictObj>();
  return v;
}

Value Value::undefined(std::string hint, bool security) {
  Value v;
  v.kind = Kind::Undefined;
  v.obj = std::make_shared<UndefinedObj>(std::move(hint), security);
  return v;
}

Value Value::undefined_lazy(const char* pattern, std::string a, std::string b) {
  auto u = std::make_shared<UndefinedObj>(std::string(), false);
  u->pattern = pattern;
  u->a = std::move(a);
  u->b = std::move(b);
  Value v;
  v.kind = Kind::Undefined;
  v.obj = std::move(u);
  return v;
}

std::string Value::undefined_message() const {
  if (obj) return static_cast<const UndefinedObj*>(obj.get())->message();
  if (sref != nullptr) {
    if (missing_from == Kind::Undefined) return "'" + *sref + "' is undefined";
    Value owner;
    owner.kind = missing_from;
    return missing_attribute_message(attribute_owner_name(owner), *sref);
  }
  return "value is undefined";
}

const char* attribute_owner_name(const Value& v) {
  switch (v.kind) {
    case Kind::Dict:
      return "dict object";
    case Kind::List:
      return "list object";
    case Kind::String:
      return "str object";
    default:
      return type_name(v);
  }
}

std::string missing_attribute_message(std::string_view owner, std::string_view name) {
  std::string out = "'";
  out += owner;
  out += "' has no attribute '";
  out += name;
  out += '\'';
  return out;
}

bool Value::undefined_is_security() const {
  return obj && static_cast<const UndefinedObj*>(obj.get())->security;
}

std::string UndefinedObj::message() const {
  if (pattern == nullptr) return hint;
  std::string out;
  const std::string* args[] = {&a, &b};
  int n = 0;
  for (const char* p = pattern; *p != 0; ++p) {
    if (p[0] == '{' && p[1] == '}' && n < 2) {
      out += *args[n++];
      ++p;
    } else {
      out += *p;
    }
  }
  return out;
}

ListObj& Value::list_obj() const {
  if (!obj) {  // a borrowed list: its object form, converted below
    auto l = std::make_shared<ListObj>(std::vector<Value>{});
    l->lazy = jref;
    obj = std::move(l);
  }
  auto* l = static_cast<ListObj*>(obj.get());
  if (l->lazy != nullptr || l->run.first != nullptr) l->materialize();
  return *l;
}
DictObj& Value::dict_obj() const {
  if (!obj) {
    auto d = std::make_shared<DictObj>();
    d->lazy = jref;
    obj = std::move(d);
  }
  auto* d = static_cast<DictObj*>(obj.get());
  if (d->lazy != nullptr) d->materialize();
  return *d;
}
size_t Value::container_size() const {
  if (const Json* j = json_source()) return j->size();
  if (kind == Kind::Dict) return static_cast<const DictObj*>(obj.get())->items.size();
  const auto& l = *static_cast<const ListObj*>(obj.get());
  return l.run.first != nullptr ? l.run.size : l.items.size();
}

const Value* DictObj::find(const Value& key) const {
  if (key.kind == Kind::String) return find_str(key.str());
  for (const auto& kv : items) {
    if (kv.first.kind != Kind::String && py_equal(kv.first, key)) return &kv.second;
  }
  return nullptr;
}

const Value* DictObj::find_str(std::string_view key) const {
  for (const auto& kv : items) {
    if (kv.first.kind == Kind::String && kv.first.str() == key) return &kv.second;
  }
  return nullptr;
}

void DictObj::set(Value key, Value value) {
  for (auto& kv : items) {
    if (py_equal(kv.first, key)) {
      kv.second = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

const Value* NamespaceObj::find(std::string_view name) const {
  for (const auto& kv : attrs) {
    if (kv.first == name) return &kv.second;
  }
  return nullptr;
}

void NamespaceObj::set(std::string_view name, Value value) {
  for (auto& kv : attrs) {
    if (kv.first == name) {
      kv.second = std::move(value);
      return;
    }
  }
  attrs.emplace_back(std::string(name), std::move(value));
}

Value scalar_from_json(const Json& j) {
  switch (j.type()) {
    case Json::value_t::boolean:
      return Value::boolean(j.get<bool>());
    case Json::value_t::number_integer:
      return Value::integer(j.get<int64_t>());
    case Json::value_t::number_unsigned: {
      auto u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value::integer(static_cast<int64_t>(u));
      return Value::number(static_cast<double>(u));
    }
    case Json::value_t::number_float:
      return Value::number(j.get<double>());
    default:  // null (and a binary, which no JSON text makes)
      return Value::none();
  }
}

Value LoopObj::at(size_t k) const {
  if (items != nullptr) return (*items)[k];
  if (pairs != nullptr) {
    const size_t at = pair_index != nullptr ? (*pair_index)[k] : k;
    const auto& [key, value] = *(pairs->begin() + static_cast<ptrdiff_t>(at));
    return Value::tuple({Value::borrowed_string(&key), from_json(value)});
  }
  return from_json(json_items[k]);
}

void LoopObj::finish(bool kept) {
  if (kept) {
    std::vector<Value> copy;
    copy.reserve(size());
    for (size_t k = 0; k < size(); ++k) copy.push_back(at(k));
    kept_items = std::move(copy);
    items = &kept_items;
  } else {
    items = nullptr;
  }
  reads_json = false;
  pairs = nullptr;
  pair_index = nullptr;
  ended = true;
}

bool json_item(const Value& dict, std::string_view key, Value* out) {
  const Json* item = nullptr;
  if (!json_member(dict, key, &item) || item == nullptr) return false;
  *out = from_json(*item);
  return true;
}

void ListObj::materialize() {
  if (run.first != nullptr) {
    const JsonRun r = run;
    run = JsonRun{};
    items.reserve(r.size);
    for (size_t k = 0; k < r.size; ++k) items.push_back(from_json(r[k]));
    return;
  }
  const Json* j = lazy;
  lazy = nullptr;
  items.reserve(j->size());
  for (const auto& e : *j) items.push_back(from_json(e));
}

void DictObj::materialize() {
  const Json* j = lazy;
  lazy = nullptr;
  items.reserve(j->size());
  for (auto it = j->begin(); it != j->end(); ++it) {
    items.emplace_back(Value::borrowed_string(&it.key()), from_json(it.value()));
  }
}

bool truthy(const Value& v) {
  switch (v.kind) {
    case Kind::Undefined:
    case Kind::None:
      return false;
    case Kind::Bool:
      return v.b;
    case Kind::Int:
      return v.i != 0;
    case Kind::Float:
      return v.f != 0;
    case Kind::String:
      return !v.str().empty();
    case Kind::List:
    case Kind::Tuple:
      return v.gen || v.container_size() != 0;
    case Kind::Dict:
      return v.container_size() != 0;
    default:
      return true;
  }
}

const char* type_name(const Value& v) {
  switch (v.kind) {
    case Kind::Undefined:
      return "Undefined";
    case Kind::None:
      return "NoneType";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::Float:
      return "float";
    case Kind::String:
      return v.safe ? "Markup" : "str";
    case Kind::List:
      return v.gen ? "generator" : "list";
    case Kind::Tuple:
      return "tuple";
    case Kind::Dict:
      return "dict";
    case Kind::Namespace:
      return "Namespace";
    case Kind::Callable:
      return "function";
    case Kind::Loop:
      return "LoopContext";
  }
  return "object";
}

namespace {

bool printable(char32_t c) {
  if (c < 0x20 || c == 0x7F) return false;
  if (c < 0x7F) return true;
  if (c <= 0xA0 || c == 0xAD) return false;
  if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
      (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF || (c >= 0xD800 && c <= 0xF8FF) ||
      (c >= 0xFFF0 && c <= 0xFFFB) || c >= 0xF0000 || c == 0x061C || c == 0x180E) {
    return false;
  }
  return true;
}

void append_str_repr_slow(std::string& out, const std::string& s);

void append_str_repr(std::string& out, const std::string& s) {
  if (char q = 0; repr_copies_unchanged(s, &q)) {
    append_quoted(out, s, q);  // most strings: keys, names, descriptions
    return;
  }
  append_str_repr_slow(out, s);
}

void append_str_repr_slow(std::string& out, const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = (has_single && !has_double) ? '"' : '\'';
  out += quote;
  out.reserve(out.size() + s.size() + 1);
  size_t i = 0;
  while (i < s.size()) {
    // A run of printable ASCII that needs no escape is copied whole (most of any text).
    const size_t run = plain_ascii_run(s, i, quote);
    if (run > i) {
      out.append(s, i, run - i);
      i = run;
      if (i == s.size()) break;
    }
    size_t len = 1;
    char32_t c = unicode::next_code_point(s, i, &len);
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (!printable(c)) {
      char buf[16];
      if (c < 0x100) {
        std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      } else if (c < 0x10000) {
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      } else {
        std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(c));
      }
      out += buf;
    } else {
      out.append(s, i, len);
    }
    i += len;
  }
  out += quote;
}

void repr_rec(std::string& out, const Value& v, std::vector<const void*>& seen);

void repr_json_string(TextWriter& w, const std::string& s) {
  // Most strings (keys, names, descriptions) need no escape: scanned and copied in one pass.
  if (const size_t n = copy_repr_plain(w.room(s.size() + kPlainCopyRoom), s); n > 0) {
    w.advance(n);
    return;
  }
  thread_local std::string escaped;
  escaped.clear();
  append_str_repr_slow(escaped, s);
  w.put(escaped);
}

// repr() of context data not yet converted, read straight from the Json (it cannot contain
// itself); `level` counts the containers around it, as `seen` does.
void repr_json(TextWriter& w, const Json& j, size_t level, std::vector<const void*>& seen) {
  switch (j.type()) {
    case Json::value_t::string:
      repr_json_string(w, j.get_ref<const std::string&>());
      return;
    case Json::value_t::array: {
      if (level > 500) fail("limit", "maximum recursion depth exceeded while getting the repr");
      w.put('[');
      bool first = true;
      for (const auto& e : *j.get_ptr<const Json::array_t*>()) {
        if (!first) w.put(", ");
        first = false;
        repr_json(w, e, level + 1, seen);
      }
      w.put(']');
      return;
    }
    case Json::value_t::object: {
      if (level > 500) fail("limit", "maximum recursion depth exceeded while getting the repr");
      w.put('{');
      bool first = true;
      for (const auto& [key, item] : *j.get_ptr<const Json::object_t*>()) {
        // `, 'key': ` in one piece when the key needs no escape (keys almost never do).
        char* to = w.room(key.size() + kPlainCopyRoom + 4);
        const size_t comma = first ? 0 : 2;
        to[0] = ',';  // (overwritten by the key when there is no comma)
        to[1] = ' ';
        first = false;
        if (const size_t n = copy_repr_plain(to + comma, key); n > 0) {
          to[comma + n] = ':';
          to[comma + n + 1] = ' ';
          w.advance(comma + n + 2);
        } else {
          w.advance(comma);
          repr_json_string(w, key);
          w.put(": ");
        }
        if (const auto* text = item.get_ptr<const std::string*>()) {
          repr_json_string(w, *text);  // most values are strings: no recursion for them
        } else {
          repr_json(w, item, level + 1, seen);
        }
      }
      w.put('}');
      return;
    }
    default: {  // a scalar: converts without allocating
      thread_local std::string scalar;
      scalar.clear();
      repr_rec(scalar, from_json(j), seen);
      w.put(scalar);
      return;
    }
  }
}

void repr_json(std::string& out, const Json& j, size_t level, std::vector<const void*>& seen) {
  TextWriter w(out);
  repr_json(w, j, level, seen);
}

void repr_items(std::string& out, const Value& v, std::vector<const void*>& seen) {
  const void* self = v.identity();
  bool tuple = v.kind == Kind::Tuple;
  bool dict = v.kind == Kind::Dict;
  if (const Json* j = v.json_source(); j != nullptr && !tuple) {
    repr_json(out, *j, seen.size(), seen);
    return;
  }
  if (std::find(seen.begin(), seen.end(), self) != seen.end()) {
    out += dict ? "{...}" : tuple ? "(...)" : "[...]";
    return;
  }
  if (seen.size() > 500) fail("limit", "maximum recursion depth exceeded while getting the repr");
  seen.push_back(self);
  if (dict) {
    out += '{';
    bool first = true;
    for (const auto& [k, val] : v.dict_obj().items) {
      if (!first) out += ", ";
      first = false;
      repr_rec(out, k, seen);
      out += ": ";
      repr_rec(out, val, seen);
    }
    out += '}';
  } else {
    out += tuple ? '(' : '[';
    const auto& items = v.list_obj().items;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += ", ";
      repr_rec(out, items[i], seen);
    }
    if (tuple && items.size() == 1) out += ',';
    out += tuple ? ')' : ']';
  }
  seen.pop_back();
}

void repr_rec(std::string& out, const Value& v, std::vector<const void*>& seen) {
  switch (v.kind) {
    case Kind::Undefined:
      out += "Undefined";
      return;
    case Kind::String:
      if (v.safe) {
        out += "Markup(";
        append_str_repr(out, v.str());
        out += ')';
      } else {
        append_str_repr(out, v.str());
      }
      return;
    case Kind::List:
      if (v.gen) {
        out += "<generator object>";
        return;
      }
      if (v.view == 4) {
        const auto* r = static_cast<const RangeObj*>(v.obj.get());
        out += "range(" + std::to_string(r->start) + ", " + std::to_string(r->stop);
        if (r->step != 1) out += ", " + std::to_string(r->step);
        out += ')';
        return;
      }
      if (v.view != 0) {
        out += v.view == 1 ? "dict_items(" : v.view == 2 ? "dict_keys(" : "dict_values(";
        repr_items(out, v, seen);
        out += ')';
        return;
      }
      repr_items(out, v, seen);
      return;
    case Kind::Tuple:
    case Kind::Dict:
      repr_items(out, v, seen);
      return;
    case Kind::Namespace: {
      out += "<Namespace {";
      bool first = true;
      for (const auto& [k, val] : static_cast<const NamespaceObj*>(v.obj.get())->attrs) {
        if (!first) out += ", ";
        first = false;
        append_str_repr(out, k);
        out += ": ";
        repr_rec(out, val, seen);
      }
      out += "}>";
      return;
    }
    default:
      append_str(out, v);
      return;
  }
}

}  // namespace

void append_str(std::string& out, const Value& v) {
  switch (v.kind) {
    case Kind::Undefined:
      return;
    case Kind::None:
      out += "None";
      return;
    case Kind::Bool:
      out += v.b ? "True" : "False";
      return;
    case Kind::Int:
      append_int(out, v.i);
      return;
    case Kind::Float:
      append_float_repr(out, v.f);
      return;
    case Kind::String:
      out += v.str();
      return;
    case Kind::Callable:
      out += "<function>";
      return;
    case Kind::Loop: {  // Python's repr: the loop's index and length
      const auto& lo = *static_cast<const LoopObj*>(v.obj.get());
      if (!lo.active()) {  // jinja2's `missing` marker (see Interpreter::lookup_outside_frame)
        out += "missing";
        return;
      }
      out += "<LoopContext ";
      append_int(out, static_cast<int64_t>(lo.index0 + 1));
      out += '/';
      append_int(out, static_cast<int64_t>(lo.size()));
      out += '>';
      return;
    }
    default: {
      std::vector<const void*> seen;
      repr_rec(out, v, seen);
    }
  }
}

std::string to_str(const Value& v) {
  if (v.kind == Kind::String) return v.str();
  std::string s;
  append_str(s, v);
  return s;
}

void append_repr(std::string& out, const Value& v) {
  std::vector<const void*> seen;
  repr_rec(out, v, seen);
}

std::string to_repr(const Value& v) {
  std::string s;
  append_repr(s, v);
  return s;
}

namespace {

bool equal_rec(const Value& a, const Value& b, int depth) {
  if (depth > 500) fail("limit", "maximum recursion depth exceeded in comparison");
  if (a.is_number() && b.is_number()) {
    if (a.kind == Kind::Float || b.kind == Kind::Float) {
      double x = a.kind == Kind::Float ? a.f : a.kind == Kind::Int ? static_cast<double>(a.i) : a.b;
      double y = b.kind == Kind::Float ? b.f : b.kind == Kind::Int ? static_cast<double>(b.i) : b.b;
      return x == y;
    }
    int64_t x = a.kind == Kind::Int ? a.i : a.b;
    int64_t y = b.kind == Kind::Int ? b.i : b.b;
    return x == y;
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Kind::Undefined:
    case Kind::None:
      return true;
    case Kind::String:
      return a.str() == b.str();
    case Kind::List:
    case Kind::Tuple: {
      if (a.identity() == b.identity()) return true;
      const auto& x = a.list_obj().items;
      const auto& y = b.list_obj().items;
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!equal_rec(x[i], y[i], depth + 1)) return false;
      }
      return true;
    }
    case Kind::Dict: {
      if (a.identity() == b.identity()) return true;
      const auto& x = a.dict_obj();
      const auto& y = b.dict_obj();
      if (x.items.size() != y.items.size()) return false;
      for (const auto& [k, val] : x.items) {
        const Value* other = y.find(k);
        if (other == nullptr || !equal_rec(val, *other, depth + 1)) return false;
      }
      return true;
    }
    default:
      return a.identity() == b.identity();
  }
}

}  // namespace

bool py_equal(const Value& a, const Value& b) {
  if (a.kind == Kind::String && b.kind == Kind::String) return a.str() == b.str();
  return equal_rec(a, b, 0);
}

}  // namespace bakeoff::jinja
