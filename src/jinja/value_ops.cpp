#include "jinja/value_ops.h"

#include <cmath>

#include <fmt/format.h>

#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/pyformat.h"
#include "jinja/unicode.h"

namespace bakeoff::jinja {
namespace {

const char* op_symbol(BinOp op) {
  switch (op) {
    case BinOp::Add:
      return "+";
    case BinOp::Sub:
      return "-";
    case BinOp::Mul:
      return "*";
    case BinOp::Div:
      return "/";
    case BinOp::FloorDiv:
      return "//";
    case BinOp::Mod:
      return "%";
    case BinOp::Pow:
      return "** or pow()";
  }
  return "?";
}

[[noreturn]] void unsupported(BinOp op, const Value& a, const Value& b) {
  fail("runtime", fmt::format("TypeError: unsupported operand type(s) for {}: '{}' and '{}'",
                              op_symbol(op), type_name(a), type_name(b)));
}

[[noreturn]] void undefined_error(const Value& v) {
  fail(v.undefined_is_security() ? "security" : "undefined", v.undefined_message());
}

[[noreturn]] void overflow() {
  fail("runtime", "integer overflow: results beyond 64-bit integers are not supported");
}

bool is_int_like(const Value& v) {
  return v.kind == Kind::Int || v.kind == Kind::Bool;
}
int64_t as_int(const Value& v) {
  return v.kind == Kind::Int ? v.i : static_cast<int64_t>(v.b);
}
double as_double(const Value& v) {
  return v.kind == Kind::Float ? v.f
         : v.kind == Kind::Int ? static_cast<double>(v.i)
                               : static_cast<double>(v.b);
}

Value repeat(const Value& seq, int64_t n) {
  if (n <= 0) {
    if (seq.kind == Kind::String) return Value::string("", seq.safe);
    return seq.kind == Kind::Tuple ? Value::tuple({}) : Value::list({});
  }
  if (seq.kind == Kind::String) {
    const std::string& s = seq.str();
    if (!s.empty() && static_cast<uint64_t>(n) > kMaxSequenceSize / s.size()) {
      fail("limit", "string repetition result too large");
    }
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) out += s;
    return Value::string(std::move(out), seq.safe);
  }
  const auto& items = seq.list_obj().items;
  if (!items.empty() && static_cast<uint64_t>(n) > kMaxSequenceSize / 16 / items.size()) {
    fail("limit", "list repetition result too large");
  }
  std::vector<Value> out;
  out.reserve(items.size() * static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) out.insert(out.end(), items.begin(), items.end());
  return seq.kind == Kind::Tuple ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

double checked_float(double r) {
  if (std::isinf(r)) fail("runtime", "OverflowError: float result out of range");
  return r;
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Value binary_op(BinOp op, const Value& a, const Value& b) {
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  if (is_int_like(a) && is_int_like(b)) {
    int64_t x = as_int(a), y = as_int(b), r = 0;
    switch (op) {
      case BinOp::Add:
        if (__builtin_add_overflow(x, y, &r)) overflow();
        return Value::integer(r);
      case BinOp::Sub:
        if (__builtin_sub_overflow(x, y, &r)) overflow();
        return Value::integer(r);
      case BinOp::Mul:
        if (__builtin_mul_overflow(x, y, &r)) overflow();
        return Value::integer(r);
      case BinOp::Div:
        if (y == 0) fail("runtime", "ZeroDivisionError: division by zero");
        return Value::number(static_cast<double>(x) / static_cast<double>(y));
      case BinOp::FloorDiv: {
        if (y == 0) fail("runtime", "ZeroDivisionError: integer division or modulo by zero");
        if (x == INT64_MIN && y == -1) overflow();
        int64_t q = x / y;
        if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
        return Value::integer(q);
      }
      case BinOp::Mod: {
        if (y == 0) fail("runtime", "ZeroDivisionError: integer division or modulo by zero");
        if (y == -1) return Value::integer(0);
        int64_t m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) m += y;
        return Value::integer(m);
      }
      case BinOp::Pow: {
        if (y < 0) {
          if (x == 0)
            fail("runtime", "ZeroDivisionError: 0.0 cannot be raised to a negative power");
          return Value::number(std::pow(static_cast<double>(x), static_cast<double>(y)));
        }
        int64_t result = 1, base = x;
        int64_t e = y;
        while (e > 0) {
          if (e & 1) {
            if (__builtin_mul_overflow(result, base, &result)) overflow();
          }
          e >>= 1;
          if (e > 0 && __builtin_mul_overflow(base, base, &base)) overflow();
        }
        return Value::integer(result);
      }
    }
  }
  if (a.is_number() && b.is_number()) {
    double x = as_double(a), y = as_double(b);
    switch (op) {
      case BinOp::Add:
        return Value::number(x + y);
      case BinOp::Sub:
        return Value::number(x - y);
      case BinOp::Mul:
        return Value::number(x * y);
      case BinOp::Div:
        if (y == 0) fail("runtime", "ZeroDivisionError: float division by zero");
        return Value::number(x / y);
      case BinOp::FloorDiv: {
        if (y == 0) fail("runtime", "ZeroDivisionError: float floor division by zero");
        double m = std::fmod(x, y);
        double div = (x - m) / y;
        if (m != 0 && ((y < 0) != (m < 0))) div -= 1.0;
        double fl = std::floor(div);
        if (div - fl > 0.5) fl += 1.0;
        if (div == 0) fl = std::copysign(0.0, x / y);
        return Value::number(fl);
      }
      case BinOp::Mod: {
        if (y == 0) fail("runtime", "ZeroDivisionError: float modulo");
        double m = std::fmod(x, y);
        if (m != 0) {
          if ((y < 0) != (m < 0)) m += y;
        } else {
          m = std::copysign(0.0, y);
        }
        return Value::number(m);
      }
      case BinOp::Pow:
        if (x == 0 && y < 0)
          fail("runtime", "ZeroDivisionError: 0.0 cannot be raised to a negative power");
        if (x < 0 && y != std::floor(y)) fail("runtime", "complex results are not supported");
        return Value::number(checked_float(std::pow(x, y)));
    }
  }
  if (op == BinOp::Add) {
    if (a.kind == Kind::String && b.kind == Kind::String) {
      // Markup on either side escapes the other side.
      if (a.safe && !b.safe) return Value::string(a.str() + html_escape(b.str()), true);
      if (b.safe && !a.safe) return Value::string(html_escape(a.str()) + b.str(), true);
      if (a.str().size() + b.str().size() > kMaxSequenceSize) fail("limit", "string too large");
      std::string s;
      s.reserve(a.str().size() + b.str().size());
      s += a.str();
      s += b.str();
      return Value::string(std::move(s), a.safe);
    }
    if (a.kind == Kind::String && a.safe && b.kind != Kind::String) {
      // Markup.__add__ only accepts str; other types are unsupported as for str.
      unsupported(op, a, b);
    }
    if ((a.kind == Kind::List && b.kind == Kind::List) ||
        (a.kind == Kind::Tuple && b.kind == Kind::Tuple)) {
      std::vector<Value> items = a.list_obj().items;
      const auto& more = b.list_obj().items;
      items.insert(items.end(), more.begin(), more.end());
      return a.kind == Kind::Tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
    }
    if (a.kind == Kind::String && b.kind != Kind::String) {
      fail("runtime",
           fmt::format("TypeError: can only concatenate str (not \"{}\") to str", type_name(b)));
    }
    if (a.kind == Kind::List && b.kind != Kind::List) {
      fail("runtime",
           fmt::format("TypeError: can only concatenate list (not \"{}\") to list", type_name(b)));
    }
  }
  if (op == BinOp::Mul) {
    bool a_seq = a.kind == Kind::String || a.kind == Kind::List || a.kind == Kind::Tuple;
    bool b_seq = b.kind == Kind::String || b.kind == Kind::List || b.kind == Kind::Tuple;
    if (a_seq && is_int_like(b)) return repeat(a, as_int(b));
    if (b_seq && is_int_like(a)) return repeat(b, as_int(a));
  }
  if (op == BinOp::Mod && a.kind == Kind::String) {
    if (a.safe) {
      // Markup % args escapes the arguments.
      Value escaped = b;
      auto esc = [](const Value& v) {
        return v.kind == Kind::String && !v.safe ? Value::string(html_escape(v.str()), true) : v;
      };
      if (b.kind == Kind::Tuple) {
        std::vector<Value> items;
        for (const auto& it : b.list_obj().items) items.push_back(esc(it));
        escaped = Value::tuple(std::move(items));
      } else {
        escaped = esc(b);
      }
      return Value::string(percent_format(a.str(), escaped), true);
    }
    return Value::string(percent_format(a.str(), b));
  }
  unsupported(op, a, b);
}

Value negate(const Value& a) {
  if (a.is_undefined()) undefined_error(a);
  if (is_int_like(a)) {
    int64_t x = as_int(a);
    if (x == INT64_MIN) overflow();
    return Value::integer(-x);
  }
  if (a.kind == Kind::Float) return Value::number(-a.f);
  fail("runtime", fmt::format("TypeError: bad operand type for unary -: '{}'", type_name(a)));
}

Value unary_plus(const Value& a) {
  if (a.is_undefined()) undefined_error(a);
  if (is_int_like(a)) return Value::integer(as_int(a));
  if (a.kind == Kind::Float) return a;
  fail("runtime", fmt::format("TypeError: bad operand type for unary +: '{}'", type_name(a)));
}

namespace {

int three_way(const Value& a, const Value& b, const char* sym, int depth) {
  if (depth > 500) fail("limit", "maximum recursion depth exceeded in comparison");
  if (a.is_number() && b.is_number()) {
    if (is_int_like(a) && is_int_like(b)) {
      int64_t x = as_int(a), y = as_int(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    double x = as_double(a), y = as_double(b);
    if (std::isnan(x) || std::isnan(y)) return 2;  // unordered: every comparison is false
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.kind == Kind::String && b.kind == Kind::String) {
    int c = a.str().compare(b.str());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if ((a.kind == Kind::List && b.kind == Kind::List) ||
      (a.kind == Kind::Tuple && b.kind == Kind::Tuple)) {
    const auto& x = a.list_obj().items;
    const auto& y = b.list_obj().items;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!py_equal(x[i], y[i])) return three_way(x[i], y[i], sym, depth + 1);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  fail("runtime", fmt::format("TypeError: '{}' not supported between instances of '{}' and '{}'",
                              sym, type_name(a), type_name(b)));
}

}  // namespace

bool less_than(const Value& a, const Value& b) {
  return three_way(a, b, "<", 0) == -1;
}

bool compare_op(CmpOp op, const Value& a, const Value& b) {
  switch (op) {
    case CmpOp::Eq:
      return py_equal(a, b);
    case CmpOp::Ne:
      return !py_equal(a, b);
    case CmpOp::In:
      return contains(b, a);
    case CmpOp::NotIn:
      return !contains(b, a);
    case CmpOp::Lt:
      return three_way(a, b, "<", 0) == -1;
    case CmpOp::Le: {
      int c = three_way(a, b, "<=", 0);
      return c == -1 || c == 0;
    }
    case CmpOp::Gt:
      return three_way(a, b, ">", 0) == 1;
    case CmpOp::Ge: {
      int c = three_way(a, b, ">=", 0);
      return c == 1 || c == 0;
    }
  }
  return false;
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind) {
    case Kind::String:
      if (item.kind != Kind::String) {
        if (item.is_undefined()) undefined_error(item);
        fail("runtime",
             fmt::format("TypeError: 'in <string>' requires string as left operand, not {}",
                         type_name(item)));
      }
      return container.str().find(item.str()) != std::string::npos;
    case Kind::List:
    case Kind::Tuple:
      for (const auto& v : container.list_obj().items) {
        if (py_equal(v, item)) return true;
      }
      return false;
    case Kind::Dict:
      if (item.kind == Kind::List || item.kind == Kind::Dict) {
        fail("runtime", fmt::format("TypeError: unhashable type: '{}'", type_name(item)));
      }
      if (item.kind == Kind::String && container.json_source() != nullptr) {
        // `'tool_calls' in message`: answered from the context data, not converting the message
        Value found;
        return json_item(container, item.str(), &found);
      }
      return container.dict_obj().find(item) != nullptr;
    case Kind::Undefined:
      return false;
    default:
      fail("runtime",
           fmt::format("TypeError: argument of type '{}' is not iterable", type_name(container)));
  }
}

namespace {

// Python's slice.indices for a sequence of length n.
void slice_indices(int64_t n, const Value& start, const Value& stop, const Value& step, int64_t* s,
                   int64_t* e, int64_t* st) {
  auto as_index = [](const Value& v, const char* what) -> std::optional<int64_t> {
    if (v.is_none() || v.is_undefined()) return std::nullopt;
    if (is_int_like(v)) return as_int(v);
    fail("runtime", fmt::format("TypeError: slice indices must be integers or None, not {} ({})",
                                type_name(v), what));
  };
  auto stp = as_index(step, "step");
  *st = stp.value_or(1);
  if (*st == 0) fail("runtime", "ValueError: slice step cannot be zero");
  auto clamp = [&](std::optional<int64_t> v, bool is_start) {
    int64_t lower = *st < 0 ? -1 : 0;
    int64_t upper = *st < 0 ? n - 1 : n;
    if (!v) return is_start ? (*st < 0 ? upper : lower) : (*st < 0 ? lower : upper);
    int64_t x = *v;
    if (x < 0) {
      x += n;
      if (x < lower) x = lower;
    } else if (x > upper) {
      x = upper;
    }
    return x;
  };
  *s = clamp(as_index(start, "start"), true);
  *e = clamp(as_index(stop, "stop"), false);
}

// How many items the clamped slice s:e:st selects (Python's slicelength), to size the result.
size_t slice_length(int64_t s, int64_t e, int64_t st) {
  if (st > 0) return s < e ? static_cast<size_t>((e - s - 1) / st + 1) : 0;
  return s > e ? static_cast<size_t>((s - e - 1) / -st + 1) : 0;
}

}  // namespace

Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  if (obj.kind == Kind::String) {
    const std::string& str = obj.str();
    bool ascii = unicode::is_ascii(str);
    std::u32string cps;
    if (!ascii) cps = unicode::decode(str);
    int64_t n = ascii ? static_cast<int64_t>(str.size()) : static_cast<int64_t>(cps.size());
    int64_t s, e, st;
    slice_indices(n, start, stop, step, &s, &e, &st);
    std::string out;
    for (int64_t i = s; st > 0 ? i < e : i > e; i += st) {
      if (ascii) {
        out += str[static_cast<size_t>(i)];
      } else {
        unicode::append_utf8(out, cps[static_cast<size_t>(i)]);
      }
    }
    return Value::string(std::move(out), obj.safe);
  }
  if (JsonRun items; obj.context_run(&items)) {
    // `messages[1:]`: a slice of context data, its items not converted. A contiguous slice stays
    // a run of the context's items, read in place until something needs the list's object form.
    int64_t s, e, st;
    slice_indices(static_cast<int64_t>(items.size), start, stop, step, &s, &e, &st);
    const size_t n = slice_length(s, e, st);
    if (st == 1 && n > 0) {
      Value v = Value::list();
      static_cast<ListObj*>(v.obj.get())->run = JsonRun{&items[static_cast<size_t>(s)], n};
      return v;
    }
    std::vector<Value> out;
    out.reserve(n);
    for (int64_t i = s; st > 0 ? i < e : i > e; i += st)
      out.push_back(from_json(items[static_cast<size_t>(i)]));
    return Value::list(std::move(out));
  }
  if (obj.kind == Kind::List || obj.kind == Kind::Tuple) {
    const auto& items = obj.list_obj().items;
    int64_t s, e, st;
    slice_indices(static_cast<int64_t>(items.size()), start, stop, step, &s, &e, &st);
    std::vector<Value> out;
    out.reserve(slice_length(s, e, st));
    for (int64_t i = s; st > 0 ? i < e : i > e; i += st)
      out.push_back(items[static_cast<size_t>(i)]);
    return obj.kind == Kind::Tuple ? Value::tuple(std::move(out)) : Value::list(std::move(out));
  }
  if (obj.is_undefined()) undefined_error(obj);
  fail("runtime", fmt::format("TypeError: '{}' object is not subscriptable", type_name(obj)));
}

namespace {

Value missing_attr(const Value& obj, const std::string& name) {
  if ((!name.empty() && name[0] == '_') || is_unsafe_method(obj, name)) {
    return Value::undefined(
        fmt::format("access to attribute '{}' of '{}' object is unsafe.", name, type_name(obj)),
        true);
  }
  // Formatted only if the undefined value is ever used: templates probe for missing keys often
  // (`content['type']` on every character of a string content, `tool.function is defined`).
  return Value::undefined_lazy("'{}' has no attribute '{}'", attribute_owner_name(obj), name);
}

Value bound_method(const Value& self, const std::string& name);

// One-character strings of ASCII, shared for the life of the process: iterating a string makes
// one per character without allocating.
const std::string& ascii_char(char c) {
  static const auto* const kTable = [] {
    auto* table = new std::string[128];
    for (int k = 0; k < 128; ++k) table[k] = std::string(1, static_cast<char>(k));
    return table;
  }();
  return kTable[static_cast<unsigned char>(c)];
}

}  // namespace

Value get_item(const Value& obj, const Value& key) {
  switch (obj.kind) {
    case Kind::Dict: {
      const Value* v = obj.dict_obj().find(key);
      if (v != nullptr) return *v;
      break;
    }
    case Kind::List:
    case Kind::Tuple:
      if (obj.gen || (obj.view != 0 && obj.view != 4)) {
        fail("runtime", fmt::format("TypeError: '{}' object is not subscriptable", type_name(obj)));
      }
      if (is_int_like(key)) {
        int64_t i = as_int(key);
        if (JsonRun run; obj.context_run(&run)) {
          // `messages[0]`: context data, read in place (no converted list).
          auto n = static_cast<int64_t>(run.size);
          if (i < 0) i += n;
          if (i >= 0 && i < n) return from_json(run[static_cast<size_t>(i)]);
        } else {
          const auto& items = obj.list_obj().items;
          auto n = static_cast<int64_t>(items.size());
          if (i < 0) i += n;
          if (i >= 0 && i < n) return items[static_cast<size_t>(i)];
        }
        return Value::undefined_lazy("{} object has no element {}", type_name(obj),
                                     std::to_string(as_int(key)));
      }
      break;
    case Kind::String:
      if (is_int_like(key)) {
        const std::string& s = obj.str();
        int64_t i = as_int(key);
        if (unicode::is_ascii(s)) {
          auto n = static_cast<int64_t>(s.size());
          if (i < 0) i += n;
          if (i >= 0 && i < n) return Value::string(std::string(1, s[static_cast<size_t>(i)]));
        } else {
          std::u32string cps = unicode::decode(s);
          auto n = static_cast<int64_t>(cps.size());
          if (i < 0) i += n;
          if (i >= 0 && i < n)
            return Value::string(unicode::encode(cps.substr(static_cast<size_t>(i), 1)));
        }
        return Value::undefined_lazy("str object has no element {}", std::to_string(as_int(key)));
      }
      break;
    case Kind::Undefined:
      undefined_error(obj);
    default:
      break;
  }
  if (key.kind == Kind::String) return get_attr(obj, key.str());
  return Value::undefined_lazy("{} object has no element {}", type_name(obj),
                               key.kind == Kind::String ? "'" + key.str() + "'" : to_repr(key));
}

Value get_attr(const Value& obj, const std::string& name) {
  switch (obj.kind) {
    case Kind::Undefined:
      undefined_error(obj);
    case Kind::Dict: {
      if (is_method(obj, name)) return bound_method(obj, name);
      if (is_unsafe_method(obj, name)) return missing_attr(obj, name);
      const Value* v = obj.dict_obj().find_str(name);
      if (v != nullptr) return *v;
      return missing_attr(obj, name);
    }
    case Kind::Namespace: {
      const Value* v = static_cast<const NamespaceObj*>(obj.obj.get())->find(name);
      if (v != nullptr) return *v;
      return missing_attr(obj, name);
    }
    default:
      if (is_method(obj, name)) return bound_method(obj, name);
      return missing_attr(obj, name);
  }
}

namespace {
Value bound_method(const Value& self, const std::string& name) {
  auto m = std::make_shared<CallableObj>();
  m->type = CallableObj::Method;
  m->self = self;
  m->name = name;
  Value v;
  v.kind = Kind::Callable;
  v.obj = std::move(m);
  return v;
}
}  // namespace

std::vector<Value> iterate(const Value& v) {
  switch (v.kind) {
    case Kind::List:
    case Kind::Tuple:
      return v.list_obj().items;
    case Kind::Dict: {
      std::vector<Value> keys;
      keys.reserve(v.dict_obj().items.size());
      for (const auto& kv : v.dict_obj().items) keys.push_back(kv.first);
      return keys;
    }
    case Kind::String: {
      std::vector<Value> chars;
      const std::string& s = v.str();
      size_t i = 0;
      chars.reserve(s.size());
      while (i < s.size()) {
        size_t len = 1;
        unicode::next_code_point(s, i, &len);
        if (len == 1 && static_cast<unsigned char>(s[i]) < 128) {
          chars.push_back(Value::borrowed_string(&ascii_char(s[i]), v.safe));
        } else {
          chars.push_back(Value::string(s.substr(i, len), v.safe));
        }
        i += len;
      }
      return chars;
    }
    case Kind::Undefined: {
      if (v.undefined_is_security()) undefined_error(v);
      return {};
    }
    default:
      fail("runtime", fmt::format("TypeError: '{}' object is not iterable", type_name(v)));
  }
}

size_t py_len(const Value& v) {
  if (v.gen) fail("runtime", "TypeError: object of type 'generator' has no len()");
  switch (v.kind) {
    case Kind::List:
    case Kind::Tuple:
    case Kind::Dict:
      return v.container_size();
    case Kind::String:
      return unicode::length(v.str());
    case Kind::Undefined:
      return 0;
    case Kind::Namespace:
      return static_cast<const NamespaceObj*>(v.obj.get())->attrs.size();
    default:
      fail("runtime", fmt::format("TypeError: object of type '{}' has no len()", type_name(v)));
  }
}

}  // namespace bakeoff::jinja
