// Expression evaluation (the other half of the interpreter).
#include <fmt/format.h>

#include "jinja/error.h"
#include "jinja/interpreter.h"
#include "jinja/text_ops.h"
#include "jinja/unicode.h"
#include "jinja/value_ops.h"

namespace bakeoff::jinja {

namespace {
// Whether ASCII `text`, upper-cased (or lower-cased), is `literal`: for ASCII text, Python's
// upper() and lower() change only the letters a-z (A-Z), one byte for one.
bool ascii_case_mapped_equal(std::string_view text, std::string_view literal, bool to_upper) {
  if (text.size() != literal.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (unicode::ascii_cased(text[i], to_upper) != literal[i]) return false;
  }
  return true;
}

// Counts the nesting of evaluation while it lasts.
struct DepthCount {
  size_t* d;
  explicit DepthCount(size_t* depth) : d(depth) { ++*d; }
  ~DepthCount() { --*d; }
  DepthCount(const DepthCount&) = delete;
  DepthCount& operator=(const DepthCount&) = delete;
};

// obj.name / obj['name'] where `name` is a string of the compiled template and no method,
// mutator or private name on obj's kind (`not_plain`: Expr::op): a dict's key, else a missing
// attribute. False when the full lookup rules are needed.
bool plain_member(const Value& obj, const std::string& name, int not_plain, Value* out) {
  switch (obj.kind) {
    case Kind::Dict: {
      if ((not_plain & kNotPlainOnDict) != 0) return false;
      if (json_item(obj, name, out)) return true;
      if (obj.json_source() == nullptr) {
        if (const Value* v = obj.dict_obj().find_str(name)) {
          *out = *v;
          return true;
        }
      }
      *out = Value::missing_attribute(Kind::Dict, &name);
      return true;
    }
    case Kind::String:  // `content['type']` while iterating a string's characters
      if ((not_plain & kNotPlainOnStr) != 0) return false;
      *out = Value::missing_attribute(Kind::String, &name);
      return true;
    case Kind::List:
      if ((not_plain & kNotPlainOnList) != 0 || obj.gen || obj.view != 0) return false;
      *out = Value::missing_attribute(Kind::List, &name);
      return true;
    default:
      return false;
  }
}
}  // namespace

bool Interpreter::trimmed_in_place(const Expr& e, std::string_view* out) {
  static const int kTrim = filter_id("trim");
  if (e.fn != kTrim || !e.a || !e.no_arguments()) {
    return false;
  }
  const std::string* s = string_in_place(*e.a);
  if (s == nullptr) return false;
  *out = unicode::strip(*s, nullptr, true, true);  // what the trim filter returns
  return true;
}

bool Interpreter::truth(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Getattr:
    case ExprKind::Getitem:
      // `if message.content`: a missing key is undefined (false), a present one its truth.
      if (const Json* j = nullptr; field_in_place(e, &j))
        return j != nullptr && truthy(from_json(*j));
      break;
    case ExprKind::Compare:
      if (e.ops.size() == 1 && (e.ops[0] == CmpOp::Eq || e.ops[0] == CmpOp::Ne)) {
        if (int decided = compare_in_place(e); decided >= 0) return decided != 0;
        // `value['type']|upper == 'STRING'`: ASCII text read in place is compared with the
        // literal as it would be cased, without making the cased copy.
        static const int kUpper = filter_id("upper");
        static const int kLower = filter_id("lower");
        if (const Expr& left = *e.a; left.kind == ExprKind::Filter && left.a &&
                                     (left.fn == kUpper || left.fn == kLower) &&
                                     left.no_arguments() && e.args[0]->kind == ExprKind::Const &&
                                     e.args[0]->text != nullptr) {
          if (std::string_view text; text_in_place(*left.a, &text) && unicode::is_ascii(text)) {
            return ascii_case_mapped_equal(text, *e.args[0]->text, left.fn == kUpper) ==
                   (e.ops[0] == CmpOp::Eq);
          }
        }
        Value left = eval(*e.a);
        Value right = eval(*e.args[0]);
        return py_equal(left, right) == (e.ops[0] == CmpOp::Eq);
      }
      if (e.ops.size() == 1 && (e.ops[0] == CmpOp::In || e.ops[0] == CmpOp::NotIn)) {
        // `'</think>' in content`: a substring of text read in place (UTF-8 keeps code point
        // boundaries, so a byte search finds what Python's finds).
        std::string_view needle;
        std::string_view text;
        if (text_in_place(*e.a, &needle) && text_in_place(*e.args[0], &text)) {
          return (text.find(needle) != std::string_view::npos) == (e.ops[0] == CmpOp::In);
        }
      }
      break;
    case ExprKind::Test:
      // `message.content is not none`: a test without arguments, no argument list made.
      if (e.fn >= 0 && e.no_arguments()) {
        static const CallArgs kNoArguments;
        try {
          const bool passed = apply_test(*this, e.fn, eval(*e.a), kNoArguments);
          return e.negated ? !passed : passed;
        } catch (JinjaError& err) {
          if (err.line == 0) {
            err.line = e.line;
            err.column = e.col;
          }
          throw;
        }
      }
      break;
    case ExprKind::Not:  // nesting bounded by the parser
      return !truth(*e.a);
    case ExprKind::And:
    case ExprKind::Or: {
      // `a and b` is a when a is false, else b: its truth is both truths (b unevaluated when a
      // is false, as in Python). A long chain nests as deep as it is long: guarded.
      DepthCount count(&eval_depth_);
      if (eval_depth_ > kMaxEvalDepth)
        fail_at("limit", "expression nested too deeply", e.line, e.col);
      if (e.kind == ExprKind::And) return truth(*e.a) && truth(*e.b);
      return truth(*e.a) || truth(*e.b);
    }
    default:
      break;
  }
  return truthy(eval(e));
}

Value Interpreter::eval(const Expr& e) {
  // Fast paths that cannot fail: constants, names, and a field of context data read through a
  // name (`message['role']`, `message.content`: most of what a chat template evaluates).
  switch (e.kind) {
    case ExprKind::Const:
      return e.value.borrow();
    case ExprKind::Name:
      return lookup(e.sym);
    case ExprKind::Getattr:
      if (e.a->kind == ExprKind::Name) {
        if (Value v; plain_member(lookup_ref(e.a->sym), e.name, e.op, &v)) return v;
      }
      break;
    case ExprKind::Getitem:
      if (e.a->kind == ExprKind::Name && e.b->kind == ExprKind::Const &&
          e.b->value.kind == Kind::String) {
        if (Value v; plain_member(lookup_ref(e.a->sym), e.b->value.str(), e.op, &v)) return v;
      }
      break;
    // `message['role'] == 'system'` and `not x`: their nesting is bounded by the parser (a
    // comparison inside a comparison or a `not` needs parentheses or another `not`), so they
    // can skip the depth guard too; any operand that can nest deeply goes through it.
    case ExprKind::Compare:
      if (e.ops.size() == 1 && (e.ops[0] == CmpOp::Eq || e.ops[0] == CmpOp::Ne)) {
        if (int decided = compare_in_place(e); decided >= 0) return Value::boolean(decided != 0);
        Value left = eval(*e.a);
        Value right = eval(*e.args[0]);
        return Value::boolean(py_equal(left, right) == (e.ops[0] == CmpOp::Eq));
      }
      break;
    case ExprKind::Not:
      return Value::boolean(!truth(*e.a));
    default:
      break;
  }
  return eval_guarded(e);
}

bool Interpreter::split_piece(const Expr& e, Value* out) {
  const Expr& call = *e.a;
  Value self = eval(*call.a->a);
  if (self.kind != Kind::String || self.safe) return false;
  const std::string& s = self.str();
  const std::string& sep = *call.args[0]->text;
  const bool first = e.b->value.i == 0;
  const size_t at = first ? s.find(sep) : py_rfind(s, sep);
  if (at == std::string::npos) {
    *out = std::move(self);  // split() gives [s]
  } else {
    *out = Value::string(first ? s.substr(0, at) : s.substr(at + sep.size()));
  }
  return true;
}

Value Interpreter::eval_sum(const Expr& e) {
  // `'<|start_header_id|>' + message['role'] + '<|end_header_id|>' + …`: plain strings are
  // joined into one string of the right size, not grown once per `+`. A string and a string
  // cannot fail to add, so joining them later is not observable; from the first part that is
  // not a plain string on, Python's `+` goes on part by part, in order.
  const auto& parts = e.sum_parts;
  const size_t n = parts.size();
  // The parts that had to be evaluated, kept alive while their text is read below (made only
  // as needed: most parts are literals and fields read in place).
  struct Held {
    alignas(Value) unsigned char room[16 * sizeof(Value)];
    size_t count = 0;
    Value& keep(Value v) {
      return *new (room + sizeof(Value) * count++) Value(std::move(v));  // NOLINT
    }
    ~Held() {
      for (size_t i = 0; i < count; ++i) {
        reinterpret_cast<Value*>(room + sizeof(Value) * i)->~Value();  // NOLINT
      }
    }
  } held;
  std::string_view texts[16];
  size_t total = 0;
  size_t k = 0;
  Value* other = nullptr;  // the first part that is not a plain string
  for (; k < n; ++k) {
    if (const std::string* literal = e.sum_texts[k]) {
      texts[k] = *literal;
    } else if (!text_in_place(*parts[k], &texts[k])) {
      Value& v = held.keep(eval(*parts[k]));
      if (v.kind != Kind::String || v.safe) {
        other = &v;
        break;
      }
      texts[k] = v.str();
    }
    total += texts[k].size();
  }
  if (total > kMaxSequenceSize) fail("limit", "string too large");
  std::string joined;
  joined.reserve(total);
  for (size_t i = 0; i < k; ++i) joined.append(texts[i]);
  if (k == n) return Value::string(std::move(joined));
  Value sum =
      k == 0 ? std::move(*other) : binary_op(BinOp::Add, Value::string(std::move(joined)), *other);
  for (++k; k < n; ++k) sum = binary_op(BinOp::Add, sum, eval(*parts[k]));
  return sum;
}

Value Interpreter::eval_guarded(const Expr& e) {
  // Long operator or filter chains nest the tree deeply; bound the C++ stack they can use.
  DepthCount count(&eval_depth_);
  if (eval_depth_ > kMaxEvalDepth) fail_at("limit", "expression nested too deeply", e.line, e.col);
  try {
    return eval_inner(e);
  } catch (JinjaError& err) {
    if (err.line == 0) {
      err.line = e.line;
      err.column = e.col;
    }
    throw;
  }
}

Value Interpreter::loop_attr(const Value& loop, const std::string& name) {
  const auto& lo = *static_cast<const LoopObj*>(loop.obj.get());
  if (!lo.active()) return Value::undefined("the loop has ended");
  auto n = static_cast<int64_t>(lo.size());
  auto i = static_cast<int64_t>(lo.index0);
  if (name == "index0") return Value::integer(i);
  if (name == "index") return Value::integer(i + 1);
  if (name == "first") return Value::boolean(i == 0);
  if (name == "last") return Value::boolean(i == n - 1);
  if (name == "length") return Value::integer(n);
  if (name == "revindex") return Value::integer(n - i);
  if (name == "revindex0") return Value::integer(n - i - 1);
  if (name == "depth") return Value::integer(lo.depth0 + 1);
  if (name == "depth0") return Value::integer(lo.depth0);
  if (name == "previtem") {
    if (i == 0) return Value::undefined("there is no previous item");
    return lo.at(static_cast<size_t>(i - 1));
  }
  if (name == "nextitem") {
    if (i + 1 >= n) return Value::undefined("there is no next item");
    return lo.at(static_cast<size_t>(i + 1));
  }
  return Value::undefined_lazy("'LoopContext' object has no attribute '{}'", name);
}

Value Interpreter::call_loop_method(const Value& loop, const std::string& name, CallArgs& args) {
  auto& lo = *static_cast<LoopObj*>(loop.obj.get());
  // (jinja2's `missing` marker, or a loop that has ended and that nothing kept, has no methods)
  if (!lo.active()) {
    fail("runtime", fmt::format("UndefinedError: the loop has ended; it has no method '{}'", name));
  }
  if (name == "cycle") {
    if (args.pos.empty()) fail("runtime", "TypeError: no items for cycling given");
    return args.pos[lo.index0 % args.pos.size()];
  }
  if (name == "changed") {
    bool changed = !lo.has_changed || lo.last_changed.size() != args.pos.size();
    if (!changed) {
      for (size_t k = 0; k < args.pos.size(); ++k) {
        if (!py_equal(lo.last_changed[k], args.pos[k])) changed = true;
      }
    }
    lo.has_changed = true;
    lo.last_changed = args.pos;
    return Value::boolean(changed);
  }
  return call_value(loop_attr(loop, name), args);
}

Value Interpreter::eval_inner(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Const:
      return e.value.borrow();
    case ExprKind::Name:
      return lookup(e.sym);
    case ExprKind::Getattr: {
      Value tmp;
      // `message.content`: read the variable in place (no copy, no reference count).
      const Value& obj = e.a->kind == ExprKind::Name ? lookup_ref(e.a->sym) : (tmp = eval(*e.a));
      if (obj.kind == Kind::Loop) return loop_attr(obj, e.name);
      if (Value v; plain_member(obj, e.name, e.op, &v)) return v;
      return get_attr(obj, e.name);
    }
    case ExprKind::Getitem: {
      if (Value piece; e.split_piece && split_piece(e, &piece)) return piece;
      Value tmp;
      Value key;
      const Value* objp = nullptr;
      if (e.a->kind == ExprKind::Name) {
        // `message['content']`: a name's lookup has no side effects, so the key can go first
        // and the variable is then read in place (evaluating the key may change the scopes).
        key = eval(*e.b);
        objp = &lookup_ref(e.a->sym);
      } else {
        tmp = eval(*e.a);
        key = eval(*e.b);
        objp = &tmp;
      }
      const Value& obj = *objp;
      if (obj.kind == Kind::Loop && key.kind == Kind::String) return loop_attr(obj, key.str());
      if (e.b->kind == ExprKind::Const && key.kind == Kind::String) {  // `messages[0]['role']`
        if (Value v; plain_member(obj, e.b->value.str(), e.op, &v)) return v;
      }
      if (obj.kind == Kind::Dict && key.kind == Kind::String) {
        if (Value v; json_item(obj, key.str(), &v)) return v;
      }
      return get_item(obj, key);
    }
    case ExprKind::Slice: {
      Value obj = eval(*e.a);
      Value none = Value::none();
      Value start = e.b ? eval(*e.b) : none;
      Value stop = e.c ? eval(*e.c) : none;
      Value step = e.d ? eval(*e.d) : none;
      return slice(obj, start, stop, step);
    }
    case ExprKind::Call:
      return eval_call(e, nullptr);
    case ExprKind::Filter:
      return eval_filter(e, nullptr);
    case ExprKind::Test: {
      Value in = eval(*e.a);
      if (e.fn < 0) fail("syntax", fmt::format("No test named '{}'.", e.name));
      CallArgs args;
      eval_args(e, args);
      bool r = apply_test(*this, e.fn, in, args);
      return Value::boolean(e.negated ? !r : r);
    }
    case ExprKind::Binary: {
      if (!e.sum_parts.empty()) return eval_sum(e);
      Value a = eval(*e.a);
      Value b = eval(*e.b);
      if (static_cast<BinOp>(e.op) == BinOp::Add && a.kind == Kind::String &&
          b.kind == Kind::String && !a.safe && !b.safe && a.obj && a.obj.use_count() == 1) {
        // `'<|im_start|>' + role + '\n' + content + …`: the left side is a temporary nobody
        // else holds, so grow it in place instead of copying it once per `+`.
        auto* left = static_cast<StrObj*>(a.obj.get());
        if (left->s.size() + b.str().size() > kMaxSequenceSize) fail("limit", "string too large");
        left->s += b.str();
        return a;
      }
      return binary_op(static_cast<BinOp>(e.op), a, b);
    }
    case ExprKind::Unary: {
      Value a = eval(*e.a);
      return e.op == '-' ? negate(a) : unary_plus(a);
    }
    case ExprKind::And: {
      Value a = eval(*e.a);
      if (!truthy(a)) return a;
      return eval(*e.b);
    }
    case ExprKind::Or: {
      Value a = eval(*e.a);
      if (truthy(a)) return a;
      return eval(*e.b);
    }
    case ExprKind::Not:
      return Value::boolean(!truth(*e.a));
    case ExprKind::Compare: {
      Value left = eval(*e.a);
      for (size_t k = 0; k < e.ops.size(); ++k) {
        Value right = eval(*e.args[k]);
        if (!compare_op(e.ops[k], left, right)) return Value::boolean(false);
        left = std::move(right);
      }
      return Value::boolean(true);
    }
    case ExprKind::CondExpr: {
      if (truth(*e.a)) return eval(*e.b);
      if (e.c) return eval(*e.c);
      return Value::undefined(fmt::format(
          "the inline if-expression on line {} evaluated to false and no else section was defined.",
          e.line));
    }
    case ExprKind::List:
    case ExprKind::Tuple: {
      std::vector<Value> items;
      items.reserve(e.args.size());
      for (const auto& a : e.args) items.push_back(eval(*a));
      return e.kind == ExprKind::List ? Value::list(std::move(items))
                                      : Value::tuple(std::move(items));
    }
    case ExprKind::Dict: {
      Value d = Value::dict();
      auto& obj = d.dict_obj();
      for (size_t k = 0; k + 1 < e.args.size(); k += 2) {
        Value key = eval(*e.args[k]);
        if (key.kind == Kind::List || key.kind == Kind::Dict || key.kind == Kind::Undefined) {
          if (key.kind == Kind::Undefined)
            fail("runtime", "TypeError: unhashable type: 'Undefined'");
          fail("runtime", fmt::format("TypeError: unhashable type: '{}'", type_name(key)));
        }
        obj.set(std::move(key), eval(*e.args[k + 1]));
      }
      return d;
    }
    case ExprKind::Concat: {
      std::string s;
      for (const auto& a : e.args) {
        append_str(s, eval(*a));
        if (s.size() > kMaxSequenceSize) fail("limit", "string too large");
      }
      return Value::string(std::move(s));
    }
  }
  return Value();
}

}  // namespace bakeoff::jinja
