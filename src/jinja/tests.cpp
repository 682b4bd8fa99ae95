// jinja2's built-in tests (`x is defined`, `x is mapping`, `x is equalto y`, …).
#include <string_view>

#include <fmt/format.h>

#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/unicode.h"
#include "jinja/value_ops.h"

namespace bakeoff::jinja {
namespace {

enum TestId {
  T_boolean,
  T_callable,
  T_defined,
  T_divisibleby,
  T_eq,
  T_escaped,
  T_even,
  T_false,
  T_filter,
  T_float,
  T_ge,
  T_gt,
  T_in,
  T_integer,
  T_iterable,
  T_le,
  T_lower,
  T_lt,
  T_mapping,
  T_ne,
  T_none,
  T_number,
  T_odd,
  T_sameas,
  T_sequence,
  T_string,
  T_test,
  T_true,
  T_undefined,
  T_upper,
};

constexpr std::pair<std::string_view, TestId> kTests[] = {
    {"boolean", T_boolean},
    {"callable", T_callable},
    {"defined", T_defined},
    {"divisibleby", T_divisibleby},
    {"eq", T_eq},
    {"equalto", T_eq},
    {"==", T_eq},
    {"escaped", T_escaped},
    {"even", T_even},
    {"false", T_false},
    {"filter", T_filter},
    {"float", T_float},
    {"ge", T_ge},
    {">=", T_ge},
    {"gt", T_gt},
    {">", T_gt},
    {"greaterthan", T_gt},
    {"in", T_in},
    {"integer", T_integer},
    {"iterable", T_iterable},
    {"le", T_le},
    {"<=", T_le},
    {"lower", T_lower},
    {"lt", T_lt},
    {"<", T_lt},
    {"lessthan", T_lt},
    {"mapping", T_mapping},
    {"ne", T_ne},
    {"!=", T_ne},
    {"none", T_none},
    {"number", T_number},
    {"odd", T_odd},
    {"sameas", T_sameas},
    {"sequence", T_sequence},
    {"string", T_string},
    {"test", T_test},
    {"true", T_true},
    {"undefined", T_undefined},
    {"upper", T_upper},
};

const Value& need_arg(const CallArgs& args, std::string_view test) {
  if (args.pos.empty())
    fail("runtime", fmt::format("TypeError: test '{}' needs an argument", test));
  return args.pos[0];
}

}  // namespace

int test_id(std::string_view name) {
  for (const auto& [n, id] : kTests) {
    if (n == name) return id;
  }
  return -1;
}

bool apply_test(Interpreter& in, int id, const Value& v, const CallArgs& args) {
  switch (static_cast<TestId>(id)) {
    case T_boolean:
      return v.kind == Kind::Bool;
    case T_callable:
      return v.kind == Kind::Callable || v.kind == Kind::Loop;
    case T_defined:
      return !v.is_undefined();
    case T_undefined:
      return v.is_undefined();
    case T_divisibleby: {
      Value r = binary_op(BinOp::Mod, v, need_arg(args, "divisibleby"));
      return !truthy(r);
    }
    case T_eq:
      return py_equal(v, need_arg(args, "eq"));
    case T_ne:
      return !py_equal(v, need_arg(args, "ne"));
    case T_lt:
      return compare_op(CmpOp::Lt, v, need_arg(args, "lt"));
    case T_le:
      return compare_op(CmpOp::Le, v, need_arg(args, "le"));
    case T_gt:
      return compare_op(CmpOp::Gt, v, need_arg(args, "gt"));
    case T_ge:
      return compare_op(CmpOp::Ge, v, need_arg(args, "ge"));
    case T_escaped:
      return v.kind == Kind::String && v.safe;
    case T_even:
      return !truthy(binary_op(BinOp::Mod, v, Value::integer(2)));
    case T_odd:
      return py_equal(binary_op(BinOp::Mod, v, Value::integer(2)), Value::integer(1));
    case T_false:
      return v.kind == Kind::Bool && !v.b;
    case T_true:
      return v.kind == Kind::Bool && v.b;
    case T_filter:
      return v.kind == Kind::String && filter_id(v.str()) >= 0;
    case T_test:
      return v.kind == Kind::String && test_id(v.str()) >= 0;
    case T_float:
      return v.kind == Kind::Float;
    case T_integer:
      return v.kind == Kind::Int;
    case T_number:
      return v.kind == Kind::Int || v.kind == Kind::Float || v.kind == Kind::Bool;
    case T_in:
      return contains(need_arg(args, "in"), v);
    case T_iterable:
      return v.kind == Kind::String || v.kind == Kind::List || v.kind == Kind::Tuple ||
             v.kind == Kind::Dict || v.kind == Kind::Undefined;
    case T_sequence:
      return v.kind == Kind::String ||
             ((v.kind == Kind::List || v.kind == Kind::Tuple) && !v.gen &&
              (v.view == 0 || v.view == 4)) ||
             v.kind == Kind::Dict;
    case T_mapping:
      return v.kind == Kind::Dict;
    case T_none:
      return v.is_none();
    case T_string:
      return v.kind == Kind::String;
    case T_lower:
      return unicode::is_lower(to_str(v));
    case T_upper:
      return unicode::is_upper(to_str(v));
    case T_sameas: {
      const Value& o = need_arg(args, "sameas");
      if (v.kind != o.kind) return false;
      switch (v.kind) {
        case Kind::None:
        case Kind::Undefined:
          return v.identity() == o.identity();
        case Kind::Bool:
          return v.b == o.b;
        case Kind::Int:
          return v.i == o.i && v.i >= -5 && v.i <= 256;
        case Kind::Float:
          return false;
        default:
          return v.identity() == o.identity();
      }
    }
  }
  (void)in;
  return false;
}

}  // namespace bakeoff::jinja
