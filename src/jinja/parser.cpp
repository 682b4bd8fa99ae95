// Statement parsing (the block structure of a template) and the parse() entry point.
#include <algorithm>

#include <fmt/format.h>

#include "jinja/parser_impl.h"

namespace bakeoff::jinja {

namespace {

// Whether a for loop's body first reads `loop` or first binds it as a name of its own (a with
// target, a macro's or a call block's parameter), in the order jinja2's compiler visits the
// body (find_undeclared). jinja2 gives the loop its loop object only in the first case;
// otherwise `loop` in the body is whatever it is outside.
enum class LoopUse : uint8_t { None, Read, Bound };

class LoopUseFinder {
 public:
  explicit LoopUseFinder(int loop_sym) : sym_(loop_sym) {}

  LoopUse body(const Body& b) const {
    for (const auto& s : b) {
      if (const LoopUse u = stmt(*s); u != LoopUse::None) return u;
    }
    return LoopUse::None;
  }

 private:
  int sym_;

  LoopUse expr(const Expr* e) const {
    if (e == nullptr) return LoopUse::None;
    if (e->kind == ExprKind::Name) return e->sym == sym_ ? LoopUse::Read : LoopUse::None;
    for (const Expr* child : {e->a.get(), e->b.get(), e->c.get(), e->d.get()}) {
      if (expr(child) == LoopUse::Read) return LoopUse::Read;
    }
    for (const auto& arg : e->args) {
      if (expr(arg.get()) == LoopUse::Read) return LoopUse::Read;
    }
    for (const auto& kw : e->kwargs) {
      if (expr(kw.second.get()) == LoopUse::Read) return LoopUse::Read;
    }
    if (expr(e->dyn_args.get()) == LoopUse::Read || expr(e->dyn_kwargs.get()) == LoopUse::Read) {
      return LoopUse::Read;
    }
    return LoopUse::None;
  }
  // Whether an assignment target (a name, or a tuple of them) binds `loop`.
  bool binds(const Target& t) const {
    if (t.kind == Target::Tuple) {
      return std::any_of(t.items.begin(), t.items.end(), [&](const Target& i) { return binds(i); });
    }
    return t.kind == Target::Name && t.sym == sym_;
  }
  // A macro's or call block's parameters (all of them, then their defaults), then its body.
  LoopUse signature_and_body(const MacroDef& m) const {
    if (std::find(m.params.begin(), m.params.end(), sym_) != m.params.end()) {
      return LoopUse::Bound;
    }
    for (const auto& d : m.defaults) {
      if (expr(d.get()) == LoopUse::Read) return LoopUse::Read;
    }
    return body(m.body);
  }
  // Each statement's parts in the order of jinja2's node fields.
  LoopUse stmt(const Stmt& s) const {
    LoopUse u = LoopUse::None;
    switch (s.kind) {
      case StmtKind::If:
        for (const auto& [test, b] : s.branches) {
          if ((u = expr(test.get())) != LoopUse::None || (u = body(b)) != LoopUse::None) return u;
        }
        return body(s.else_body);
      case StmtKind::For:  // target (never `loop`: refused), iter, body, else, test
        if ((u = expr(s.expr.get())) != LoopUse::None || (u = body(s.body)) != LoopUse::None ||
            (u = body(s.else_body)) != LoopUse::None) {
          return u;
        }
        return expr(s.cond.get());
      case StmtKind::SetBlock:  // body, then filter
      case StmtKind::FilterBlock:
        if ((u = body(s.body)) != LoopUse::None) return u;
        return expr(s.expr.get());
      case StmtKind::Macro:
        return signature_and_body(*s.macro);
      case StmtKind::CallBlock:  // the call, then the caller's signature and body
        if ((u = expr(s.expr.get())) != LoopUse::None) return u;
        return signature_and_body(*s.macro);
      case StmtKind::With:  // targets, values, body
        for (const auto& [target, value] : s.assigns) {
          if (binds(target)) return LoopUse::Bound;
        }
        for (const auto& [target, value] : s.assigns) {
          if (expr(value.get()) == LoopUse::Read) return LoopUse::Read;
        }
        return body(s.body);
      case StmtKind::Scope:
        return body(s.body);
      default:  // Print, Set, Do: one expression (a set's target is never `loop`: refused)
        return expr(s.expr.get());
    }
  }
};
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
  s->body = subparse({"endfor", "else"}, &end);
  const auto loop_id = sym_ids_.find("loop");
  s->uses_loop = s->recursive || (loop_id != sym_ids_.end() &&
                                  LoopUseFinder(loop_id->second).body(s->body) == LoopUse::Read);
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
  // `for k, v in d|items`, `for k, v in d.items()`, `for k, v in d|dictsort`: the loop may
  // read d's pairs in place. Only when `d` is a plain path (a name and constant-key fields),
  // which the loop evaluates first to look for context data and, when it is not, again as part
  // of the iterable.
  const Expr& it = *s->expr;
  if (it.kind == ExprKind::Filter && (it.name == "items" || it.name == "dictsort") && it.a &&
      it.no_arguments() && plain_path(*it.a)) {
    s->items_of = it.a.get();
    s->items_sorted = it.name == "dictsort";
  } else if (it.kind == ExprKind::Call && it.a->kind == ExprKind::Getattr &&
             it.a->name == "items" && it.no_arguments() && plain_path(*it.a->a)) {
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
