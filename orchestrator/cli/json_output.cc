#include "orchestrator/cli/json_output.h"

#include <chrono>
#include <ctime>
#include <iostream>

#include "orchestrator/cli/context.h"
#include "plans/json_text.h"
#include "plans/secrets.h"

namespace orchestrate::cli {
namespace {

bool g_printed = false;
std::string g_command;
bool g_json_output = false;
bool g_json_logs = false;

// Every "" that is the value of an object key, at any depth, becomes null.
void NullForEmpty(nlohmann::json& j) {
  if (j.is_object()) {
    for (auto& [key, value] : j.items()) {
      if (value.is_string() && value.get_ref<const std::string&>().empty())
        value = nullptr;
      else
        NullForEmpty(value);
    }
  } else if (j.is_array()) {
    for (auto& item : j) NullForEmpty(item);
  }
}

void MaskStrings(nlohmann::json& j) {
  if (j.is_string())
    j = MaskSecrets(j.get<std::string>());
  else if (j.is_structured())
    for (auto& item : j) MaskStrings(item);
}

}  // namespace

std::string IsoUtcMillis(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const auto secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

void SetJsonContext(const GlobalOptions& g) {
  g_command = g.command;
  g_json_output = g.output == OutputFormat::kJson;
  g_json_logs = g.log_format == OutputFormat::kJson;
}

bool JsonOutput() { return g_json_output; }
bool JsonLogs() { return g_json_logs; }

std::string OutcomeName(Code code) {
  std::string name = CodeName(code);
  for (char& c : name)
    if (c == ' ') c = '-';
  return name;
}

void PrintJsonDocument(nlohmann::json doc) {
  if (g_printed) return;
  g_printed = true;
  NullForEmpty(doc);
  doc["schema_version"] = kOutputSchemaVersion;
  doc["command"] = OrNull(g_command);
  std::cout << JsonText(doc, 2) << std::endl;
}

bool JsonDocumentPrinted() { return g_printed; }

nlohmann::json OrNull(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

void StderrLine(const char* level, const std::string& text, const nlohmann::json& fields) {
  if (!JsonLogs()) {
    std::cerr << MaskSecrets(text) << std::endl;
    return;
  }
  nlohmann::json line = fields.is_object() ? fields : nlohmann::json::object();
  line["time"] = IsoUtcMillis(std::chrono::system_clock::now());
  line["level"] = level;
  line["msg"] = text;
  MaskStrings(line);  // before escaping: an escaped secret would not be found
  std::cerr << JsonText(line) << std::endl;
}

}  // namespace orchestrate::cli
