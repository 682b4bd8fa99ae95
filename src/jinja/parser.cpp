#include "jinja/parser.h"

#include <fmt/format.h>

#include "jinja/builtins.h"
#include "jinja/error.h"

namespace bakeoff::jinja {
namespace {

// Python jinja2 stops near these depths too (RecursionError / IndentationError); real templates
// stay far below. Both bound the C++ stack used by the parser and the evaluator.
constexpr int kMaxExprNesting = 90;
constexpr int kMaxBlockNesting = 90;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  ParsedTemplate run() {
    ParsedTemplate out;
    std::string end;
    out.body = subparse({}, &end);
    out.symbols = std::move(symbols_);
    return out;
  }

 private:
  std::vector<Token> t_;
  size_t i_ = 0;
  std::unordered_map<std::string, int> sym_ids_;
  std::vector<std::string> symbols_;
  std::vector<int> name_log_;
  int expr_depth_ = 0;
  int block_depth_ = 0;
  bool soft_ = false;   // inside an if body: unknown filters/tests fail at render time
  int loop_depth_ = 0;  // for bodies enclosing the current statement (break/continue need one)

  struct DepthGuard {
    int* depth;
    DepthGuard(Parser* p, int* counter, int limit) : depth(counter) {
      if (++*depth > limit) {
        const Token& t = p->cur();
        fail_at("limit", "template nesting too deep (parser recursion limit)", t.line, t.col);
      }
    }
    ~DepthGuard() { --*depth; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
  };

  const Token& cur() const { return t_[i_]; }
  const Token& peek(size_t n = 1) const { return t_[std::min(i_ + n, t_.size() - 1)]; }
  void next() {
    if (i_ + 1 < t_.size()) ++i_;
  }

  static std::string describe(const Token& t) {
    switch (t.type) {
      case Tok::Data:
        return "template data / text";
      case Tok::VarBegin:
        return "begin of print statement";
      case Tok::VarEnd:
        return "end of print statement";
      case Tok::BlockBegin:
        return "begin of statement block";
      case Tok::BlockEnd:
        return "end of statement block";
      case Tok::Eof:
        return "end of template";
      case Tok::String:
        return "string";
      case Tok::Int:
        return "integer";
      case Tok::Float:
        return "float";
      default:
        return t.text;
    }
  }

  [[noreturn]] void error(const std::string& msg) const {
    fail_at("syntax", msg, cur().line, cur().col);
  }

  bool is_op(std::string_view op) const { return cur().type == Tok::Op && cur().text == op; }
  bool is_name(std::string_view n) const { return cur().type == Tok::Name && cur().text == n; }
  bool skip_op(std::string_view op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(std::string_view n) {
    if (!is_name(n)) return false;
    next();
    return true;
  }
  void expect_op(std::string_view op) {
    if (!skip_op(op)) error(fmt::format("expected token '{}', got '{}'", op, describe(cur())));
  }
  void expect(Tok type, const char* what) {
    if (cur().type != type)
      error(fmt::format("expected token '{}', got '{}'", what, describe(cur())));
    next();
  }
  std::string expect_name() {
    if (cur().type != Tok::Name)
      error(fmt::format("expected token 'name', got '{}'", describe(cur())));
    std::string n = cur().text;
    next();
    return n;
  }

  int symbol(const std::string& name) {
    auto it = sym_ids_.find(name);
    int id;
    if (it == sym_ids_.end()) {
      id = static_cast<int>(symbols_.size());
      sym_ids_.emplace(name, id);
      symbols_.push_back(name);
    } else {
      id = it->second;
    }
    name_log_.push_back(id);
    return id;
  }

  ExprPtr node(ExprKind k, const Token& at) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->line = at.line;
    e->col = at.col;
    return e;
  }

  // ---- statements ------------------------------------------------------------------------

  Body subparse(const std::vector<std::string_view>& end_names, std::string* end_found) {
    Body body;
    while (true) {
      const Token& t = cur();
      if (t.type == Tok::Eof) {
        if (!end_names.empty()) {
          error(
              fmt::format("Unexpected end of template. Jinja was looking for the following tags: "
                          "'{}'. The innermost block that needs to be closed is '{}'.",
                          end_names[0], end_names[0]));
        }
        return body;
      }
      if (t.type == Tok::Data) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::Data;
        s->line = t.line;
        s->col = t.col;
        s->text = t.text;
        body.push_back(std::move(s));
        next();
      } else if (t.type == Tok::VarBegin) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::Print;
        s->line = t.line;
        s->col = t.col;
        next();
        s->expr = parse_tuple(false, true, {}, false);
        expect(Tok::VarEnd, "end of print statement");
        body.push_back(std::move(s));
      } else if (t.type == Tok::BlockBegin) {
        next();
        if (cur().type == Tok::Name) {
          for (auto e : end_names) {
            if (cur().text == e) {
              *end_found = cur().text;
              next();
              return body;
            }
          }
        }
        parse_statement(body, end_names);
      } else {
        error(fmt::format("unexpected '{}'", describe(t)));
      }
    }
  }

  void end_block() { expect(Tok::BlockEnd, "end of statement block"); }

  StmtPtr stmt(StmtKind k, const Token& at) {
    auto s = std::make_unique<Stmt>();
    s->kind = k;
    s->line = at.line;
    s->col = at.col;
    return s;
  }

  void parse_statement(Body& body, const std::vector<std::string_view>& end_names) {
    DepthGuard guard(this, &block_depth_, kMaxBlockNesting);
    const Token& at = cur();
    if (at.type != Tok::Name) error("tag name expected");
    const std::string& kw = at.text;
    if (kw == "if") {
      body.push_back(parse_if());
    } else if (kw == "for") {
      body.push_back(parse_for());
    } else if (kw == "set") {
      body.push_back(parse_set());
    } else if (kw == "macro") {
      body.push_back(parse_macro());
    } else if (kw == "call") {
      body.push_back(parse_call_block());
    } else if (kw == "filter") {
      body.push_back(parse_filter_block());
    } else if (kw == "with") {
      body.push_back(parse_with());
    } else if (kw == "generation") {
      next();
      end_block();
      auto s = stmt(StmtKind::Scope, at);
      std::string end;
      s->body = subparse({"endgeneration"}, &end);
      end_block();
      body.push_back(std::move(s));
    } else if (kw == "break" || kw == "continue") {
      if (loop_depth_ == 0) error(fmt::format("'{}' outside loop", kw));
      next();
      end_block();
      body.push_back(stmt(kw == "break" ? StmtKind::Break : StmtKind::Continue, at));
    } else if (kw == "do") {
      next();
      auto s = stmt(StmtKind::Do, at);
      s->expr = parse_tuple(false, true, {}, false);
      end_block();
      body.push_back(std::move(s));
    } else if (kw == "include" || kw == "import" || kw == "extends" || kw == "from" ||
               kw == "block") {
      fail_at("unsupported",
              fmt::format("'{}' is not supported: chat templates have no loader", kw), at.line,
              at.col);
    } else {
      if (!end_names.empty()) {
        error(
            fmt::format("Encountered unknown tag '{}'. Jinja was looking for the following tags: "
                        "'{}'. The innermost block that needs to be closed is '{}'.",
                        kw, end_names[0], end_names[0]));
      }
      error(fmt::format("Encountered unknown tag '{}'.", kw));
    }
  }

  StmtPtr parse_if() {
    auto s = stmt(StmtKind::If, cur());
    next();
    bool saved_soft = soft_;
    while (true) {
      ExprPtr test = parse_tuple(false, true, {}, false);
      end_block();
      std::string end;
      soft_ = true;
      Body b = subparse({"elif", "else", "endif"}, &end);
      soft_ = saved_soft;
      s->branches.emplace_back(std::move(test), std::move(b));
      if (end == "elif") continue;
      if (end == "else") {
        end_block();
        soft_ = true;
        s->else_body = subparse({"endif"}, &end);
        soft_ = saved_soft;
      }
      end_block();
      return s;
    }
  }

  Target parse_target(bool with_namespace, const std::vector<std::string_view>& extra_end) {
    // jinja2: a name, `name.attr` (set only) or a tuple of names.
    auto one = [&]() {
      Target t;
      if (cur().type != Tok::Name) error(fmt::format("can't assign to '{}'", describe(cur())));
      std::string n = cur().text;
      next();
      if (with_namespace && is_op(".")) {
        next();
        t.kind = Target::Attr;
        t.sym = symbol(n);
        t.attr = expect_name();
        return t;
      }
      if (n == "true" || n == "false" || n == "none" || n == "True" || n == "False" ||
          n == "None") {
        error(fmt::format("can't assign to '{}'", n));
      }
      t.kind = Target::Name;
      t.sym = symbol(n);
      return t;
    };
    bool paren = skip_op("(");
    Target first = one();
    if (!is_op(",") && !paren) return first;
    Target tup;
    tup.kind = Target::Tuple;
    tup.items.push_back(std::move(first));
    while (skip_op(",")) {
      bool end = (paren && is_op(")")) || cur().type == Tok::BlockEnd || is_op("=");
      for (auto e : extra_end) end = end || is_name(e);
      if (end) break;
      tup.items.push_back(one());
    }
    if (paren) expect_op(")");
    if (tup.items.size() == 1 && !paren) return tup;
    return tup;
  }

  StmtPtr parse_for() {
    auto s = stmt(StmtKind::For, cur());
    next();
    s->target = parse_target(false, {"in"});
    if (!skip_name("in")) error(fmt::format("expected token 'in', got '{}'", describe(cur())));
    s->expr = parse_tuple(false, false, {"recursive"}, false);
    if (skip_name("if")) s->cond = parse_expression(true);
    if (skip_name("recursive")) s->recursive = true;
    end_block();
    std::string end;
    bool saved_soft = soft_;
    soft_ = false;
    ++loop_depth_;
    s->body = subparse({"endfor", "else"}, &end);
    --loop_depth_;
    if (end == "else") {
      end_block();
      s->else_body = subparse({"endfor"}, &end);
    }
    soft_ = saved_soft;
    end_block();
    return s;
  }

  StmtPtr parse_set() {
    const Token& at = cur();
    next();
    Target target = parse_target(true, {});
    if (skip_op("=")) {
      auto s = stmt(StmtKind::Set, at);
      s->target = std::move(target);
      s->expr = parse_tuple(false, true, {}, false);
      end_block();
      return s;
    }
    auto s = stmt(StmtKind::SetBlock, at);
    s->target = std::move(target);
    if (is_op("|")) s->expr = parse_filter(nullptr, false);
    end_block();
    std::string end;
    s->body = subparse({"endset"}, &end);
    end_block();
    return s;
  }

  void parse_signature(MacroDef& m) {
    expect_op("(");
    while (!is_op(")")) {
      if (!m.params.empty()) expect_op(",");
      if (is_op(")")) break;
      std::string n = expect_name();
      m.param_names.push_back(n);
      m.params.push_back(symbol(n));
      if (skip_op("=")) {
        m.defaults.push_back(parse_expression(true));
      } else {
        if (!m.defaults.empty() && m.defaults.back()) {
          error("non-default argument follows default argument");
        }
        m.defaults.push_back(nullptr);
      }
    }
    expect_op(")");
  }

  void scan_special_names(MacroDef& m, size_t log_start) {
    int caller = symbol("caller"), varargs = symbol("varargs"), kwargs = symbol("kwargs");
    name_log_.resize(name_log_.size() - 3);
    for (size_t k = log_start; k < name_log_.size(); ++k) {
      if (name_log_[k] == caller) m.uses_caller = true;
      if (name_log_[k] == varargs) m.uses_varargs = true;
      if (name_log_[k] == kwargs) m.uses_kwargs = true;
    }
  }

  StmtPtr parse_macro() {
    auto s = stmt(StmtKind::Macro, cur());
    next();
    s->macro = std::make_shared<MacroDef>();
    MacroDef& m = *s->macro;
    m.name = expect_name();
    s->sym = symbol(m.name);
    parse_signature(m);
    end_block();
    size_t log_start = name_log_.size();
    std::string end;
    bool saved_soft = soft_;
    soft_ = false;
    int saved_loops = loop_depth_;
    loop_depth_ = 0;
    m.body = subparse({"endmacro"}, &end);
    loop_depth_ = saved_loops;
    soft_ = saved_soft;
    end_block();
    scan_special_names(m, log_start);
    return s;
  }

  StmtPtr parse_call_block() {
    auto s = stmt(StmtKind::CallBlock, cur());
    next();
    s->macro = std::make_shared<MacroDef>();
    MacroDef& m = *s->macro;
    m.name = "caller";
    if (is_op("(")) parse_signature(m);
    s->expr = parse_expression(true);
    if (s->expr->kind != ExprKind::Call) error("expected call");
    end_block();
    size_t log_start = name_log_.size();
    std::string end;
    bool saved_soft = soft_;
    soft_ = false;
    int saved_loops = loop_depth_;
    loop_depth_ = 0;
    m.body = subparse({"endcall"}, &end);
    loop_depth_ = saved_loops;
    soft_ = saved_soft;
    end_block();
    scan_special_names(m, log_start);
    return s;
  }

  StmtPtr parse_filter_block() {
    auto s = stmt(StmtKind::FilterBlock, cur());
    next();
    s->expr = parse_filter(nullptr, true);
    end_block();
    std::string end;
    s->body = subparse({"endfilter"}, &end);
    end_block();
    return s;
  }

  StmtPtr parse_with() {
    auto s = stmt(StmtKind::With, cur());
    next();
    while (cur().type != Tok::BlockEnd) {
      if (!s->assigns.empty()) expect_op(",");
      Target t = parse_target(false, {});
      expect_op("=");
      s->assigns.emplace_back(std::move(t), parse_expression(true));
    }
    end_block();
    std::string end;
    s->body = subparse({"endwith"}, &end);
    end_block();
    return s;
  }

  // ---- expressions -----------------------------------------------------------------------

  bool is_tuple_end(const std::vector<std::string_view>& extra) const {
    const Token& t = cur();
    if (t.type == Tok::VarEnd || t.type == Tok::BlockEnd || t.type == Tok::Eof) return true;
    if (t.type == Tok::Op && t.text == ")") return true;
    for (auto e : extra) {
      if (t.type == Tok::Name && t.text == e) return true;
    }
    return false;
  }

  ExprPtr parse_tuple(bool simplified, bool with_condexpr,
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

  // A literal list/tuple of constants becomes one constant value (copied on evaluation only
  // for lists, which are mutable by reference).
  ExprPtr fold_sequence(ExprPtr e) { return e; }

  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(this, &expr_depth_, kMaxExprNesting);
    if (with_condexpr) return parse_condexpr();
    return parse_or();
  }

  ExprPtr parse_condexpr() {
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

  ExprPtr parse_or() {
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

  ExprPtr parse_and() {
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

  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard guard(this, &expr_depth_, kMaxExprNesting);
      auto n = node(ExprKind::Not, cur());
      next();
      n->a = parse_not();
      return n;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const Token& at = cur();
    ExprPtr expr = parse_math1();
    ExprPtr cmp;
    while (true) {
      CmpOp op;
      if (cur().type == Tok::Op &&
          (cur().text == "==" || cur().text == "!=" || cur().text == "<" || cur().text == "<=" ||
           cur().text == ">" || cur().text == ">=")) {
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
    return cmp ? std::move(cmp) : std::move(expr);
  }

  ExprPtr binary(BinOp op, ExprPtr a, ExprPtr b, const Token& at) {
    auto n = node(ExprKind::Binary, at);
    n->op = static_cast<int>(op);
    n->a = std::move(a);
    n->b = std::move(b);
    return n;
  }

  ExprPtr parse_math1() {
    const Token& at = cur();
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      BinOp op = cur().text == "+" ? BinOp::Add : BinOp::Sub;
      next();
      left = binary(op, std::move(left), parse_concat(), at);
    }
    return left;
  }

  ExprPtr parse_concat() {
    const Token& at = cur();
    ExprPtr first = parse_math2();
    if (!is_op("~")) return first;
    auto n = node(ExprKind::Concat, at);
    n->args.push_back(std::move(first));
    while (skip_op("~")) n->args.push_back(parse_math2());
    return n;
  }

  ExprPtr parse_math2() {
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

  ExprPtr parse_pow() {
    const Token& at = cur();
    ExprPtr left = parse_unary(true);
    while (skip_op("**")) left = binary(BinOp::Pow, std::move(left), parse_unary(true), at);
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
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

  ExprPtr constant(Value v, const Token& at) {
    auto n = node(ExprKind::Const, at);
    n->value = std::move(v);
    return n;
  }

  ExprPtr parse_primary() {
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

  ExprPtr parse_list() {
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

  ExprPtr parse_dict() {
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

  ExprPtr parse_postfix(ExprPtr n) {
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

  ExprPtr parse_filter_expr(ExprPtr n) {
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

  ExprPtr parse_subscript(ExprPtr base) {
    const Token& at = cur();
    if (skip_op(".")) {
      if (cur().type == Tok::Name) {
        auto n = node(ExprKind::Getattr, at);
        n->a = std::move(base);
        n->name = cur().text;
        // op != 0: the name is a dict method (or refused mutator), so lookup needs the full rules.
        Value probe = Value::dict();
        n->op = (is_method(probe, n->name) || is_unsafe_method(probe, n->name)) ? 1 : 0;
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
    return n;
  }

  // Returns an expression, or a Slice node whose parts are b (start), c (stop), d (step).
  ExprPtr parse_subscribed() {
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

  void parse_call_args(Expr& n) {
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

  ExprPtr parse_call(ExprPtr callee) {
    auto n = node(ExprKind::Call, cur());
    n->a = std::move(callee);
    parse_call_args(*n);
    return n;
  }

  ExprPtr parse_filter(ExprPtr base, bool start_inline) {
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

  ExprPtr parse_test(ExprPtr base) {
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
};

}  // namespace

ParsedTemplate parse(std::vector<Token> tokens) {
  return Parser(std::move(tokens)).run();
}

}  // namespace bakeoff::jinja
