// tfhub::Result<T> — a value or a non-OK Status (C++20 has no std::expected).
//
// Errors: check ok() before value(), operator* or operator->; using the value
// of an error Result is a bug (an assert in debug builds, undefined behaviour
// with NDEBUG). status() is OK exactly when ok() is true.
//
// Ownership: a Result owns its T; references and pointers obtained from it
// are valid while the Result lives and is not moved from.
// `std::move(result).value()` moves the value out.
//
// Thread safety: a value type, like T.
#pragma once

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>

#include "tfhub/status.h"

namespace tfhub {

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit from a value or from an error Status (which must not be OK).
  Result(T value) : value_(std::move(value)) {}  // NOLINT
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "Result constructed from an OK Status");
    if (status_.ok()) status_ = InternalError("Result built from OK status without value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace tfhub

#define TFHUB_CONCAT_INNER_(a, b) a##b
#define TFHUB_CONCAT_(a, b) TFHUB_CONCAT_INNER_(a, b)

// TFHUB_ASSIGN_OR_RETURN(auto x, Foo()); — binds the value or returns the error.
#define TFHUB_ASSIGN_OR_RETURN(lhs, expr) \
  TFHUB_ASSIGN_OR_RETURN_IMPL_(TFHUB_CONCAT_(_tfhub_result_, __LINE__), lhs, expr)
#define TFHUB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
