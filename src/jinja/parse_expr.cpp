// Expression parsing: jinja2's precedence climb from conditional expressions down to
// primaries, filters, tests, subscripts and calls.
#include <algorithm>

#include <fmt/format.h>

#include "jinja/parser_impl.h"

namespace bakeoff::jinja {

bool Parser::is_tuple_end(const std::vector<std::string_view>& extra) const {
  const Token& t = cur();
  if (t.type == Tok::VarEnd || t.type == Tok::BlockEnd || t.type == Tok::Eof) return true;
  if (t.type == Tok::Op && t.text == ")") return true;
  for (auto e : extra) {
    if (t.type == Tok::Name && t.text == e) return true;
  }
  return false;
}

ExprPtr Parser::parse_tuple(bool simplified, bool with_condexpr,
                            const std::vector<std::string_view>& extra, bool explicit_parens) {
  const Token& at = cur();
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty()) expect_op(",");
    if (is_tuple_end(extra)) break;
    if (simplified) {
      items.push_back(parse_primary());
    } else {
      items.push_back(parse_expression(with_condexpr));
    }
    if (is_op(",")) {
      is_tuple = true;
    } else {
      break;
    }
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parens) error(fmt::format("Expected an expression, got '{}'", describe(cur())));
  }
  auto e = node(ExprKind::Tuple, at);
  e->args = std::move(items);
  return fold_sequence(std::move(e));
}

ExprPtr Parser::parse_expression(bool with_condexpr) {
  DepthGuard guard(this, &expr_depth_, kMaxExprNesting);
  if (with_condexpr) return parse_condexpr();
  return parse_or();
}

ExprPtr Parser::parse_condexpr() {
  const Token& at = cur();
  ExprPtr e1 = parse_or();
  while (skip_name("if")) {
    ExprPtr e2 = parse_or();
    ExprPtr e3;
    if (skip_name("else")) e3 = parse_condexpr();
    auto c = node(ExprKind::CondExpr, at);
    c->a = std::move(e2);
    c->b = std::move(e1);
    c->c = std::move(e3);
    e1 = std::move(c);
  }
  return e1;
}

ExprPtr Parser::parse_or() {
  const Token& at = cur();
  ExprPtr left = parse_and();
  while (skip_name("or")) {
    auto n = node(ExprKind::Or, at);
    n->a = std::move(left);
    n->b = parse_and();
    left = std::move(n);
  }
  return left;
}

ExprPtr Parser::parse_and() {
  const Token& at = cur();
  ExprPtr left = parse_not();
  while (skip_name("and")) {
    auto n = node(ExprKind::And, at);
    n->a = std::move(left);
    n->b = parse_not();
    left = std::move(n);
  }
  return left;
}

ExprPtr Parser::parse_not() {
  if (is_name("not")) {
    DepthGuard guard(this, &expr_depth_, kMaxExprNesting);
    auto n = node(ExprKind::Not, cur());
    next();
    n->a = parse_not();
    return n;
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
  const Token& at = cur();
  ExprPtr expr = parse_math1();
  ExprPtr cmp;
  while (true) {
    CmpOp op;
    if (cur().type == Tok::Op && (cur().text == "==" || cur().text == "!=" || cur().text == "<" ||
                                  cur().text == "<=" || cur().text == ">" || cur().text == ">=")) {
      const std::string& t = cur().text;
      op = t == "=="   ? CmpOp::Eq
           : t == "!=" ? CmpOp::Ne
           : t == "<"  ? CmpOp::Lt
           : t == "<=" ? CmpOp::Le
           : t == ">"  ? CmpOp::Gt
                       : CmpOp::Ge;
      next();
    } else if (is_name("in")) {
      op = CmpOp::In;
      next();
    } else if (is_name("not") && peek().type == Tok::Name && peek().text == "in") {
      op = CmpOp::NotIn;
      next();
      next();
    } else {
      break;
    }
    if (!cmp) {
      cmp = node(ExprKind::Compare, at);
      cmp->a = std::move(expr);
    }
    cmp->ops.push_back(op);
    cmp->args.push_back(parse_math1());
  }
  if (cmp && cmp->ops.size() == 1 && (cmp->ops[0] == CmpOp::Eq || cmp->ops[0] == CmpOp::Ne)) {
    // `message['role'] == 'user'`, either way round: compared in place (Interpreter::truth).
    const Expr* x = cmp->a.get();
    const Expr* y = cmp->args[0].get();
    if (x->kind == ExprKind::Const) std::swap(x, y);
    if (x->key != nullptr && y->kind == ExprKind::Const && y->value.kind == Kind::String &&
        !y->value.safe) {
      cmp->field = x;
      cmp->text = &y->value.str();
    }
  }
  return cmp ? std::move(cmp) : std::move(expr);
}

ExprPtr Parser::binary(BinOp op, ExprPtr a, ExprPtr b, const Token& at) {
  auto n = node(ExprKind::Binary, at);
  n->op = static_cast<int>(op);
  n->a = std::move(a);
  n->b = std::move(b);
  return n;
}

ExprPtr Parser::parse_math1() {
  const Token& at = cur();
  ExprPtr left = parse_concat();
  while (is_op("+") || is_op("-")) {
    BinOp op = cur().text == "+" ? BinOp::Add : BinOp::Sub;
    next();
    left = binary(op, std::move(left), parse_concat(), at);
  }
  // (A parenthesized sum reaches here twice, from its own level and the enclosing one: its
  // parts are listed once.)
  if (left->kind == ExprKind::Binary && static_cast<BinOp>(left->op) == BinOp::Add &&
      left->sum_parts.empty()) {
    // At most 16 operands: a longer chain keeps its leftmost part nested, evaluated under the
    // depth guard (a 50,000-term sum is a limit error, not a loop).
    constexpr size_t kMaxParts = 16;
    const Expr* x = left.get();
    while (x->kind == ExprKind::Binary && static_cast<BinOp>(x->op) == BinOp::Add &&
           left->sum_parts.size() < kMaxParts - 1) {
      left->sum_parts.push_back(x->b.get());
      x = x->a.get();
    }
    left->sum_parts.push_back(x);
    std::reverse(left->sum_parts.begin(), left->sum_parts.end());
    merge_literals(*left);
  }
  return left;
}

void Parser::merge_literals(Expr& sum) {
  // `… + '<|im_end|>' + '\n'`: adjacent string literals are one part, written at once. A sum
  // of strings is associative, and anything else added to a string fails (or, for Markup,
  // escapes) the same whether the literals come one by one or joined.
  std::vector<const Expr*> merged;
  for (size_t i = 0; i < sum.sum_parts.size(); ++i) {
    const Expr* part = sum.sum_parts[i];
    if (part->kind != ExprKind::Const || part->text == nullptr || i + 1 == sum.sum_parts.size() ||
        sum.sum_parts[i + 1]->kind != ExprKind::Const || sum.sum_parts[i + 1]->text == nullptr) {
      merged.push_back(part);
      continue;
    }
    std::string text;
    const Expr* first = part;
    for (; i < sum.sum_parts.size() && sum.sum_parts[i]->kind == ExprKind::Const &&
           sum.sum_parts[i]->text != nullptr;
         ++i) {
      text += *sum.sum_parts[i]->text;
    }
    --i;
    Token at;
    at.line = first->line;
    at.col = first->col;
    sum.args.push_back(constant(Value::string(std::move(text)), at));  // owned by the sum
    merged.push_back(sum.args.back().get());
  }
  sum.sum_parts = std::move(merged);
  sum.sum_texts.clear();
  for (const Expr* part : sum.sum_parts) {
    sum.sum_texts.push_back(part->kind == ExprKind::Const ? part->text : nullptr);
  }
}

ExprPtr Parser::parse_concat() {
  const Token& at = cur();
  ExprPtr first = parse_math2();
  if (!is_op("~")) return first;
  auto n = node(ExprKind::Concat, at);
  n->args.push_back(std::move(first));
  while (skip_op("~")) n->args.push_back(parse_math2());
  return n;
}

ExprPtr Parser::parse_math2() {
  const Token& at = cur();
  ExprPtr left = parse_pow();
  while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
    const std::string& t = cur().text;
    BinOp op = t == "*"    ? BinOp::Mul
               : t == "/"  ? BinOp::Div
               : t == "//" ? BinOp::FloorDiv
                           : BinOp::Mod;
    next();
    left = binary(op, std::move(left), parse_pow(), at);
  }
  return left;
}

ExprPtr Parser::parse_pow() {
  const Token& at = cur();
  ExprPtr left = parse_unary(true);
  while (skip_op("**")) left = binary(BinOp::Pow, std::move(left), parse_unary(true), at);
  return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
  const Token& at = cur();
  ExprPtr n;
  if (is_op("-") || is_op("+")) {
    DepthGuard guard(this, &expr_depth_, kMaxExprNesting);
    char op = cur().text[0];
    next();
    ExprPtr operand = parse_unary(false);
    // Fold negative numeric literals so `-1` is a constant (and -9223372036854775808 parses).
    if (op == '-' && operand->kind == ExprKind::Const && operand->value.kind == Kind::Int &&
        operand->value.i != INT64_MIN) {
      operand->value.i = -operand->value.i;
      n = std::move(operand);
    } else if (op == '-' && operand->kind == ExprKind::Const &&
               operand->value.kind == Kind::Float) {
      operand->value.f = -operand->value.f;
      n = std::move(operand);
    } else {
      n = node(ExprKind::Unary, at);
      n->op = static_cast<unsigned char>(op);
      n->a = std::move(operand);
    }
  } else {
    n = parse_primary();
  }
  n = parse_postfix(std::move(n));
  if (with_filter) n = parse_filter_expr(std::move(n));
  return n;
}

ExprPtr Parser::constant(Value v, const Token& at) {
  auto n = node(ExprKind::Const, at);
  n->value = std::move(v);
  if (n->value.kind == Kind::String && !n->value.safe) n->text = &n->value.str();
  return n;
}

ExprPtr Parser::parse_primary() {
  const Token& at = cur();
  switch (at.type) {
    case Tok::Name: {
      const std::string& n = at.text;
      next();
      if (n == "true" || n == "True") return constant(Value::boolean(true), at);
      if (n == "false" || n == "False") return constant(Value::boolean(false), at);
      if (n == "none" || n == "None") return constant(Value::none(), at);
      auto e = node(ExprKind::Name, at);
      e->name = n;
      e->sym = symbol(n);
      return e;
    }
    case Tok::String: {
      std::string s = at.text;
      next();
      while (cur().type == Tok::String) {
        s += cur().text;
        next();
      }
      return constant(Value::string(std::move(s)), at);
    }
    case Tok::Int:
      next();
      return constant(Value::integer(at.ival), at);
    case Tok::Float:
      next();
      return constant(Value::number(at.fval), at);
    case Tok::Op:
      if (at.text == "(") {
        next();
        ExprPtr e = parse_tuple(false, true, {}, true);
        expect_op(")");
        return e;
      }
      if (at.text == "[") return parse_list();
      if (at.text == "{") return parse_dict();
      [[fallthrough]];
    default:
      error(fmt::format("unexpected '{}'", describe(at)));
  }
}

ExprPtr Parser::parse_list() {
  auto n = node(ExprKind::List, cur());
  expect_op("[");
  while (!is_op("]")) {
    if (!n->args.empty()) expect_op(",");
    if (is_op("]")) break;
    n->args.push_back(parse_expression(true));
  }
  expect_op("]");
  return n;
}

ExprPtr Parser::parse_dict() {
  auto n = node(ExprKind::Dict, cur());
  expect_op("{");
  while (!is_op("}")) {
    if (!n->args.empty()) expect_op(",");
    if (is_op("}")) break;
    n->args.push_back(parse_expression(true));
    expect_op(":");
    n->args.push_back(parse_expression(true));
  }
  expect_op("}");
  return n;
}

ExprPtr Parser::parse_postfix(ExprPtr n) {
  while (true) {
    if (is_op(".") || is_op("[")) {
      n = parse_subscript(std::move(n));
    } else if (is_op("(")) {
      n = parse_call(std::move(n));
    } else {
      return n;
    }
  }
}

ExprPtr Parser::parse_filter_expr(ExprPtr n) {
  while (true) {
    if (is_op("|")) {
      n = parse_filter(std::move(n), false);
    } else if (is_name("is")) {
      n = parse_test(std::move(n));
    } else if (is_op("(")) {
      n = parse_call(std::move(n));
    } else {
      return n;
    }
  }
}

namespace {
// Where `x.name` / `x['name']` can take the evaluator's shortcut (a key of a dict, else a missing
// attribute) and where it needs the full lookup rules (see Expr::op).
int not_plain_on(const std::string& name) {
  if (name.empty() || name[0] == '_') return kNotPlainOnDict | kNotPlainOnStr | kNotPlainOnList;
  int flags = 0;
  const Value dict = Value::dict();
  if (is_method(dict, name) || is_unsafe_method(dict, name)) flags |= kNotPlainOnDict;
  if (is_method(Value::string(std::string()), name)) flags |= kNotPlainOnStr;
  const Value list = Value::list();
  if (is_method(list, name) || is_unsafe_method(list, name)) flags |= kNotPlainOnList;
  return flags;
}
}  // namespace

ExprPtr Parser::parse_subscript(ExprPtr base) {
  const Token& at = cur();
  if (skip_op(".")) {
    if (cur().type == Tok::Name) {
      auto n = node(ExprKind::Getattr, at);
      n->a = std::move(base);
      n->name = cur().text;
      n->op = not_plain_on(n->name);
      if (n->a->kind == ExprKind::Name && (n->op & kNotPlainOnDict) == 0) n->key = &n->name;
      next();
      return n;
    }
    if (cur().type != Tok::Int) error("expected name or number");
    auto n = node(ExprKind::Getitem, at);
    n->a = std::move(base);
    n->b = constant(Value::integer(cur().ival), cur());
    next();
    return n;
  }
  expect_op("[");
  std::vector<ExprPtr> args;
  while (!is_op("]")) {
    if (!args.empty()) expect_op(",");
    args.push_back(parse_subscribed());
  }
  expect_op("]");
  ExprPtr index;
  if (args.size() == 1) {
    index = std::move(args[0]);
  } else {
    index = node(ExprKind::Tuple, at);
    index->args = std::move(args);
  }
  if (index->kind == ExprKind::Slice) {
    index->a = std::move(base);
    return index;
  }
  auto n = node(ExprKind::Getitem, at);
  n->a = std::move(base);
  n->b = std::move(index);
  if (const Expr& call = *n->a, &piece = *n->b;
      piece.kind == ExprKind::Const && piece.value.kind == Kind::Int &&
      (piece.value.i == 0 || piece.value.i == -1) && call.kind == ExprKind::Call &&
      call.a->kind == ExprKind::Getattr && call.a->name == "split" && plain_path(*call.a->a) &&
      call.args.size() == 1 && call.args[0]->kind == ExprKind::Const &&
      call.args[0]->text != nullptr && !call.args[0]->text->empty() && call.kwargs.empty() &&
      !call.dyn_args && !call.dyn_kwargs) {
    n->split_piece = true;
  }
  if (n->b->kind == ExprKind::Const && n->b->value.kind == Kind::String) {
    n->op = not_plain_on(n->b->value.str());
    if (n->a->kind == ExprKind::Name && (n->op & kNotPlainOnDict) == 0) {
      n->key = &n->b->value.str();
    }
  }
  return n;
}

// Returns an expression, or a Slice node whose parts are b (start), c (stop), d (step).
ExprPtr Parser::parse_subscribed() {
  const Token& at = cur();
  ExprPtr start;
  if (is_op(":")) {
    next();
  } else {
    start = parse_expression(true);
    if (!is_op(":")) return start;
    next();
  }
  auto s = node(ExprKind::Slice, at);
  s->b = std::move(start);
  if (!is_op(":") && !is_op("]") && !is_op(",")) s->c = parse_expression(true);
  if (skip_op(":")) {
    if (!is_op("]") && !is_op(",")) s->d = parse_expression(true);
  }
  return s;
}

void Parser::parse_call_args(Expr& n) {
  expect_op("(");
  bool first = true;
  while (!is_op(")")) {
    if (!first) {
      expect_op(",");
      if (is_op(")")) break;
    }
    first = false;
    if (skip_op("*")) {
      n.dyn_args = parse_expression(true);
    } else if (skip_op("**")) {
      n.dyn_kwargs = parse_expression(true);
    } else if (cur().type == Tok::Name && peek().type == Tok::Op && peek().text == "=") {
      std::string key = cur().text;
      next();
      next();
      n.kwargs.emplace_back(std::move(key), parse_expression(true));
    } else {
      if (!n.kwargs.empty() || n.dyn_args || n.dyn_kwargs)
        error("invalid syntax for function call expression");
      n.args.push_back(parse_expression(true));
    }
  }
  expect_op(")");
}

ExprPtr Parser::parse_call(ExprPtr callee) {
  auto n = node(ExprKind::Call, cur());
  n->a = std::move(callee);
  parse_call_args(*n);
  return n;
}

ExprPtr Parser::parse_filter(ExprPtr base, bool start_inline) {
  while (is_op("|") || start_inline) {
    if (!start_inline) next();
    start_inline = false;
    const Token& at = cur();
    std::string name = expect_name();
    while (skip_op(".")) name += "." + expect_name();
    auto n = node(ExprKind::Filter, at);
    n->name = name;
    n->fn = filter_id(name);
    if (n->fn < 0 && !soft_) {
      fail_at("syntax", fmt::format("No filter named '{}'.", name), at.line, at.col);
    }
    n->a = std::move(base);
    if (is_op("(")) parse_call_args(*n);
    base = std::move(n);
  }
  return base;
}

ExprPtr Parser::parse_test(ExprPtr base) {
  next();  // 'is'
  bool negated = skip_name("not");
  const Token& at = cur();
  std::string name = expect_name();
  while (skip_op(".")) name += "." + expect_name();
  auto n = node(ExprKind::Test, at);
  n->name = name;
  n->negated = negated;
  n->fn = test_id(name);
  if (n->fn < 0 && !soft_)
    fail_at("syntax", fmt::format("No test named '{}'.", name), at.line, at.col);
  n->a = std::move(base);
  if (is_op("(")) {
    parse_call_args(*n);
  } else if ((cur().type == Tok::Name || cur().type == Tok::String || cur().type == Tok::Int ||
              cur().type == Tok::Float || is_op("(") || is_op("[") || is_op("{")) &&
             !is_name("else") && !is_name("or") && !is_name("and")) {
    if (is_name("is")) error("You cannot chain multiple tests with is");
    ExprPtr arg = parse_primary();
    n->args.push_back(parse_postfix(std::move(arg)));
  }
  return n;
}

}  // namespace bakeoff::jinja
