// Typed results shared by every layer: an operation either yields a value or an Error whose kind
// the filesystem maps to exactly one errno (fs/errno_map.cc). Messages are safe to log: they never
// contain credentials, signatures or tokens.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace snapfs {

enum class ErrorKind {
  NotFound,         // the object does not exist (ENOENT)
  AlreadyExists,    // the name is taken (EEXIST)
  InvalidArgument,  // the provider refuses the value or name (EINVAL)
  NameTooLong,      // name longer than the provider allows (ENAMETOOLONG)
  QuotaExceeded,    // snapshot quota or capacity reached (EDQUOT)
  AccessDenied,     // credentials rejected or lacking the right (EACCES)
  Busy,             // object busy, held or in a transient state (EBUSY)
  NotDeletable,     // the provider never lets users delete this object (EPERM)
  NotSupported,     // the API has no such operation (ENOTSUP)
  RateLimited,      // still throttled once retries ran out (EIO)
  Timeout,          // the deadline passed before an answer (ETIMEDOUT)
  Unavailable,      // connection failure or 5xx (EIO)
  BadResponse,      // malformed or unexpected body (EIO)
  Cancelled,        // the caller gave up, e.g. the FUSE request was interrupted (EINTR)
  Internal,         // a bug or an impossible state (EIO)
};

const char* error_kind_name(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::Internal;
  std::string message;  // human text, safe for logs and xattrs
  int http_status = 0;  // 0 when no HTTP answer was received
  // True when a request may or may not have been applied by the server (timeout or dropped
  // connection after the request was sent). A create with an unknown outcome must be verified
  // before anything is re-sent.
  bool outcome_unknown = false;

  // Whether a failed create may still have made its snapshot: no answer, or an answer that could
  // not be read (truncated or malformed after the server applied the request).
  bool may_have_applied() const { return outcome_unknown || kind == ErrorKind::BadResponse; }

  Error() = default;
  Error(ErrorKind k, std::string msg, int status = 0)
      : kind(k), message(std::move(msg)), http_status(status) {}
};

// A value or an Error. Kept deliberately small (std::expected is C++23).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation with no value.
class Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  static Status Ok() { return {}; }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace snapfs
