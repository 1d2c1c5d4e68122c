#include "plans/secrets.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <set>

namespace orchestrate {
namespace {

constexpr const char* kLibpqPasswordVariable = "PGPASSWORD";

struct Registry {
  std::mutex mu;
  std::vector<std::string> secrets;  // longest first, no duplicates
  std::set<std::string> withheld{kLibpqPasswordVariable};
};

Registry& TheRegistry() {
  static Registry* registry = new Registry();  // never destroyed: used until exit
  return *registry;
}

// `value` as it appears between the quotes of a JSON string (nlohmann's escaping).
std::string JsonEscaped(const std::string& value) {
  std::string out;
  for (const char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

void AddLocked(Registry& r, const std::string& value) {
  if (value.empty()) return;
  if (std::find(r.secrets.begin(), r.secrets.end(), value) != r.secrets.end()) return;
  r.secrets.push_back(value);
  std::stable_sort(r.secrets.begin(), r.secrets.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

}  // namespace

void RegisterSecret(const std::string& value) {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  AddLocked(r, value);
  AddLocked(r, JsonEscaped(value));
}

std::vector<std::string> RegisteredSecrets() {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.secrets;
}

std::string MaskSecrets(std::string text) {
  for (const std::string& secret : RegisteredSecrets()) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
      text.replace(at, secret.size(), "***");
  }
  return text;
}

void WithholdFromChildren(const std::string& variable) {
  if (variable.empty()) return;
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.withheld.insert(variable);
}

std::vector<std::string> VariablesWithheldFromChildren() {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  return {r.withheld.begin(), r.withheld.end()};
}

void ForgetSecretsForTesting() {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.secrets.clear();
  r.withheld = {kLibpqPasswordVariable};
}

}  // namespace orchestrate
