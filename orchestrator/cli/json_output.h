// The machine side of the command line: every `--output json` document and every
// `--log-format json` stderr line goes through here, so that they share one shape.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "orchestrator/cli/options.h"

namespace orchestrate::cli {

// The version of the --output json documents (docs/schema/output-*.schema.json). Raised when a
// field is removed or changes meaning; adding a field keeps it.
constexpr int kOutputSchemaVersion = 1;

// Remembers the command's name and formats (SetUpLogging calls it).
void SetJsonContext(const GlobalOptions& g);

// Prints `doc` (an object) on stdout as the one JSON document of this command: with
// "schema_version" and "command" (GlobalOptions::command) added, and every empty string that is the
// value of an object key replaced by null (an absent value is null, never ""). Prints nothing when
// a document was already printed (Fail after output prints no second one).
void PrintJsonDocument(nlohmann::json doc);
// Whether PrintJsonDocument (or Fail, in JSON) has printed this process's document.
bool JsonDocumentPrinted();
// `text`, or null when it is empty.
nlohmann::json OrNull(const std::string& text);

// Whether --output json / --log-format json are in effect.
bool JsonOutput();
bool JsonLogs();
// "nothing-to-do", "needs-a-human", ...: a Status code as the "outcome" of a JSON document.
std::string OutcomeName(Code code);
// "2026-01-02T03:04:05.678Z".
std::string IsoUtcMillis(std::chrono::system_clock::time_point t);
// One line on stderr outside spdlog (the final error, the gate verdict, a notice): with
// --log-format json an object {"time", "level", "msg", ...fields}; else `text` as it is
// (several lines allowed). Secrets are masked in both.
void StderrLine(const char* level, const std::string& text, const nlohmann::json& fields = {});

}  // namespace orchestrate::cli
