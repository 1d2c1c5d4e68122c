#include "plans/render.h"
#include "plans/input_file.h"
#include "plans/json_text.h"

#include <nlohmann/json.hpp>

#include <sstream>

namespace orchestrate {
namespace {

using nlohmann::json;

std::string Short(const std::string& sha) { return sha.substr(0, 12); }

json StepSummary(const Step& s, size_t n) {
  json j = {{"n", n},
            {"kind", StepKindName(s.kind)},
            {"release", s.release},
            {"description", DescribeStep(s)},
            {"transactional", s.transactional}};
  if (!s.id.empty()) j["id"] = s.id;
  if (!s.sql_sha256.empty()) j["sha256"] = s.sql_sha256;
  if (s.kind == StepKind::kSwapImage) {
    j["image_from"] = s.image_from;
    j["image_to"] = s.image_to;
    j["why"] = s.why;
  }
  if (!s.note.empty()) j["note"] = s.note;
  return j;
}

}  // namespace

std::string DescribeStep(const Step& s) {
  switch (s.kind) {
    case StepKind::kApplyMigration:
      return "apply migration " + s.id + (s.transactional ? "" : " (not transactional)");
    case StepKind::kRevertMigration:
      if (s.irreversible) return "forget irreversible migration " + s.id + " (its changes stay)";
      return "revert migration " + s.id + (s.transactional ? "" : " (not transactional)");
    case StepKind::kRunSeed:
      return "run seed " + s.id;
    case StepKind::kUndoSeed:
      return s.has_undo ? "undo seed " + s.id + " (its undo SQL)"
                        : "reverse seed " + s.id + " (the rows its ledger recorded)";
    case StepKind::kRecordRelease:
      return "record release " + s.release + " as deployed";
    case StepKind::kForgetRelease:
      return "record release " + s.release + " as rolled back";
    case StepKind::kSwapImage:
      return "swap image " + (s.image_from.empty() ? std::string("(none)") : s.image_from) +
             " -> " + s.image_to;
  }
  return "?";
}

std::string RenderPlanText(const RunPlan& plan) {
  std::ostringstream out;
  out << DirectionName(plan.direction) << " " << plan.app << ": "
      << (plan.from_version.empty() ? "(nothing deployed)" : plan.from_version) << " -> "
      << plan.to_version << "\n";
  out << "fingerprint " << plan.fingerprint << "\n";
  if (plan.steps.empty()) {
    out << "nothing to do: already at " << plan.to_version << "\n";
    return out.str();
  }
  size_t width = std::to_string(plan.steps.size()).size();
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    std::string num = std::to_string(i + 1);
    out << std::string(width - num.size(), ' ') << num << ". [" << s.release << "] "
        << DescribeStep(s);
    if (!s.sql_sha256.empty()) out << "  sha256:" << Short(s.sql_sha256);
    out << "\n";
    if (!s.why.empty()) out << std::string(width + 2, ' ') << "why: " << s.why << "\n";
    if (!s.note.empty()) out << std::string(width + 2, ' ') << "note: " << s.note << "\n";
  }
  for (const auto& item : plan.not_rolled_back) out << "not rolled back: " << item << "\n";
  return out.str();
}

std::string RenderPlanJson(const RunPlan& plan) {
  json steps = json::array();
  for (size_t i = 0; i < plan.steps.size(); ++i) steps.push_back(StepSummary(plan.steps[i], i + 1));
  json j = {{"app", plan.app},
            {"direction", DirectionName(plan.direction)},
            {"from", plan.from_version.empty() ? json(nullptr) : json(plan.from_version)},
            {"to", plan.to_version},
            {"fingerprint", plan.fingerprint},
            {"steps", steps},
            {"not_rolled_back", plan.not_rolled_back}};
  return JsonText(j, 2) + "\n";
}

namespace {

// A text field of a step record. SQL is carried as the bytes of its file, which need not be
// UTF-8: such a value is stored as hex under "KEY_hex" (KEY null), so that it comes back exactly.
// UTF-8 text is stored as before, so the records (and fingerprints) of plans without such bytes
// are unchanged.
void PutBytes(json& j, const std::string& key, const std::string& value) {
  if (InvalidUtf8At(value) == std::string::npos) {
    j[key] = value;
    return;
  }
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : value) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 0xf]);
  }
  j[key] = nullptr;
  j[key + "_hex"] = hex;
}

std::string GetBytes(const json& j, const std::string& key) {
  if (!j.contains(key + "_hex")) return j.at(key).get<std::string>();
  std::string hex = j.at(key + "_hex").get<std::string>(), out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  return out;
}

}  // namespace

std::string StepToJson(const Step& s) {
  json j = {{"kind", StepKindName(s.kind)},
            {"release", s.release},
            {"id", s.id},
            {"sql", nullptr},
            {"sql_sha256", s.sql_sha256},
            {"transactional", s.transactional},
            {"down_sql", nullptr},
            {"down_sha256", s.down_sha256},
            {"irreversible", s.irreversible},
            {"has_undo", s.has_undo},
            {"image_from", s.image_from},
            {"image_to", s.image_to},
            {"order", s.order},
            {"note", nullptr}};
  PutBytes(j, "sql", s.sql);
  PutBytes(j, "down_sql", s.down_sql);
  PutBytes(j, "note", s.note);
  // Only seeds have tables; other steps keep the record (and the fingerprint) they always had.
  if (!s.tables.empty()) {
    json tables = json::array();
    for (const auto& t : s.tables) tables.push_back({{"name", t.name}, {"key", t.key}});
    j["tables"] = tables;
  }
  if (!s.why.empty()) j["why"] = s.why;  // swaps only
  return JsonText(j);
}

Result<Step> StepFromJson(const std::string& text) {
  try {
    json j = json::parse(text);
    Step s;
    if (!StepKindFromName(j.at("kind").get<std::string>(), &s.kind))
      return Status::Invalid("unknown step kind " + j.at("kind").get<std::string>());
    s.release = j.at("release").get<std::string>();
    s.id = j.at("id").get<std::string>();
    s.sql = GetBytes(j, "sql");
    s.sql_sha256 = j.at("sql_sha256").get<std::string>();
    s.transactional = j.at("transactional").get<bool>();
    s.down_sql = GetBytes(j, "down_sql");
    s.down_sha256 = j.at("down_sha256").get<std::string>();
    s.irreversible = j.at("irreversible").get<bool>();
    s.has_undo = j.at("has_undo").get<bool>();
    s.image_from = j.at("image_from").get<std::string>();
    s.image_to = j.at("image_to").get<std::string>();
    s.order = j.at("order").get<std::string>();
    s.note = GetBytes(j, "note");
    if (j.contains("why")) s.why = GetBytes(j, "why");
    if (j.contains("tables")) {
      for (const auto& t : j.at("tables"))
        s.tables.push_back(
            {t.at("name").get<std::string>(), t.at("key").get<std::vector<std::string>>()});
    }
    return s;
  } catch (const json::exception& e) {
    return Status::Invalid(std::string("malformed step record: ") + e.what());
  }
}

}  // namespace orchestrate
