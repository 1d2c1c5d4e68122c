#include "plans/status.h"

#include <cstdio>
#include <cstdlib>

namespace orchestrate {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kNothingToDo:
      return "nothing to do";
    case Code::kDeclined:
      return "declined";
    case Code::kInvalid:
      return "invalid";
    case Code::kFailed:
      return "failed";
    case Code::kNeedsHuman:
      return "needs a human";
    case Code::kUsage:
      return "usage";
    case Code::kCancelled:
      return "cancelled";
    case Code::kLockTimeout:
      return "lock timeout";
  }
  return "unknown";
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(rep_->code, context + ": " + rep_->message);
}

Status Status::Also(const std::string& what, std::initializer_list<Status> also) const {
  Status out = *this;
  for (const Status& s : also) {
    if (s.ok()) continue;
    if (out.ok()) {
      out = s;
      continue;
    }
    out = Status(out.code(), out.message() + "\n(also, " + what + ": " + s.message() + ")");
  }
  return out;
}

Status OkIsNotAValue() {
  return Status::Failed("internal error: a result was made of an OK status and no value");
}

void ResultMisuse(const std::string& message) {
  std::fprintf(stderr, "orchestrate: internal error: %s\n", message.c_str());
  std::abort();
}

}  // namespace orchestrate
