// The parser's shared state and token helpers; statements are parsed in parser.cpp,
// expressions in parse_expr.cpp (both following jinja2's grammar and precedence).
#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/parser.h"

namespace bakeoff::jinja {

// A name, or constant-key fields of one (`d`, `tool.function`, `m['x']`): evaluating it has no
// effects and gives the same value every time.
inline bool plain_path(const Expr& e) {
  if (e.kind == ExprKind::Name) return true;
  if (e.kind == ExprKind::Getattr) return plain_path(*e.a);
  if (e.kind == ExprKind::Getitem) return e.b->kind == ExprKind::Const && plain_path(*e.a);
  return false;
}

// Python jinja2 stops near these depths too (RecursionError / IndentationError); real templates
// stay far below. Both bound the C++ stack used by the parser and the evaluator.
inline constexpr int kMaxExprNesting = 90;
inline constexpr int kMaxBlockNesting = 90;

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
  // For statements enclosing the current one, macro bodies included: inside one, jinja2 refuses
  // any assignment to `loop` (check_loop_store).
  int for_nesting_ = 0;
  void check_loop_store(const Target& t, const Token& at) const;

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

  // ---- statements (parser.cpp) ----
  Body subparse(const std::vector<std::string_view>& end_names, std::string* end_found);
  void end_block() { expect(Tok::BlockEnd, "end of statement block"); }
  StmtPtr stmt(StmtKind k, const Token& at);
  void parse_statement(Body& body, const std::vector<std::string_view>& end_names);
  StmtPtr parse_if();
  void mark_switch(Stmt& s);
  Target parse_target(bool with_namespace, const std::vector<std::string_view>& extra_end);
  StmtPtr parse_for();
  StmtPtr parse_set();
  void parse_signature(MacroDef& m);
  void scan_special_names(MacroDef& m, size_t log_start);
  void parse_macro_body(MacroDef& m, const char* end_tag);
  StmtPtr parse_macro();
  StmtPtr parse_call_block();
  StmtPtr parse_filter_block();
  StmtPtr parse_with();

  // ---- expressions (parse_expr.cpp) ----
  bool is_tuple_end(const std::vector<std::string_view>& extra) const;
  ExprPtr parse_tuple(bool simplified, bool with_condexpr,
                      const std::vector<std::string_view>& extra, bool explicit_parens);
  // A literal list/tuple of constants becomes one constant value (copied on evaluation only
  // for lists, which are mutable by reference).
  ExprPtr fold_sequence(ExprPtr e) { return e; }
  ExprPtr parse_expression(bool with_condexpr);
  ExprPtr parse_condexpr();
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr binary(BinOp op, ExprPtr a, ExprPtr b, const Token& at);
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  void merge_literals(Expr& sum);
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr constant(Value v, const Token& at);
  ExprPtr parse_primary();
  ExprPtr parse_list();
  ExprPtr parse_dict();
  ExprPtr parse_postfix(ExprPtr n);
  ExprPtr parse_filter_expr(ExprPtr n);
  ExprPtr parse_subscript(ExprPtr base);
  // Returns an expression, or a Slice node whose parts are b (start), c (stop), d (step).
  ExprPtr parse_subscribed();
  void parse_call_args(Expr& n);
  ExprPtr parse_call(ExprPtr callee);
  ExprPtr parse_filter(ExprPtr base, bool start_inline);
  ExprPtr parse_test(ExprPtr base);
};

}  // namespace bakeoff::jinja
