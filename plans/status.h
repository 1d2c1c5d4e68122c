// Status and Result<T>: errors as values. Nothing in orchestrate throws across a module seam; every
// fallible call returns one of these. A Status is cheap when OK (no allocation).
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <variant>

namespace orchestrate {

// The codes a caller acts on. The CLI maps them to exit codes (see ExitCodeFor in orchestrator/).
enum class Code {
  kOk,
  kNothingToDo,  // the requested state is already reached (exit 1)
  kDeclined,     // the user said no at a confirmation prompt (exit 1)
  kInvalid,      // bad input: manifest, SQL file, URL, unknown version (exit 2)
  kFailed,       // an operation failed: SQL error, I/O error, deployer error (exit 2)
  kNeedsHuman,   // locked, dirty, drift, in doubt, a different unfinished run (exit 3)
  kUsage,        // wrong flags or arguments (exit 64)
  kCancelled,    // stopped on request (a signal); nothing of the current step was applied (exit 3)
  kLockTimeout,  // a statement waited too long for a database lock (or deadlocked): retryable (exit
                 // 2)
};

const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status NothingToDo(std::string msg) { return Status(Code::kNothingToDo, std::move(msg)); }
  static Status Declined(std::string msg) { return Status(Code::kDeclined, std::move(msg)); }
  static Status Invalid(std::string msg) { return Status(Code::kInvalid, std::move(msg)); }
  static Status Failed(std::string msg) { return Status(Code::kFailed, std::move(msg)); }
  static Status NeedsHuman(std::string msg) { return Status(Code::kNeedsHuman, std::move(msg)); }
  static Status Usage(std::string msg) { return Status(Code::kUsage, std::move(msg)); }
  static Status Cancelled(std::string msg) { return Status(Code::kCancelled, std::move(msg)); }
  static Status LockTimeout(std::string msg) { return Status(Code::kLockTimeout, std::move(msg)); }
  // A Status of `code` (kOk gives OK and drops the message).
  static Status FromCode(Code code, std::string msg) {
    return code == Code::kOk ? Status() : Status(code, std::move(msg));
  }

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  // The message; empty when OK.
  const std::string& message() const;
  // "message" prefixed by context: used to add "while doing X: " on the way up.
  Status WithContext(const std::string& context) const;
  // This failure, with the failures that came after it while handling it (recording it in the
  // journal, cleaning up) appended to its message as "(also, <what>: ...)", so that none is
  // dropped. OK ones are ignored; on an OK status, the first failure of `also` is returned.
  Status Also(const std::string& what, std::initializer_list<Status> also) const;

 private:
  struct Rep {
    Code code;
    std::string message;
  };
  Status(Code code, std::string msg) : rep_(std::make_shared<Rep>(Rep{code, std::move(msg)})) {}
  std::shared_ptr<const Rep> rep_;
};

// A value or the Status that explains why there is none. REQUIRES: the Status is not OK.
// Failing loud on a programming error (value() of a failed Result): prints `message` and aborts.
[[noreturn]] void ResultMisuse(const std::string& message);
// What a Result made of an OK status holds instead (a failure saying so).
Status OkIsNotAValue();

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  // An OK status holds no value: it becomes a failure saying so, never a Result without either.
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(v_).ok()) v_ = OkIsNotAValue();
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // REQUIRES: ok(). A failed Result aborts the process with its message (a bug, not an error).
  T& value() & {
    Check();
    return std::get<T>(v_);
  }
  const T& value() const& {
    Check();
    return std::get<T>(v_);
  }
  T&& value() && {
    Check();
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  void Check() const {
    if (!ok()) ResultMisuse("value() of a failed result: " + std::get<Status>(v_).message());
  }
  std::variant<T, Status> v_;
};

}  // namespace orchestrate

// Returns early from the enclosing function when the expression yields a non-OK Status.
#define ORCH_RETURN_IF_ERROR(expr)      \
  do {                                  \
    ::orchestrate::Status _st = (expr); \
    if (!_st.ok()) return _st;          \
  } while (0)
