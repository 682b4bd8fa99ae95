// A small result type for library boundaries: a value or an error, never both. (g++ 12 has no
// std::expected.) Inside a library, exceptions are fine as long as they cannot escape.
#pragma once
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace bakeoff {

// The error of most boundaries: a machine-readable kind and a message for people.
struct Error {
  std::string kind;     // e.g. "syntax", "not_found", "connection_refused"
  std::string message;  // one or more lines, says what and where
};

template <class T, class E = Error>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return checked(); }
  const T& operator*() const& { return value(); }

  const E& error() const {
    if (ok()) throw std::logic_error("Result::error() on a value");
    return std::get<1>(v_);
  }

 private:
  T& checked() {
    if (!ok()) throw std::logic_error("Result::value() on an error");
    return std::get<0>(v_);
  }
  std::variant<T, E> v_;
};

}  // namespace bakeoff
