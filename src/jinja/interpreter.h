// Tree-walking renderer. One Interpreter per render: it owns the variable slots, the output
// buffer and the limits' state (fuel, depth, clock), so compiled templates stay immutable and
// can render concurrently.
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jinja/ast.h"
#include "jinja/builtins.h"
#include "jinja/jinja.h"
#include "jinja/parser.h"

namespace bakeoff::jinja {

struct Template::Impl {
  std::string source;  // as given (for error lines)
  Options options;
  ParsedTemplate parsed;
  std::vector<Value> initial_slots;  // per symbol: its global, or an undefined naming it
  // name -> slot, for binding the context's keys at the start of every render: open
  // addressing over a power-of-two table (-1: empty), cheaper than a std::unordered_map probe.
  std::vector<int> symbol_table;
  int find_symbol(std::string_view name) const;
  void index_symbols();
  int loop_sym = -1;
  int caller_sym = -1;
  int varargs_sym = -1;
  int kwargs_sym = -1;
  // The size of the last output, to reserve the next one at once (chat renders of one template
  // are alike; growing a multi-kilobyte prompt by doubling copies it several times).
  mutable std::atomic<size_t> output_size_hint{0};
};

enum class Flow : uint8_t { Normal, Break, Continue };

// The variables of nested scopes and macro frames, innermost last, with the innermost entry
// of every symbol indexed (shallow binding): finding a variable is one load, not a scan of
// the stack. Every push and pop goes through here so that the index stays exact.
class LocalStack {
 public:
  struct Entry {
    int sym;
    int shadowed;  // the symbol's innermost entry before this one (-1: none)
    Value value;   // written through set() and set_json() only (they keep `members` exact)
    // When the value is a dict of context data bound by set_json (a loop's item, a field):
    // that dict's members, so that a field read skips the value and the Json it points to
    // (Interpreter::field_in_place). Dicts are immutable under the sandbox, so the members
    // stay what the value reads even once the value has made its object form.
    const Json::object_t* members = nullptr;
    void set(const Value& v) {
      value = v;
      members = nullptr;
    }
    void set_json(const Json& j) {
      assign_from_json(value, j);
      members = j.get_ptr<const Json::object_t*>();
    }
  };
  // Empty, for a template of `symbols` symbols.
  void reset(size_t symbols) {
    entries_.clear();
    innermost_.assign(symbols, -1);
  }
  void release_memory(size_t keep) {
    entries_.clear();
    if (entries_.capacity() > keep) std::vector<Entry>().swap(entries_);
  }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // The index of `sym`'s innermost entry, or -1.
  int innermost(int sym) const { return innermost_[static_cast<size_t>(sym)]; }
  Entry& operator[](size_t k) { return entries_[k]; }
  const Entry& operator[](size_t k) const { return entries_[k]; }
  void push(int sym, Value value) {
    int& top = innermost_[static_cast<size_t>(sym)];
    entries_.push_back(Entry{sym, top, std::move(value), nullptr});
    top = static_cast<int>(entries_.size() - 1);
  }
  // Drops the entries from `n` on, uncovering what they shadowed.
  void truncate(size_t n) {
    while (entries_.size() > n) {
      const Entry& e = entries_.back();
      innermost_[static_cast<size_t>(e.sym)] = e.shadowed;
      entries_.pop_back();
    }
  }

 private:
  std::vector<Entry> entries_;
  std::vector<int> innermost_;  // per symbol
};

// The containers a render works in, kept per thread between renders so that a render allocates
// no variable slots, scope stack or argument lists once its thread has rendered before.
struct RenderScratch {
  std::vector<Value> slots;
  LocalStack locals;
  std::vector<std::unique_ptr<CallArgs>> args_pool;
  bool in_use = false;
};

class Interpreter {
 public:
  Interpreter(const Template::Impl& tpl, const Json& context);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;
  std::string run();

  // Where a macro whose result is printed writes its output: straight into the printing
  // buffer instead of a temporary string. `used` says the macro took it (nothing to print).
  struct Sink {
    std::string* out = nullptr;
    bool used = false;
  };
  Value call_value(const Value& callee, CallArgs& args, Sink* sink = nullptr);
  const Options& options() const { return tpl_.options; }
  // Spends one unit of fuel (a loop iteration, a call); checks the limit and the clock every
  // 1024 units (and exactly at the limit).
  void spend(size_t units = 1) {
    fuel_ += units;
    if (fuel_ >= next_check_) check_fuel();
  }

 private:
  const Template::Impl& tpl_;
  std::unique_ptr<RenderScratch> own_scratch_;  // when this thread's is taken (never, in practice)
  RenderScratch& scratch_;
  // The root frame (one slot per symbol) and the nested scopes, innermost last: held here, not
  // through a reference to the scratch (whose storage they take for the render and give back),
  // because every variable lookup starts with them and a reference is one more dependent load.
  std::vector<Value> slots_;
  LocalStack locals_;
  size_t frame_base_ = 0;  // first local of the current macro frame
  size_t scope_base_ = 0;  // first local of the current scope
  const std::vector<std::pair<int, Value>>* closure_ = nullptr;
  std::string* out_ = nullptr;
  size_t depth_ = 0;
  size_t eval_depth_ = 0;
  static constexpr size_t kMaxEvalDepth = 1000;
  size_t fuel_ = 0;
  size_t next_check_ = 0;  // the fuel at which check_fuel() runs next
  void check_fuel();
  std::chrono::steady_clock::time_point deadline_;
  bool clock_started_ = false;

  Value lookup(int sym) const { return lookup_ref(sym); }
  // The variable itself, not a copy: valid until the next statement or call changes the scopes.
  const Value& lookup_ref(int sym) const {
    // The innermost entry is the current frame's when it lies at or above the frame's base.
    if (const int k = locals_.innermost(sym); k >= static_cast<int>(frame_base_)) {
      return locals_[static_cast<size_t>(k)].value;
    }
    return lookup_outside_frame(sym);
  }
  // Not a local of the current frame: the macro's closure, else the root frame.
  const Value& lookup_outside_frame(int sym) const;
  void assign(const Target& t, const Value& v);
  void bind_local(int sym, const Value& v);

  Flow exec_body(const Body& body);
  Flow exec(const Stmt& s);
  [[gnu::noinline]] Flow exec_statement(const Stmt& s);
  Flow exec_if(const Stmt& s);
  bool test_truth(const Expr& test);  // truth(test), its errors at the test's line
  // assign(name, from_json(j)) without a temporary.
  void bind_json(int sym, const Json& j);
  // A block scope (a loop body, a with block), from construction to destruction (an error
  // included): the locals its sets bind end with it.
  class BlockScope {
   public:
    explicit BlockScope(Interpreter& in);
    ~BlockScope();
    BlockScope(const BlockScope&) = delete;
    BlockScope& operator=(const BlockScope&) = delete;
    size_t start() const { return start_; }  // the scope's first local

   private:
    Interpreter& in_;
    size_t start_;
    size_t saved_scope_;
    const std::vector<std::pair<int, Value>>* saved_closure_;
  };
  void exec_for(const Stmt& s, const Value& iterable, int depth0);
  // A loop whose body does not mention `loop`, over context data read in place: an array (or
  // a slice of one) or a dict's keys. False when the iterable or the target is of another kind
  // (then exec_for).
  bool loop_in_place(const Stmt& s, const Value& iterable);
  // `for k, v in d|items` / `d.items()` / `d|dictsort` over a dict of context data, `loop` or
  // not: the pairs are bound in place (no tuples). False when `dict` or the target is of
  // another kind.
  bool loop_over_items(const Stmt& s, const Value& dict);
  // Runs loop `s` (one name, no loop object) over `count` items; bind(k, entry) sets the
  // name's entry to item k.
  template <typename Bind>
  void run_loop(const Stmt& s, size_t count, Bind bind);
  void exec_macro_def(const Stmt& s);
  void exec_call_block(const Stmt& s);
  // A macro (or a call block's caller) of `def`, closing over the locals visible here.
  Value make_macro(const std::shared_ptr<MacroDef>& def, std::string name) const;

  void print(const Expr& e);
  void print_sum(const Expr& e);
  Value eval(const Expr& e);  // the common cheap cases, else eval_guarded
  // truthy(eval(e)), as `if` reads a test: conditions on context data (`message['role'] ==
  // 'user'`, `not m.content`, their and/or) are decided in place, without making values.
  bool truth(const Expr& e);
  // `name.key` / `name['key']` (a constant key, plain lookup rules) when `name` is a dict still
  // reading context data: true, with the datum or null when the key is missing. False when the
  // full rules apply.
  bool field_in_place(const Expr& e, const Json** out);
  // field_in_place when the variable is not a local of the current frame, or the key is long.
  [[gnu::noinline]] bool field_in_place_slow(const Expr& e, const Json** out);
  // A one-operator ==/!= between such a field and a string literal, decided in place: 1 or 0;
  // -1 when the full comparison is needed.
  int compare_in_place(const Expr& e) {
    // A missing key is undefined, which equals no string; a datum that is not a string takes
    // the full path.
    const Json* j = nullptr;
    if (e.field == nullptr || !field_in_place(*e.field, &j)) return -1;
    const bool eq = e.ops[0] == CmpOp::Eq;
    if (j == nullptr) return eq ? 0 : 1;
    const auto* text = j->get_ptr<const std::string*>();
    if (text == nullptr) return -1;  // not a string
    return same_text(*text, *e.text) == eq ? 1 : 0;
  }
  // The text of a plain (not Markup) string that `e` reads without computing anything: a
  // literal, a variable, a field of context data. Null otherwise (then evaluate it).
  // string_in_place, and `x|trim` of such a string (most templates trim message contents):
  // true with the text, which lives as long as the string it is read from.
  bool text_in_place(const Expr& e, std::string_view* out) {
    if (const std::string* s = string_in_place(e)) {
      *out = *s;
      return true;
    }
    return e.kind == ExprKind::Filter && trimmed_in_place(e, out);
  }
  bool trimmed_in_place(const Expr& e, std::string_view* out);
  const std::string* string_in_place(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Const:
        return e.text;
      case ExprKind::Name: {
        const Value& v = lookup_ref(e.sym);
        return v.kind == Kind::String && !v.safe ? &v.str() : nullptr;
      }
      case ExprKind::Getattr:
      case ExprKind::Getitem: {
        const Json* j = nullptr;
        if (field_in_place(e, &j) && j != nullptr) return j->get_ptr<const std::string*>();
        return nullptr;
      }
      default:
        return nullptr;
    }
  }
  [[gnu::noinline]] Value eval_guarded(const Expr& e);
  Value eval_inner(const Expr& e);
  Value eval_sum(const Expr& e);  // a `+` chain (Expr::sum_parts)
  // `x.split('sep')[0]` / `[-1]` (Expr::split_piece) when x is a plain string: the text before
  // the first separator or after the last, without the list of pieces. False otherwise (the
  // general path then evaluates x again, which a plain path allows).
  bool split_piece(const Expr& e, Value* out);
  Value eval_call(const Expr& e, const Value* extra_caller, Sink* sink = nullptr);
  void eval_args(const Expr& e, CallArgs& args);
  Value eval_filter(const Expr& e, const Value* input);
  Value call_macro(const CallableObj& m, CallArgs& args, Sink* sink);
  // Argument lists are reused across the calls of one render (a call allocates none once the
  // render has reached its deepest nesting); the lease gives one back when the call ends.
  std::vector<std::unique_ptr<CallArgs>>& args_pool_;
  size_t args_in_use_ = 0;
  class ArgsLease {
   public:
    explicit ArgsLease(Interpreter& in);
    ~ArgsLease();
    ArgsLease(const ArgsLease&) = delete;
    ArgsLease& operator=(const ArgsLease&) = delete;
    CallArgs& args;

   private:
    Interpreter& in_;
  };
  Value loop_attr(const Value& loop, const std::string& name);
  Value call_loop_method(const Value& loop, const std::string& name, CallArgs& args);
  std::string render_body_to_string(const Body& body);
  void check_output();
};

}  // namespace bakeoff::jinja
