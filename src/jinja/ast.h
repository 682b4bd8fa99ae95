// The compiled template: expression and statement trees with names resolved to symbol slots,
// literals folded to values, and filters/tests resolved to function ids at compile time.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jinja/value.h"

namespace bakeoff::jinja {

enum class ExprKind : uint8_t {
  Const,
  Name,
  Getattr,  // a.name
  Getitem,  // a[b]
  Slice,    // a[b:c:d] (null parts omitted)
  Call,     // a(args, kwargs, *dyn_args, **dyn_kwargs)
  Filter,   // a|name(args)  (a null inside a filter block)
  Test,     // a is [not] name(args)
  Binary,   // op: + - * / // % **
  Unary,    // op: - +
  And,
  Or,
  Not,
  Compare,   // a op0 args[0] op1 args[1] …
  CondExpr,  // b if a else c
  List,
  Tuple,
  Dict,    // args: key0, value0, key1, value1, …
  Concat,  // args joined with ~
};

enum class BinOp : uint8_t { Add, Sub, Mul, Div, FloorDiv, Mod, Pow };
enum class CmpOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

inline constexpr int kNotPlainOnDict = 1;
inline constexpr int kNotPlainOnStr = 2;
inline constexpr int kNotPlainOnList = 4;

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// Fields in the order evaluation reads them: the ones every node kind uses first (one cache
// line with the operand pointers), the bulky ones after.
struct Expr {
  ExprKind kind;
  bool negated = false;
  // Getitem `x.split('sep')[0]` / `[-1]` with x a plain path and 'sep' a non-empty string
  // literal: the piece can be cut out without the list of pieces (Interpreter::split_piece).
  bool split_piece = false;
  // BinOp / unary '-' or '+'. Getattr, and Getitem with a constant string key: the kinds of
  // value on which the name may be more than a plain key or a missing attribute (a method, a
  // refused mutator, a private name): kNotPlainOn* bits.
  int op = 0;
  int fn = -1;   // resolved filter/test id (-1: unknown, raised when evaluated)
  int sym = -1;  // Name: symbol slot
  int line = 0;
  int col = 0;
  ExprPtr a, b, c, d;
  // Getattr/Getitem on a variable with a constant key and plain rules on dicts: the key (the
  // evaluator reads such a field of context data in place). Compare, a single ==/!= between
  // such a field and a string literal: the field and the literal's text. A Const plain (not
  // Markup) string: its text. Set by the parser.
  const std::string* key = nullptr;
  const Expr* field = nullptr;
  const std::string* text = nullptr;
  // The outermost `+` of a left-nested `a + b + c …`: its operands in evaluation order, so that
  // printing the sum walks no tree (Interpreter::print_sum).
  std::vector<const Expr*> sum_parts;
  // Beside each part, its text when it is a plain string literal (else null): printing a sum
  // appends these without looking at the part.
  std::vector<const std::string*> sum_texts;
  Value value;       // Const
  std::string name;  // Getattr attribute, Filter/Test name, Name's text
  std::vector<ExprPtr> args;
  std::vector<CmpOp> ops;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  ExprPtr dyn_args, dyn_kwargs;
  // A call, filter or test written without arguments (`x|trim`, `d.items()`, `is none`).
  bool no_arguments() const { return args.empty() && kwargs.empty() && !dyn_args && !dyn_kwargs; }
};

enum class StmtKind : uint8_t {
  Data,
  Print,
  If,
  For,
  Set,
  SetBlock,
  Macro,
  CallBlock,
  FilterBlock,
  With,
  Scope,  // {% generation %}: renders its body unchanged
  Break,
  Continue,
  Do,
};

// The comparison a branch of a switch-like if tests (Stmt::switch_field): the test itself, or
// the left side of `test and rest`.
inline const Expr* switch_compare(const Expr& test) {
  return test.kind == ExprKind::And ? test.a.get() : &test;
}

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// An assignment target: a name, a tuple of names (unpacking) or a namespace attribute.
struct Target {
  enum Kind : uint8_t { Name, Tuple, Attr } kind = Name;
  int sym = -1;
  std::string attr;
  std::vector<Target> items;
};

struct MacroDef {
  std::string name;
  std::vector<int> params;
  std::vector<std::string> param_names;
  std::vector<ExprPtr> defaults;  // aligned with params; null when none
  Body body;
  bool uses_varargs = false;
  bool uses_kwargs = false;
  bool uses_caller = false;
};

struct Stmt {
  StmtKind kind;
  int line = 0;
  int col = 0;
  std::string text;  // Data
  ExprPtr expr;      // Print, For iterable, Set value, CallBlock call, Do, FilterBlock filter
  ExprPtr cond;      // For's `if` filter
  std::vector<std::pair<ExprPtr, Body>> branches;  // If: (test, body) pairs
  Body body;
  Body else_body;
  Target target;
  std::vector<std::pair<Target, ExprPtr>> assigns;  // With
  std::shared_ptr<MacroDef> macro;                  // Macro, CallBlock (the caller)
  bool recursive = false;
  // For: whether the body gets a loop object (it reads `loop`), and for `for k, v in d|items`
  // / `in d.items()` / `in d|dictsort` the expression `d` (its pairs may be read in place) and
  // whether they come in dictsort's order.
  bool uses_loop = false;
  const Expr* items_of = nullptr;
  bool items_sorted = false;
  // For over one name, with no `if` filter: the names its body sets first, before anything
  // reads a variable, each from a field of the loop's item or a literal
  // (`{% set content = message['content'] %}`). Each iteration sets them again before they can
  // be read, so they keep their places from one iteration to the next (Interpreter::run_loop).
  std::vector<int> leading_sets;
  // If: when every test compares the same field of a variable with a string literal (`==`),
  // alone or as the left side of an `and` (see switch_compare), that field.
  const Expr* switch_field = nullptr;
  // Its branches as the switch reads them: the literal, the rest of an `and` (else null), the
  // body. (Pointers into `branches`, which the statement owns.)
  struct SwitchCase {
    std::string_view text;
    const Expr* rest;
    const Body* body;
  };
  std::vector<SwitchCase> switch_cases;
  int sym = -1;  // Macro's name slot
};

}  // namespace bakeoff::jinja
