// tfhub::Status — the error type of every tfhub call.
//
// A Status is either OK or carries a code from a small closed set plus a
// human-readable message. tfhub never throws; every fallible call returns a
// Status or a Result<T> (see result.h). Messages are complete sentences meant
// for end users: they name the handle, URL or path involved.
//
// Ownership: Status owns its message; message() is valid while the Status
// lives. StatusCodeName() returns a view of static storage.
//
// Thread safety: Status is a value type; distinct objects may be used from
// different threads freely, and one object may be read concurrently.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace tfhub {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad handle, option or archive content
  kNotFound,            // missing path, HTTP 404/410
  kAlreadyExists,       // target of an exclusive create exists
  kPermissionDenied,    // EACCES/EPERM/EROFS, HTTP 401/403
  kFailedPrecondition,  // e.g. a lock path that is a directory, TLS failure
  kOutOfRange,          // short read at end of file
  kUnavailable,         // transient network/server failure (retryable)
  kDeadlineExceeded,    // timeouts
  kDataLoss,            // corrupt or truncated data
  kAborted,             // cancelled, or retries exhausted
  kUnimplemented,       // feature or scheme not supported (yet)
  kResourceExhausted,   // disk full, limits hit
  kInternal,            // bugs and unexpected library failures
};

// Returns a stable, lower_snake_case name for `code` ("not_found", ...).
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<prefix>: <message>", code unchanged.
  Status WithPrefix(std::string_view prefix) const;

  // "OK" or "<code name>: <message>".
  std::string ToString() const;

  // Marks a deliberately ignored status.
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status PermissionDeniedError(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status OutOfRangeError(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DeadlineExceededError(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status AbortedError(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
inline Status UnimplementedError(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
inline Status ResourceExhaustedError(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

}  // namespace tfhub

// Evaluates `expr` (a Status); returns it from the enclosing function if not OK.
#define TFHUB_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    ::tfhub::Status _tfhub_status = (expr);         \
    if (!_tfhub_status.ok()) return _tfhub_status;  \
  } while (0)
