#include "tests/fakes/fixed_clock.h"

#include <ctime>

namespace orchestrate::fakes {

FixedClock::FixedClock(std::string now) : now_(std::make_shared<std::string>(std::move(now))) {}

void FixedClock::Advance(long seconds) {
  std::tm tm{};
  const std::string& now = *now_;
  const char* rest = strptime(now.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string millis = rest ? rest : ".000Z";
  std::time_t t = timegm(&tm) + seconds;
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  *now_ = buf + millis;
}

std::function<std::string()> FixedClock::Function() const {
  std::shared_ptr<std::string> now = now_;
  return [now] { return *now; };
}

}  // namespace orchestrate::fakes
