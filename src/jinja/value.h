// The Python value model templates compute with: None and Undefined kept apart, int64 with
// checked arithmetic, doubles, immutable shared strings (optionally Markup), lists and dicts
// shared by reference as in Python, plus the engine's own objects (namespace, loop, callables).
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"

namespace bakeoff::jinja {

enum class Kind : uint8_t {
  Undefined,
  None,
  Bool,
  Int,
  Float,
  String,
  List,
  Tuple,
  Dict,
  Namespace,
  Callable,
  Loop,
};

struct Object {
  virtual ~Object() = default;
};

struct Value;
struct StrObj;
struct ListObj;
struct DictObj;

inline constexpr char kGlobalIdentities[16] = {};

// Items of context data read in place: a whole context array, or a slice of one.
struct JsonRun {
  const Json* first = nullptr;
  size_t size = 0;
  const Json& operator[](size_t k) const { return first[k]; }
};

struct Value {
  Kind kind = Kind::Undefined;
  bool safe = false;  // a Markup string (from |safe): changes + and % (escapes the other side)
  // A list standing for a Python generator/iterator (map, select, reverse, …): always truthy,
  // no len(), no indexing, prints as an object.
  bool gen = false;
  // A list standing for a dict view (1: dict_items, 2: dict_keys, 3: dict_values): prints as
  // Python does, has len() and truthiness, but no indexing and no JSON form. 4: a range (a
  // RangeObj), indexable but printed as range(start, stop[, step]) and not JSON serializable.
  uint8_t view = 0;
  // A List or Dict of the render's context data, read in place from `jref` (no conversion, no
  // allocation: iterating messages and reading their fields costs nothing per element). Its
  // object form is built on first need (list_obj()/dict_obj()) and kept in `obj`.
  bool borrowed = false;
  // An Undefined with no `obj` and a name in `sref`: Kind::Undefined for a variable the context
  // does not set, else the kind of the value that has no such attribute (Dict, String, List).
  Kind missing_from = Kind::Undefined;
  union {
    bool b;
    int64_t i;
    double f;
    // A String with no `obj`: text owned by something that outlives the render (the context
    // Json, a literal of the compiled template), read in place. Reading a message's content
    // then costs no allocation. An Undefined with no `obj`: the variable name it stands for
    // (see undefined_name), or null.
    const std::string* sref;
    const Json* jref;  // a borrowed List or Dict
  };
  // mutable: a borrowed container caches its object form here (list_obj()/dict_obj() const).
  mutable std::shared_ptr<Object> obj;

  Value() : i(0) {}
  static Value none() {
    Value v;
    v.kind = Kind::None;
    return v;
  }
  static Value boolean(bool x) {
    Value v;
    v.kind = Kind::Bool;
    v.b = x;
    return v;
  }
  static Value integer(int64_t x) {
    Value v;
    v.kind = Kind::Int;
    v.i = x;
    return v;
  }
  static Value number(double x) {
    Value v;
    v.kind = Kind::Float;
    v.f = x;
    return v;
  }
  static Value string(std::string s, bool markup = false);
  // A string borrowed from storage that outlives the render (see `sref`).
  static Value borrowed_string(const std::string* s, bool markup = false) {
    Value v;
    v.kind = Kind::String;
    v.safe = markup;
    v.sref = s;
    return v;
  }
  static Value list(std::vector<Value> items = {});
  static Value generator(std::vector<Value> items);
  static Value tuple(std::vector<Value> items);
  static Value dict();
  // An undefined value remembering why it is undefined, for the error raised when it is used.
  static Value undefined(std::string hint, bool security = false);
  // pattern must be a string literal with up to two "{}" placeholders.
  static Value undefined_lazy(const char* pattern, std::string a, std::string b = {});
  // `'name' is undefined`, for a template variable the context does not set; `name` outlives
  // the render (the compiled template's symbol table). No allocation: every render starts with
  // one per unset variable.
  static Value undefined_name(const std::string* name) {
    Value v;
    v.kind = Kind::Undefined;
    v.sref = name;
    return v;
  }
  // `'dict object' has no attribute 'name'` (or str/list object), `name` outliving the render
  // (an attribute or constant key of the compiled template). No allocation: templates probe
  // for missing keys all the time.
  static Value missing_attribute(Kind owner, const std::string* name) {
    Value v = undefined_name(name);
    v.missing_from = owner;
    return v;
  }
  // Why an undefined value is undefined (its error message when used).
  std::string undefined_message() const;
  // Whether using this undefined value is a sandbox violation (an unsafe attribute).
  bool undefined_is_security() const;

  bool is_undefined() const { return kind == Kind::Undefined; }
  bool is_none() const { return kind == Kind::None; }
  bool is_string() const { return kind == Kind::String; }
  bool is_number() const { return kind == Kind::Int || kind == Kind::Float || kind == Kind::Bool; }
  bool is_sequence_like() const { return kind == Kind::List || kind == Kind::Tuple; }

  const std::string& str() const;  // requires is_string()
  // Python's `is`: the object's address (a borrowed string's storage), null for plain values.
  const void* identity() const {
    if (borrowed) return jref;
    if (obj) return obj.get();
    // A global function (range, namespace, …: a handful) is its id's place in a table.
    if (kind == Kind::Callable) return &kGlobalIdentities[static_cast<size_t>(i) % 16];
    return kind == Kind::String || kind == Kind::Undefined ? static_cast<const void*>(sref)
                                                           : nullptr;
  }
  // The same value, with a string constant of the compiled template borrowed rather than shared
  // (no reference count traffic on the template, which other threads may be rendering).
  Value borrow() const {
    if (kind == Kind::String && obj) return borrowed_string(&str(), safe);
    return *this;
  }
  ListObj& list_obj() const;  // requires List or Tuple
  DictObj& dict_obj() const;  // requires Dict
  // len() of a List/Tuple/Dict, without converting lazy context data.
  size_t container_size() const;
  // The context data a List/Dict still reads in place (not yet converted), else null.
  const Json* json_source() const;
  // The items of a list that still reads context data in place, a whole array or a slice of
  // one (`messages[1:]`): true, with the run. False when the list has its object form.
  bool context_run(JsonRun* out) const;
};

struct StrObj : Object {
  std::string s;
  explicit StrObj(std::string v) : s(std::move(v)) {}
};

inline const std::string& Value::str() const {
  if (!obj) return *sref;
  return static_cast<const StrObj*>(obj.get())->s;
}

struct UndefinedObj : Object {
  std::string hint;       // "'x' is undefined"
  bool security = false;  // raised as a sandbox SecurityError when used
  // Lazily formatted hint (undefined values are common and their message is rarely needed):
  // `pattern` with its two "{}" replaced by a and b.
  const char* pattern = nullptr;
  std::string a, b;
  UndefinedObj(std::string h, bool sec) : hint(std::move(h)), security(sec) {}
  std::string message() const;
};

struct ListObj : Object {
  std::vector<Value> items;
  // Context data not yet converted: list_obj() converts this level on first use (its items are
  // borrowed), so a render only pays for the parts of messages/tools it actually touches.
  const Json* lazy = nullptr;
  // A slice of context data (`messages[1:]`) not yet converted: converted on first use like
  // `lazy`, but loops and indexing read it in place (Value::context_run).
  JsonRun run;
  explicit ListObj(std::vector<Value> v) : items(std::move(v)) {}
  void materialize();
};

struct RangeObj : ListObj {
  int64_t start, stop, step;
  RangeObj(std::vector<Value> v, int64_t a, int64_t b, int64_t c)
      : ListObj(std::move(v)), start(a), stop(b), step(c) {}
};

// Insertion-ordered; keys compare with Python equality (1 == 1.0 == True).
struct DictObj : Object {
  std::vector<std::pair<Value, Value>> items;
  const Json* lazy = nullptr;  // as ListObj::lazy: converted by dict_obj() on first use
  void materialize();
  const Value* find(const Value& key) const;
  const Value* find_str(std::string_view key) const;
  void set(Value key, Value value);
};

inline const Json* Value::json_source() const {
  if (!obj) return borrowed ? jref : nullptr;
  if (kind == Kind::Dict) return static_cast<const DictObj*>(obj.get())->lazy;
  if (kind == Kind::List || kind == Kind::Tuple) {
    return static_cast<const ListObj*>(obj.get())->lazy;
  }
  return nullptr;
}

inline bool Value::context_run(JsonRun* out) const {
  if (kind != Kind::List || gen || view != 0) return false;
  if (const Json* j = json_source()) {
    const auto& items = j->get_ref<const Json::array_t&>();
    *out = JsonRun{items.data(), items.size()};
    return true;
  }
  if (!obj) return false;
  const auto& l = *static_cast<const ListObj*>(obj.get());
  if (l.run.first == nullptr) return false;
  *out = l.run;
  return true;
}

struct MacroDef;
struct Stmt;

// Everything a template can call: its macros, bound methods of values, and the globals.
// (A global function is a Callable Value with no object: its id in `i`.)
struct CallableObj : Object {
  enum Type : uint8_t { Macro, Method } type = Macro;
  std::shared_ptr<const MacroDef> def;         // Macro
  std::vector<std::pair<int, Value>> closure;  // Macro: locals visible at definition
  Value self;                                  // Method
  std::string name;                            // Method name / macro name
};

// The `loop` variable of a for loop.
struct LoopObj : Object {
  // What the loop iterates: its items, or the context data's array read in place. Both null
  // once the loop has ended.
  const std::vector<Value>* items = nullptr;
  JsonRun json_items;
  bool reads_json = false;
  // Or a dict's pairs read in place (`for k, v in d|items`, `d|dictsort`): all of them in the
  // dict's order, or those that `pair_index` lists (in dictsort's order, or the ones an `if`
  // filter picked).
  const Json::object_t* pairs = nullptr;
  const std::vector<uint32_t>* pair_index = nullptr;
  bool active() const { return items != nullptr || reads_json || pairs != nullptr; }
  size_t size() const {
    if (items != nullptr) return items->size();
    if (pairs != nullptr) return pair_index != nullptr ? pair_index->size() : pairs->size();
    return json_items.size;
  }
  Value at(size_t k) const;
  // The loop has ended: it reads its items no more. Python's loop object stays usable after
  // its loop when something kept it (a namespace attribute), so a kept one (`kept`) first
  // copies its items into `kept_items`. A macro defined in the body sees `loop` undefined
  // once the loop has ended (`ended`; Interpreter::lookup_outside_frame).
  void finish(bool kept);
  std::vector<Value> kept_items;
  bool ended = false;
  size_t index0 = 0;
  int depth0 = 0;
  const Stmt* stmt = nullptr;  // for recursive loops: loop(children)
  std::vector<Value> last_changed;
  bool has_changed = false;
};

struct NamespaceObj : Object {
  std::vector<std::pair<std::string, Value>> attrs;
  const Value* find(std::string_view name) const;
  void set(std::string_view name, Value value);
};

// --- conversions and printing -------------------------------------------------------------

// Converts lazily: containers keep a pointer into `j` and convert one level when first used,
// strings are read in place. `j` must outlive every value derived from the result.
Value from_json(const Json& j);
// from_json for a scalar (number, bool, null): the rare kinds, out of line.
Value scalar_from_json(const Json& j);
// dict[key] for a dict still reading context data in place: the item, itself borrowed (no
// conversion of the dict). False (nothing set) when the dict is converted or has no such key;
// the caller then takes the ordinary path.
bool json_item(const Value& dict, std::string_view key, Value* out);
// Whether a and b hold the same text: short texts (keys, roles) compared a word at a time
// without a call into memcmp.
// Whether the n bytes (sizeof(Word) <= n <= 2 * sizeof(Word)) at x and y are equal: the first
// and the last word, overlapping.
template <typename Word>
bool same_halves(const char* x, const char* y, size_t n) {
  Word x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  std::memcpy(&x1, x, sizeof(Word));
  std::memcpy(&y1, y, sizeof(Word));
  std::memcpy(&x2, x + n - sizeof(Word), sizeof(Word));
  std::memcpy(&y2, y + n - sizeof(Word), sizeof(Word));
  return ((x1 ^ y1) | (x2 ^ y2)) == 0;
}

inline bool same_text(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (n > 16) return std::memcmp(x, y, n) == 0;
  if (n >= 8) return same_halves<uint64_t>(x, y, n);
  if (n >= 4) return same_halves<uint32_t>(x, y, n);
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return false;
  }
  return true;
}
// dict[key] without making a Value: the item itself (null when the dict has no such key). False
// when `dict` is not a dict still reading context data in place. Inline: templates read fields
// of messages more than anything else.
inline bool json_member(const Value& dict, std::string_view key, const Json** out) {
  if (dict.kind != Kind::Dict) return false;
  const Json* j = dict.json_source();
  const auto* members = j != nullptr ? j->get_ptr<const Json::object_t*>() : nullptr;
  if (members == nullptr) return false;
  // The object's own storage (ordered_map: a vector of pairs), not Json's generic iterator.
  for (const auto& [k, value] : *members) {
    if (!same_text(k, key)) continue;
    *out = &value;
    return true;
  }
  *out = nullptr;
  return true;
}
bool truthy(const Value& v);
// Python str(): what {{ v }} prints.
void append_str(std::string& out, const Value& v);
std::string to_str(const Value& v);
// Python repr(), cycle-safe ([...] / {...} for self-containing containers).
void append_repr(std::string& out, const Value& v);
std::string to_repr(const Value& v);
// Python type name for messages: 'str', 'list', 'dict', 'int', …
const char* type_name(const Value& v);
// How jinja2's undefined-attribute message names the value: 'dict object', 'list object',
// 'str object' (jinja2's object_type_repr), else the Python type name.
const char* attribute_owner_name(const Value& v);
// "'dict object' has no attribute 'name'".
std::string missing_attribute_message(std::string_view owner, std::string_view name);

// Python ==, with 1 == 1.0 == True and element-wise containers.
bool py_equal(const Value& a, const Value& b);

// Inline: reading messages and their fields is most of what a chat template does, and a Value
// returned from an out-of-line call is copied out through a store-forwarding stall.
inline Value from_json(const Json& j) {
  Value v;
  if (j.is_string()) {
    v.kind = Kind::String;
    v.sref = j.get_ptr<const std::string*>();
  } else if (j.is_object() || j.is_array()) {
    v.kind = j.is_array() ? Kind::List : Kind::Dict;
    v.borrowed = true;
    v.jref = &j;
  } else {
    return scalar_from_json(j);
  }
  return v;
}
// v = from_json(j) without a temporary: a loop rebinds its variable once per item.
inline void assign_from_json(Value& v, const Json& j) {
  static_assert(sizeof(Value) == 32, "assign_from_json sets every field of Value");
  const bool is_string = j.is_string();
  if (!is_string && !j.is_object() && !j.is_array()) {
    v = scalar_from_json(j);
    return;
  }
  v.obj.reset();
  v.safe = false;
  v.gen = false;
  v.view = 0;
  v.missing_from = Kind::Undefined;
  if (is_string) {
    v.kind = Kind::String;
    v.borrowed = false;
    v.sref = j.get_ptr<const std::string*>();
  } else {
    v.kind = j.is_array() ? Kind::List : Kind::Dict;
    v.borrowed = true;
    v.jref = &j;
  }
}

}  // namespace bakeoff::jinja
