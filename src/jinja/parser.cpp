// Statement parsing (the block structure of a template) and the parse() entry point.
#include <algorithm>

#include <fmt/format.h>

#include "jinja/parser_impl.h"

namespace bakeoff::jinja {

namespace {
// A name, or constant-key fields of one (`d`, `tool.function`, `m['x']`): evaluating it has no
// effects and gives the same value every time.
bool plain_path(const Expr& e) {
  if (e.kind == ExprKind::Name) return true;
  if (e.kind == ExprKind::Getattr) return plain_path(*e.a);
  if (e.kind == ExprKind::Getitem) return e.b->kind == ExprKind::Const && plain_path(*e.a);
  return false;
}
}  // namespace

Body Parser::subparse(const std::vector<std::string_view>& end_names, std::string* end_found) {
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

StmtPtr Parser::stmt(StmtKind k, const Token& at) {
  auto s = std::make_unique<Stmt>();
  s->kind = k;
  s->line = at.line;
  s->col = at.col;
  return s;
}

void Parser::parse_statement(Body& body, const std::vector<std::string_view>& end_names) {
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
    fail_at("unsupported", fmt::format("'{}' is not supported: chat templates have no loader", kw),
            at.line, at.col);
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

StmtPtr Parser::parse_if() {
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
    // `{% else %}{% if b %}…{% else %}…{% endif %}` with nothing else in the else part is an
    // elif: one chain (if-blocks make no scope, and a test's errors name its own line).
    if (s->else_body.size() == 1 && s->else_body[0]->kind == StmtKind::If) {
      StmtPtr inner = std::move(s->else_body[0]);
      for (auto& branch : inner->branches) s->branches.push_back(std::move(branch));
      s->else_body = std::move(inner->else_body);
    }
    mark_switch(*s);
    return s;
  }
}

void Parser::mark_switch(Stmt& s) {
  // `if m['role'] == 'user' … elif m['role'] == 'assistant' …`: every test compares the same
  // field with a string literal (alone, or as the left side of an `and`), so the field is read
  // once (Interpreter::exec_if).
  const Expr* field = nullptr;
  for (const auto& [test, body] : s.branches) {
    const Expr* compare = switch_compare(*test);
    const Expr* f = compare->field;
    if (f == nullptr || compare->ops[0] != CmpOp::Eq) return;
    if (field != nullptr && (f->a->sym != field->a->sym || *f->key != *field->key)) return;
    field = f;
  }
  s.switch_field = field;
  for (const auto& [test, body] : s.branches) {
    s.switch_cases.push_back(Stmt::SwitchCase{*switch_compare(*test)->text,
                                              test->kind == ExprKind::And ? test->b.get() : nullptr,
                                              &body});
  }
}

Target Parser::parse_target(bool with_namespace, const std::vector<std::string_view>& extra_end) {
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
    if (n == "true" || n == "false" || n == "none" || n == "True" || n == "False" || n == "None") {
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

void Parser::check_loop_store(const Target& t, const Token& at) const {
  // jinja2's compiler fails a for statement in which any name stored to (its own target, a set
  // in its body or else part, a macro's sets inside it) is `loop`; `with` and macro parameters
  // do not count.
  if (for_nesting_ == 0) return;
  if (t.kind == Target::Tuple) {
    for (const Target& item : t.items) check_loop_store(item, at);
    return;
  }
  if (t.kind == Target::Name && symbols_[static_cast<size_t>(t.sym)] == "loop") {
    fail_at("syntax", "Can't assign to special loop variable in for-loop target", at.line, at.col);
  }
}

StmtPtr Parser::parse_for() {
  auto s = stmt(StmtKind::For, cur());
  next();
  ++for_nesting_;
  const Token& target_at = cur();
  s->target = parse_target(false, {"in"});
  check_loop_store(s->target, target_at);
  if (!skip_name("in")) error(fmt::format("expected token 'in', got '{}'", describe(cur())));
  s->expr = parse_tuple(false, false, {"recursive"}, false);
  if (skip_name("if")) s->cond = parse_expression(true);
  if (skip_name("recursive")) s->recursive = true;
  end_block();
  std::string end;
  bool saved_soft = soft_;
  soft_ = false;
  ++loop_depth_;
  const size_t mentions = loop_mentions_;
  s->body = subparse({"endfor", "else"}, &end);
  s->uses_loop = loop_mentions_ != mentions || s->recursive;
  --loop_depth_;
  if (s->target.kind == Target::Name && !s->cond) {
    for (const auto& st : s->body) {
      if (st->kind == StmtKind::Data) continue;  // reads nothing
      if (st->kind != StmtKind::Set || st->target.kind != Target::Name) break;
      const Expr& value = *st->expr;
      const bool item_field = value.key != nullptr && value.a->sym == s->target.sym;
      const int name = st->target.sym;
      if ((!item_field && value.kind != ExprKind::Const) || name == s->target.sym ||
          std::find(s->leading_sets.begin(), s->leading_sets.end(), name) !=
              s->leading_sets.end()) {
        break;
      }
      s->leading_sets.push_back(name);
    }
  }
  // `for k, v in d|items`, `for k, v in d.items()`: the loop may read d's items in place.
  // Only when `d` is a plain path (a name and constant-key fields), which the loop evaluates
  // first to look for context data and, when it is not, again as part of the iterable.
  const Expr& it = *s->expr;
  if (it.kind == ExprKind::Filter && it.name == "items" && it.a && it.args.empty() &&
      it.kwargs.empty() && !it.dyn_args && !it.dyn_kwargs && plain_path(*it.a)) {
    s->items_of = it.a.get();
  } else if (it.kind == ExprKind::Call && it.a->kind == ExprKind::Getattr &&
             it.a->name == "items" && it.args.empty() && it.kwargs.empty() && !it.dyn_args &&
             !it.dyn_kwargs && plain_path(*it.a->a)) {
    s->items_of = it.a->a.get();
  }
  if (end == "else") {
    end_block();
    s->else_body = subparse({"endfor"}, &end);
  }
  --for_nesting_;
  soft_ = saved_soft;
  end_block();
  return s;
}

StmtPtr Parser::parse_set() {
  const Token& at = cur();
  next();
  const Token& target_at = cur();
  Target target = parse_target(true, {});
  check_loop_store(target, target_at);
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
  // `{% set instructions %}…only text…{% endset %}` is `{% set instructions = '…' %}`: a
  // string literal, read in place, instead of a body rendered into a new string each time.
  if (!s->expr && std::all_of(s->body.begin(), s->body.end(),
                              [](const StmtPtr& b) { return b->kind == StmtKind::Data; })) {
    std::string text;
    for (const auto& b : s->body) text += b->text;
    auto set = stmt(StmtKind::Set, at);
    set->target = std::move(s->target);
    set->expr = constant(Value::string(std::move(text)), at);
    return set;
  }
  return s;
}

void Parser::parse_signature(MacroDef& m) {
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

void Parser::scan_special_names(MacroDef& m, size_t log_start) {
  int caller = symbol("caller"), varargs = symbol("varargs"), kwargs = symbol("kwargs");
  name_log_.resize(name_log_.size() - 3);
  for (size_t k = log_start; k < name_log_.size(); ++k) {
    if (name_log_[k] == caller) m.uses_caller = true;
    if (name_log_[k] == varargs) m.uses_varargs = true;
    if (name_log_[k] == kwargs) m.uses_kwargs = true;
  }
}

// The body of a macro or a call block up to `end_tag`: its own scope for `break`/`continue` and
// for soft block ends, then the special names (varargs, kwargs, caller) it uses.
void Parser::parse_macro_body(MacroDef& m, const char* end_tag) {
  size_t log_start = name_log_.size();
  std::string end;
  bool saved_soft = soft_;
  soft_ = false;
  int saved_loops = loop_depth_;
  loop_depth_ = 0;
  m.body = subparse({end_tag}, &end);
  loop_depth_ = saved_loops;
  soft_ = saved_soft;
  end_block();
  scan_special_names(m, log_start);
}

StmtPtr Parser::parse_macro() {
  auto s = stmt(StmtKind::Macro, cur());
  next();
  s->macro = std::make_shared<MacroDef>();
  MacroDef& m = *s->macro;
  m.name = expect_name();
  s->sym = symbol(m.name);
  parse_signature(m);
  end_block();
  parse_macro_body(m, "endmacro");
  return s;
}

StmtPtr Parser::parse_call_block() {
  auto s = stmt(StmtKind::CallBlock, cur());
  next();
  s->macro = std::make_shared<MacroDef>();
  MacroDef& m = *s->macro;
  m.name = "caller";
  if (is_op("(")) parse_signature(m);
  s->expr = parse_expression(true);
  if (s->expr->kind != ExprKind::Call) error("expected call");
  end_block();
  parse_macro_body(m, "endcall");
  return s;
}

StmtPtr Parser::parse_filter_block() {
  auto s = stmt(StmtKind::FilterBlock, cur());
  next();
  s->expr = parse_filter(nullptr, true);
  end_block();
  std::string end;
  s->body = subparse({"endfilter"}, &end);
  end_block();
  return s;
}

StmtPtr Parser::parse_with() {
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

ParsedTemplate parse(std::vector<Token> tokens) {
  return Parser(std::move(tokens)).run();
}

}  // namespace bakeoff::jinja
