// Plans as text and JSON, and the step records the journal stores (plans/render.h).
#include "plans/render.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plans/sha256.h"

namespace orchestrate {
namespace {

using nlohmann::json;

const StepKind kAllKinds[] = {
    StepKind::kApplyMigration, StepKind::kRevertMigration, StepKind::kRunSeed,
    StepKind::kUndoSeed,       StepKind::kRecordRelease,   StepKind::kForgetRelease,
    StepKind::kSwapImage,
};

Step MakeStep(StepKind kind, const std::string& release, const std::string& id,
              const std::string& sql) {
  Step s;
  s.kind = kind;
  s.release = release;
  s.id = id;
  s.sql = sql;
  if (!sql.empty()) s.sql_sha256 = Sha256Hex(sql);
  return s;
}

Step SwapStep(const std::string& release, const std::string& from, const std::string& to) {
  Step s;
  s.kind = StepKind::kSwapImage;
  s.release = release;
  s.transactional = false;
  s.image_from = from;
  s.image_to = to;
  return s;
}

// A rollback of 1.2.0 to 1.1.0, as the planner makes it.
RunPlan SampleRollback() {
  RunPlan p;
  p.direction = Direction::kRollback;
  p.app = "shop";
  p.from_version = "1.2.0";
  p.to_version = "1.1.0";
  p.steps.push_back(SwapStep("1.1.0", "shop:1.2.0", "shop:1.1.0"));
  p.steps.push_back(MakeStep(StepKind::kUndoSeed, "1.2.0", "promo", "DELETE FROM promo;"));
  p.steps.back().has_undo = true;
  Step forget_seed = MakeStep(StepKind::kUndoSeed, "1.2.0", "tiers", "");
  forget_seed.note = "a note worth showing";
  p.steps.push_back(forget_seed);
  p.steps.push_back(
      MakeStep(StepKind::kRevertMigration, "1.2.0", "0005_idx", "DROP INDEX points_idx;"));
  p.steps.back().transactional = false;
  p.steps.push_back(MakeStep(StepKind::kRevertMigration, "1.2.0", "0004_points",
                             "ALTER TABLE customer DROP COLUMN points;"));
  p.steps.push_back(MakeStep(StepKind::kForgetRelease, "1.2.0", "", ""));
  p.not_rolled_back = {"environment variables", "autoscaling settings"};
  p.fingerprint = FingerprintOf(p);
  return p;
}

std::string Short(const std::string& sql) { return Sha256Hex(sql).substr(0, 12); }

// ---- DescribeStep -------------------------------------------------------------------------------

TEST(DescribeStepTest, OneLinePerKind) {
  EXPECT_EQ(DescribeStep(MakeStep(StepKind::kApplyMigration, "1.1.0", "0003_orders", "x")),
            "apply migration 0003_orders");
  Step nt = MakeStep(StepKind::kApplyMigration, "1.1.0", "0004_idx", "x");
  nt.transactional = false;
  EXPECT_EQ(DescribeStep(nt), "apply migration 0004_idx (not transactional)");
  nt.kind = StepKind::kRevertMigration;
  EXPECT_EQ(DescribeStep(nt), "revert migration 0004_idx (not transactional)");
  EXPECT_EQ(DescribeStep(MakeStep(StepKind::kRevertMigration, "1.1.0", "0003_orders", "x")),
            "revert migration 0003_orders");
  EXPECT_EQ(DescribeStep(MakeStep(StepKind::kRunSeed, "1.1.0", "countries", "x")),
            "run seed countries");
  Step undo = MakeStep(StepKind::kUndoSeed, "1.1.0", "countries", "x");
  undo.has_undo = true;
  EXPECT_EQ(DescribeStep(undo), "undo seed countries (its undo SQL)");
  undo.has_undo = false;
  EXPECT_EQ(DescribeStep(undo), "reverse seed countries (the rows its ledger recorded)");
  EXPECT_EQ(DescribeStep(MakeStep(StepKind::kRecordRelease, "1.1.0", "", "")),
            "record release 1.1.0 as deployed");
  EXPECT_EQ(DescribeStep(MakeStep(StepKind::kForgetRelease, "1.1.0", "", "")),
            "record release 1.1.0 as rolled back");
  EXPECT_EQ(DescribeStep(SwapStep("1.1.0", "shop:1.0.0", "shop:1.1.0")),
            "swap image shop:1.0.0 -> shop:1.1.0");
  EXPECT_EQ(DescribeStep(SwapStep("1.1.0", "", "shop:1.1.0")), "swap image (none) -> shop:1.1.0");
}

// ---- text ---------------------------------------------------------------------------------------

TEST(RenderPlanTextTest, NumberedStepsWithFingerprint) {
  RunPlan p = SampleRollback();
  const std::string expected =
      "rollback shop: 1.2.0 -> 1.1.0\n"
      "fingerprint " +
      p.fingerprint +
      "\n"
      "1. [1.1.0] swap image shop:1.2.0 -> shop:1.1.0\n"
      "2. [1.2.0] undo seed promo (its undo SQL)  sha256:" +
      Short("DELETE FROM promo;") +
      "\n"
      "3. [1.2.0] reverse seed tiers (the rows its ledger recorded)\n"
      "   note: a note worth showing\n"
      "4. [1.2.0] revert migration 0005_idx (not transactional)  sha256:" +
      Short("DROP INDEX points_idx;") +
      "\n"
      "5. [1.2.0] revert migration 0004_points  sha256:" +
      Short("ALTER TABLE customer DROP COLUMN points;") +
      "\n"
      "6. [1.2.0] record release 1.2.0 as rolled back\n"
      "not rolled back: environment variables\n"
      "not rolled back: autoscaling settings\n";
  EXPECT_EQ(RenderPlanText(p), expected);
}

TEST(RenderPlanTextTest, NumbersAreRightAligned) {
  RunPlan p;
  p.direction = Direction::kDeploy;
  p.app = "shop";
  p.to_version = "2.0.0";
  for (int i = 1; i <= 10; ++i)
    p.steps.push_back(MakeStep(StepKind::kApplyMigration, "2.0.0", "m" + std::to_string(i), ""));
  p.steps[0].note = "first";
  p.fingerprint = FingerprintOf(p);
  std::string text = RenderPlanText(p);
  EXPECT_EQ(text.rfind("deploy shop: (nothing deployed) -> 2.0.0\nfingerprint " + p.fingerprint +
                           "\n 1. [2.0.0] apply migration m1\n    note: first\n 2. [2.0.0] apply",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("\n10. [2.0.0] apply migration m10\n"), std::string::npos) << text;
}

TEST(RenderPlanTextTest, EmptyPlanSaysNothingToDo) {
  RunPlan p;
  p.direction = Direction::kDeploy;
  p.app = "shop";
  p.from_version = "1.3.0";
  p.to_version = "1.3.0";
  p.fingerprint = FingerprintOf(p);
  EXPECT_EQ(RenderPlanText(p), "deploy shop: 1.3.0 -> 1.3.0\nfingerprint " + p.fingerprint +
                                   "\nnothing to do: already at 1.3.0\n");
}

// ---- JSON ---------------------------------------------------------------------------------------

TEST(RenderPlanJsonTest, HasTheExpectedFields) {
  RunPlan p = SampleRollback();
  json j = json::parse(RenderPlanJson(p));
  EXPECT_EQ(j.at("app"), "shop");
  EXPECT_EQ(j.at("direction"), "rollback");
  EXPECT_EQ(j.at("from"), "1.2.0");
  EXPECT_EQ(j.at("to"), "1.1.0");
  EXPECT_EQ(j.at("fingerprint"), p.fingerprint);
  EXPECT_EQ(j.at("not_rolled_back"),
            json::array({"environment variables", "autoscaling settings"}));
  const json& steps = j.at("steps");
  ASSERT_TRUE(steps.is_array());
  ASSERT_EQ(steps.size(), p.steps.size());

  const json& swap = steps[0];
  EXPECT_EQ(swap.at("n"), 1);
  EXPECT_EQ(swap.at("kind"), "swap-image");
  EXPECT_EQ(swap.at("release"), "1.1.0");
  EXPECT_EQ(swap.at("description"), "swap image shop:1.2.0 -> shop:1.1.0");
  EXPECT_EQ(swap.at("transactional"), false);
  EXPECT_EQ(swap.at("image_from"), "shop:1.2.0");
  EXPECT_EQ(swap.at("image_to"), "shop:1.1.0");
  EXPECT_FALSE(swap.contains("id"));
  EXPECT_FALSE(swap.contains("sha256"));
  EXPECT_FALSE(swap.contains("note"));

  const json& undo = steps[1];
  EXPECT_EQ(undo.at("n"), 2);
  EXPECT_EQ(undo.at("kind"), "undo-seed");
  EXPECT_EQ(undo.at("id"), "promo");
  EXPECT_EQ(undo.at("sha256"), Sha256Hex("DELETE FROM promo;"));
  EXPECT_EQ(undo.at("transactional"), true);
  EXPECT_FALSE(undo.contains("image_from"));
  // The summary does not carry the SQL itself.
  EXPECT_FALSE(undo.contains("sql"));

  EXPECT_EQ(steps[2].at("note"), "a note worth showing");
  EXPECT_EQ(steps[3].at("description"), "revert migration 0005_idx (not transactional)");
  EXPECT_EQ(steps[5].at("kind"), "forget-release");
  EXPECT_EQ(steps[5].at("n"), 6);
}

TEST(RenderPlanJsonTest, NothingDeployedIsNull) {
  RunPlan p;
  p.direction = Direction::kDeploy;
  p.app = "shop";
  p.to_version = "1.0.0";
  json j = json::parse(RenderPlanJson(p));
  EXPECT_TRUE(j.at("from").is_null());
  EXPECT_EQ(j.at("direction"), "deploy");
  EXPECT_TRUE(j.at("steps").is_array());
  EXPECT_TRUE(j.at("steps").empty());
  EXPECT_TRUE(j.at("not_rolled_back").empty());
}

// ---- step records -------------------------------------------------------------------------------

void ExpectSameStep(const Step& a, const Step& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.release, b.release);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.sql, b.sql);
  EXPECT_EQ(a.sql_sha256, b.sql_sha256);
  EXPECT_EQ(a.transactional, b.transactional);
  EXPECT_EQ(a.down_sql, b.down_sql);
  EXPECT_EQ(a.down_sha256, b.down_sha256);
  EXPECT_EQ(a.irreversible, b.irreversible);
  EXPECT_EQ(a.has_undo, b.has_undo);
  EXPECT_EQ(a.image_from, b.image_from);
  EXPECT_EQ(a.image_to, b.image_to);
  EXPECT_EQ(a.order, b.order);
  EXPECT_EQ(a.note, b.note);
}

TEST(StepJsonTest, RoundTripsEveryFieldForEveryKind) {
  for (StepKind kind : kAllKinds) {
    SCOPED_TRACE(StepKindName(kind));
    // Every field set to a distinctive non-default value, so none can be dropped unnoticed.
    Step s;
    s.kind = kind;
    s.release = std::string("1.2.0-") + StepKindName(kind);
    s.id = "0004_points";
    s.sql = "INSERT INTO t VALUES ('it''s', \"q\", E'\\n');\n-- ünïcødé ✓\n\ttab";
    s.sql_sha256 = Sha256Hex(s.sql);
    s.transactional = false;
    s.down_sql = "DELETE FROM t;\r\n";
    s.down_sha256 = Sha256Hex(s.down_sql);
    s.irreversible = true;
    s.has_undo = true;
    s.image_from = "registry.example.com/shop:1.1.0";
    s.image_to = "registry.example.com/shop@sha256:abc";
    s.order = "schema-first";
    s.note = "a note {with} [json] \"syntax\"";
    std::string text = StepToJson(s);
    EXPECT_TRUE(json::accept(text)) << text;
    EXPECT_EQ(json::parse(text).at("kind"), StepKindName(kind));
    auto back = StepFromJson(text);
    ASSERT_TRUE(back.ok()) << back.status().message();
    ExpectSameStep(*back, s);

    // And the defaults (empty strings, true/false as default-constructed) survive too.
    Step d;
    d.kind = kind;
    auto back_default = StepFromJson(StepToJson(d));
    ASSERT_TRUE(back_default.ok()) << back_default.status().message();
    ExpectSameStep(*back_default, d);
  }
}

// SQL files are carried as the bytes they hold: a script that is not UTF-8 (Latin-1) is stored in
// the journal and comes back byte for byte, where nlohmann's dump() used to abort the run with
// type_error.316 (issue 15, item 8). UTF-8 SQL is stored as before.
TEST(StepJsonTest, SqlThatIsNotUtf8RoundTripsByteForByte) {
  Step s =
      MakeStep(StepKind::kApplyMigration, "1.0.0", "m1", "INSERT INTO t VALUES ('caf\xe9');\n");
  s.down_sql = std::string("DELETE FROM t WHERE x = '\xff\xfe';\n");
  std::string text = StepToJson(s);
  EXPECT_NE(text.find("\"sql_hex\":"), std::string::npos) << text;
  auto back = StepFromJson(text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->sql, s.sql);
  EXPECT_EQ(back->down_sql, s.down_sql);
  Step utf8 = MakeStep(StepKind::kApplyMigration, "1.0.0", "m1", "SELECT 'caf\xc3\xa9';\n");
  std::string plain = StepToJson(utf8);
  EXPECT_EQ(plain.find("_hex"), std::string::npos) << plain;
  EXPECT_NE(plain.find("\"sql\":\"SELECT 'caf\xc3\xa9';\\n\""), std::string::npos) << plain;
}

TEST(StepJsonTest, RejectsMalformedJson) {
  for (const std::string bad : {"", "{", "not json", "{\"kind\": \"run-seed\",}", "[]", "42",
                                "null", "{}", "{\"kind\": \"run-seed\"}"}) {
    auto r = StepFromJson(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalid) << bad;
    EXPECT_FALSE(r.status().message().empty()) << bad;
  }
}

TEST(StepJsonTest, RejectsWrongFieldTypes) {
  json j = json::parse(StepToJson(MakeStep(StepKind::kRunSeed, "1.0.0", "s", "x")));
  j["transactional"] = "yes";
  auto r = StepFromJson(j.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);

  j = json::parse(StepToJson(MakeStep(StepKind::kRunSeed, "1.0.0", "s", "x")));
  j["sql"] = 7;
  r = StepFromJson(j.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
}

TEST(StepJsonTest, RejectsAnUnknownKind) {
  json j = json::parse(StepToJson(MakeStep(StepKind::kRunSeed, "1.0.0", "s", "x")));
  j["kind"] = "drop-database";
  auto r = StepFromJson(j.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_NE(r.status().message().find("drop-database"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace orchestrate
