#include "plans/status.h"

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

}  // namespace orchestrate
