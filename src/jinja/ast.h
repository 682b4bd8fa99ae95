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

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind;
  int line = 0;
  int col = 0;
  Value value;       // Const
  int sym = -1;      // Name: symbol slot
  std::string name;  // Getattr attribute, Filter/Test name, Name's text
  int op = 0;        // BinOp / unary '-' or '+'
  int fn = -1;       // resolved filter/test id (-1: unknown, raised when evaluated)
  bool negated = false;
  ExprPtr a, b, c, d;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  ExprPtr dyn_args, dyn_kwargs;
  std::vector<CmpOp> ops;
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
  int sym = -1;  // Macro's name slot
};

}  // namespace bakeoff::jinja
