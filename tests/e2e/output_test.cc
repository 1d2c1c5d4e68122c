// The machine interfaces of the command line, through the real binary on the sample shop:
// every command's --output json against its JSON Schema (docs/schema/output-*.schema.json),
// --log-format json on stderr, nothing to do (exit 0), -q, and Ctrl-C.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/json_schema.h"
#include "tests/support/shop_fixture.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

nlohmann::json Schema(const std::string& name) {
  return nlohmann::json::parse(
      ReadFileOrDie(SourceDir() + "/docs/schema/output-" + name + ".schema.json"));
}

// Where `j` holds "" as the value of a key (absent values are null, never "").
void FindEmptyStrings(const nlohmann::json& j, const std::string& at,
                      std::vector<std::string>* out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (value.is_string() && value.get<std::string>().empty()) out->push_back(at + "/" + key);
      FindEmptyStrings(value, at + "/" + key, out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) FindEmptyStrings(j[i], at + "/" + std::to_string(i), out);
  }
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// ---- the validator itself --------------------------------------------------------------------

TEST(JsonSchemaValidatorTest, AcceptsWhatTheSchemaAllowsAndNamesEachBreach) {
  const auto schema = nlohmann::json::parse(R"({
    "type": "object",
    "required": ["id", "kind"],
    "additionalProperties": false,
    "properties": {
      "id": {"type": "integer"},
      "kind": {"type": "string", "enum": ["a", "b"]},
      "note": {"type": ["string", "null"]},
      "items": {"type": "array", "items": {"$ref": "#/definitions/item"}},
      "map": {"type": "object", "additionalProperties": {"type": "number"}}
    },
    "definitions": {"item": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}}
  })");
  EXPECT_TRUE(ValidateJsonSchema(schema, nlohmann::json::parse(
                                             R"({"id": 1, "kind": "a", "note": null,
                                                 "items": [{"n": 2}], "map": {"x": 1.5}})"))
                  .empty());
  auto errors =
      ValidateJsonSchema(schema, nlohmann::json::parse(R"({"id": "1", "kind": "c", "extra": 0,
                                        "items": [{"m": 1}], "map": {"x": "y"}})"));
  std::string all;
  for (const auto& e : errors) all += e + "\n";
  EXPECT_EQ(errors.size(), 5u) << all;
  EXPECT_NE(all.find("/id: expected integer, got string"), std::string::npos) << all;
  EXPECT_NE(all.find("/kind: value \"c\" is not one of"), std::string::npos) << all;
  EXPECT_NE(all.find("/extra: property not allowed"), std::string::npos) << all;
  EXPECT_NE(all.find("/items/0: missing required property n"), std::string::npos) << all;
  EXPECT_NE(all.find("/map/x: expected number, got string"), std::string::npos) << all;
  EXPECT_FALSE(ValidateJsonSchema(schema, nlohmann::json::parse(R"({"kind": "a"})")).empty());
  // A keyword outside the subset, or a $ref that resolves to nothing, is an error, not a pass.
  EXPECT_FALSE(
      ValidateJsonSchema(nlohmann::json::parse(R"({"oneOf": []})"), nlohmann::json(1)).empty());
  EXPECT_FALSE(ValidateJsonSchema(nlohmann::json::parse(R"({"$ref": "#/definitions/none"})"),
                                  nlohmann::json(1))
                   .empty());
}

class OutputTest : public ShopCopyTest {
 protected:
  // `orchestrate COMMAND PLAN ARGS... --output json`: exits `exit_code`, and its stdout is one
  // JSON document valid under output-`schema`.schema.json, with schema_version 1, the command's
  // name, and no "" value.
  nlohmann::json Document(std::vector<std::string> args, const std::string& schema,
                          int exit_code = 0) {
    args.insert(args.end(), {"--output", "json"});
    auto r = Run(args);
    const std::string what = ::testing::PrintToString(args);
    EXPECT_EQ(r.exit_code, exit_code) << what << "\n" << r.out << r.err;
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(r.out);  // throws on anything but one document
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << ": stdout is not one JSON document: " << e.what() << "\n" << r.out;
      return doc;
    }
    for (const auto& error : ValidateJsonSchema(Schema(schema), doc))
      ADD_FAILURE() << what << " against output-" << schema << ": " << error;
    EXPECT_EQ(doc["schema_version"], 1) << what;
    EXPECT_EQ(doc["command"], args[0]) << what;
    std::vector<std::string> empty;
    FindEmptyStrings(doc, "", &empty);
    EXPECT_TRUE(empty.empty()) << what << ": \"\" at " << ::testing::PrintToString(empty);
    ++documents_;
    return doc;
  }
  int documents_ = 0;
};

TEST_F(OutputTest, EveryCommandsJsonValidatesAgainstItsSchema) {
  auto v = Document({"validate"}, "validate");
  EXPECT_EQ(v["outcome"], "ok");
  EXPECT_EQ(v["releases"], 4);
  // Nothing deployed yet: a rollback has nothing to do (exit 0), and says so.
  auto nothing = Document({"rollback", "--reason", "r", "--yes"}, "run");
  EXPECT_EQ(nothing["outcome"], "nothing-to-do");
  EXPECT_EQ(Document({"plan"}, "plan")["direction"], "deploy");
  auto dry = Document({"deploy", "--dry-run"}, "run");
  EXPECT_EQ(dry["outcome"], "planned");
  EXPECT_EQ(dry["from"], nullptr);
  auto deployed = Document({"deploy", "--yes"}, "run");
  EXPECT_EQ(deployed["outcome"], "done");
  EXPECT_TRUE(deployed["run_id"].is_number_integer());
  EXPECT_EQ(Document({"deploy", "--yes"}, "run")["outcome"], "nothing-to-do");
  auto status = Document({"status"}, "status");
  EXPECT_EQ(status["current_version"], "1.3.0");
  EXPECT_EQ(status["deployer_error"], nullptr);
  // The pg environment's server is not there: exit 2, its error in the document.
  auto all = Document({"status", "--all-envs"}, "status-all-envs", 2);
  EXPECT_EQ(all["databases"].size(), 2u);
  EXPECT_EQ(Document({"plan", "--to", "1.2.0"}, "plan")["direction"], "rollback");
  auto sql = Document({"sql", "--to", "1.2.0"}, "sql");
  EXPECT_TRUE(sql["script"].is_string());
  EXPECT_EQ(sql["out"], nullptr);
  auto sql_file = Document({"sql", "--to", "1.2.0", "-o", dir_ / "rb.sql"}, "sql");
  EXPECT_EQ(sql_file["script"], nullptr);
  EXPECT_EQ(sql_file["approval"], sql["approval"]);
  EXPECT_EQ(Document({"check", "--to", "1.2.0"}, "check", 4)["verdict"], "GO WITH WARNINGS");
  auto rolled = Document(
      {"rollback", "--to", "1.2.0", "--reason", "json", "--approved", dir_ / "rb.sql", "--yes"},
      "run");
  EXPECT_EQ(rolled["outcome"], "done");
  auto history = Document({"history"}, "history");
  ASSERT_EQ(history["runs"].size(), 2u);
  EXPECT_EQ(history["runs"][0]["run_id"], rolled["run_id"]);
  EXPECT_EQ(history["runs"][1]["from"], nullptr);  // the first deploy: from nothing
  EXPECT_EQ(history["runs"][1]["error"], nullptr);
  auto snaps = Document({"snapshots", "list"}, "snapshots");
  ASSERT_FALSE(snaps["snapshots"].empty());
  // The column dropped by the rollback comes back after the re-deploy.
  Document({"deploy", "--yes"}, "run");
  int64_t columns_id = 0;
  for (const auto& s : snaps["snapshots"])
    if (s["kind"] == "columns") columns_id = s["id"];
  ASSERT_NE(columns_id, 0);
  EXPECT_EQ(Document({"snapshots", "restore", std::to_string(columns_id), "--yes"},
                     "snapshots")["rows_restored"],
            3);
  EXPECT_FALSE(Document({"snapshots", "prune", "--yes"}, "snapshots")["pruned"].empty());
  EXPECT_EQ(Document({"force", "--unlock", "--yes"}, "force")["released"], nullptr);
  EXPECT_EQ(Document({"force", "--abandon", "--yes"}, "error")["outcome"], "nothing-to-do");
  EXPECT_EQ(Document({"resume", "--yes"}, "error")["outcome"], "nothing-to-do");
  auto refused = Document({"rollback", "--to", "9.9.9", "--reason", "r", "--yes"}, "error", 2);
  EXPECT_EQ(refused["outcome"], "invalid");
  EXPECT_NE(refused["message"].get<std::string>().find("9.9.9 is not a release"),
            std::string::npos);
  // A usage error (the policy requires a reason): exit 64, in the same document.
  EXPECT_EQ(Document({"rollback", "--yes"}, "error", 64)["outcome"], "usage");
  EXPECT_EQ(Document({"rehearse", "--from", "1.2.0"}, "rehearse")["ok"], true);

  // import takes no plan: a Flyway folder of two migrations.
  WriteFileOrDie(dir_ / "flyway/V1__create_a.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n");
  WriteFileOrDie(dir_ / "flyway/V2__create_b.sql", "CREATE TABLE b (id INTEGER PRIMARY KEY);\n");
  ProcessOptions none;
  auto imported = RunProcess({OrchestrateBin(), "import", "flyway", dir_ / "flyway", "-o",
                              dir_ / "imported", "--output", "json"},
                             none);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  const auto import_doc = nlohmann::json::parse(imported.out);
  for (const auto& error : ValidateJsonSchema(Schema("import"), import_doc))
    ADD_FAILURE() << "import: " << error;
  EXPECT_EQ(import_doc["migrations"], 2);

  // A broken plan: validate lists each problem, exit 2.
  WriteFileOrDie(dir_ / "shop/sql/0002_create_products.up.sql", "CREATE TABLE (;\n");
  auto broken = Document({"validate"}, "validate", 2);
  EXPECT_EQ(broken["outcome"], "invalid");
  EXPECT_FALSE(broken["problems"].empty());
  EXPECT_EQ(documents_, 25);
}

// A fleet's deploy, rollback and review scripts, and the sql of a fleet.
TEST_F(OutputTest, AFleetsJsonValidatesAgainstItsSchemas) {
  std::string plan = ReadFileOrDie(plan_);
  plan.replace(plan.find("  pg:\n"), 0,
               "  fleet:\n"
               "    targets: [\"sqlite:${STATE_DIR}/a.db\", \"sqlite:${STATE_DIR}/b.db\"]\n"
               "    deployer: {kind: file, path: \"${STATE_DIR}/fleet.image\"}\n");
  WriteFileOrDie(plan_, plan);
  auto deployed = Document({"deploy", "--env", "fleet", "--yes"}, "fleet-run");
  EXPECT_EQ(deployed["outcome"], "done");
  EXPECT_EQ(deployed["targets"].size(), 2u);
  auto scripts =
      Document({"sql", "--env", "fleet", "--to", "1.2.0", "-o", dir_ / "reviewed"}, "sql");
  EXPECT_EQ(scripts["scripts"].size(), 2u);
  auto rolled = Document({"rollback", "--env", "fleet", "--to", "1.2.0", "--reason", "r", "--yes"},
                         "fleet-run");
  EXPECT_EQ(rolled["outcome"], "done");
  // Nothing left anywhere: exit 0.
  Document({"rollback", "--env", "fleet", "--to", "1.2.0", "--reason", "r", "--yes"}, "fleet-run");
  EXPECT_EQ(documents_, 4);
}

// A deployer that cannot be read (here: its `get` fails, as kubectl without a kubeconfig would):
// status still shows the database, the deployer's error as one field.
TEST_F(OutputTest, StatusShowsTheDatabaseWhenTheDeployerCannotBeRead) {
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  WriteFileOrDie(dir_ / "get.sh", "echo 'error: no kubeconfig' >&2; exit 1\n");
  const std::string file_deployer =
      "deployer: {kind: file, path: \"${STATE_DIR:-.orchestrate}/shop.image\"}";
  std::string plan = ReadFileOrDie(plan_);
  plan.replace(plan.find(file_deployer), file_deployer.size(),
               "deployer: {kind: command, set: [\"true\"], get: [sh, " + dir_ / "get.sh" + "]}");
  WriteFileOrDie(plan_, plan);
  auto status = Document({"status"}, "status");
  EXPECT_EQ(status["current_version"], "1.3.0");
  EXPECT_EQ(status["image"], nullptr);
  ASSERT_TRUE(status["deployer_error"].is_string());
  EXPECT_NE(status["deployer_error"].get<std::string>().find("no kubeconfig"), std::string::npos)
      << status;
  auto text = Run({"status"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("release:      1.3.0"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("image:        (unknown: "), std::string::npos) << text.out;

  // plan and --dry-run too: the steps from the database, the swaps from the image recorded for
  // the current release, the deployer's error as one field (and a warning line).
  auto planned = Document({"plan", "--to", "1.2.0"}, "plan");
  ASSERT_TRUE(planned["deployer_error"].is_string()) << planned;
  EXPECT_NE(planned["deployer_error"].get<std::string>().find("no kubeconfig"), std::string::npos);
  EXPECT_EQ(planned["steps"][0]["image_from"], "registry.example.com/shop:1.3.0") << planned;
  auto plan_text = Run({"plan", "--to", "1.2.0"});
  EXPECT_EQ(plan_text.exit_code, 0) << plan_text.err;
  EXPECT_NE(plan_text.err.find("warning: the running image could not be read ("), std::string::npos)
      << plan_text.err;
  EXPECT_NE(plan_text.out.find("registry.example.com/shop:1.3.0 -> "), std::string::npos)
      << plan_text.out;
  auto dry = Document({"rollback", "--to", "1.2.0", "--reason", "r", "--dry-run"}, "run");
  EXPECT_EQ(dry["outcome"], "planned") << dry;
  ASSERT_TRUE(dry["deployer_error"].is_string()) << dry;
  // A real run still needs the deployer: it stops before changing anything.
  auto real = Run({"rollback", "--to", "1.2.0", "--reason", "r", "--yes"});
  EXPECT_EQ(real.exit_code, 2) << real.out << real.err;
  EXPECT_NE(real.err.find("reading the running image"), std::string::npos) << real.err;
}

// A command line CLI11 cannot parse (an unknown flag, a missing value): under --output json one
// JSON document on stdout, under --log-format json one JSON line on stderr, both with the "did
// you mean" hint; in text the usual `orchestrate: error:` line. Exit 64 in every case.
TEST_F(OutputTest, AParseErrorFollowsTheOutputAndLogFormats) {
  auto text = Run({"rollback", "--too", "1.2.0"});
  EXPECT_EQ(text.exit_code, 64) << text.err;
  EXPECT_EQ(text.err.rfind("orchestrate: error: ", 0), 0u) << text.err;
  EXPECT_NE(text.err.find("--to"), std::string::npos) << text.err;
  auto doc = Document({"rollback", "--too", "1.2.0"}, "error", 64);
  EXPECT_EQ(doc["outcome"], "usage") << doc;
  EXPECT_NE(doc["message"].get<std::string>().find("did you mean"), std::string::npos) << doc;
  auto logs = Run({"rollback", "--too", "1.2.0", "--log-format", "json"});
  EXPECT_EQ(logs.exit_code, 64);
  for (const auto& line : Lines(logs.err)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_EQ(j["level"], "error") << line;
  }
  EXPECT_FALSE(logs.err.empty());
}

// An unset ${VAR} breaks only the environment that uses it.
TEST_F(OutputTest, AnUnsetVariableBreaksOnlyTheEnvironmentThatUsesIt) {
  std::string plan = ReadFileOrDie(plan_);
  const std::string pg = "${SHOP_PG_URL:-postgresql://localhost/shop}";
  ASSERT_NE(plan.find(pg), std::string::npos);
  plan.replace(plan.find(pg), pg.size(), "${SHOP_PG_URL_NOT_SET_J19}");
  WriteFileOrDie(plan_, plan);
  auto deployed = Run({"deploy", "--yes", "-q"});
  EXPECT_EQ(deployed.exit_code, 0) << deployed.err;
  auto validated = Run({"validate"});
  EXPECT_EQ(validated.exit_code, 0) << validated.err;
  EXPECT_NE(validated.err.find("environment pg cannot be used until its variables are set"),
            std::string::npos)
      << validated.err;
  auto pg_status = Run({"status", "--env", "pg"});
  EXPECT_EQ(pg_status.exit_code, 2);
  EXPECT_NE(pg_status.err.find("variable SHOP_PG_URL_NOT_SET_J19 is not set"), std::string::npos)
      << pg_status.err;
  auto all = Document({"status", "--all-envs"}, "status-all-envs", 2);
  ASSERT_EQ(all["databases"].size(), 2u);
  for (const auto& row : all["databases"]) {
    if (row["environment"] == "local") {
      EXPECT_EQ(row["release"], "1.3.0") << row;
    } else {
      EXPECT_NE(row["error"].get<std::string>().find("SHOP_PG_URL_NOT_SET_J19 is not set"),
                std::string::npos)
          << row;
    }
  }
}

// ---- --log-format json ------------------------------------------------------------------------

// A deployer that prints on stdout and stderr and fails to swap to 1.2.0: the rollback fails after
// the gate verdict; every line on stderr is a JSON object, the deployer's output in fields.
TEST_F(OutputTest, EveryStderrLineOfAFailingRollbackUnderLogFormatJsonParses) {
  WriteFileOrDie(
      dir_ / "set.sh",
      "echo \"$1\" > \"$STATE_DIR/image\"; echo \"set to $1\"; echo \"note on stderr\" >&2\n"
      "case \"$1\" in *1.2.0) echo 'registry refused' >&2; exit 3;; esac\n");
  WriteFileOrDie(dir_ / "get.sh", "cat \"$STATE_DIR/image\" 2>/dev/null; true\n");
  const std::string file_deployer =
      "deployer: {kind: file, path: \"${STATE_DIR:-.orchestrate}/shop.image\"}";
  std::string plan = ReadFileOrDie(plan_);
  plan.replace(plan.find(file_deployer), file_deployer.size(),
               "deployer: {kind: command, set: [sh, " + dir_ / "set.sh" +
                   ", \"{image}\"], get: [sh, " + dir_ / "get.sh" + "]}");
  WriteFileOrDie(plan_, plan);
  auto deployed = Run({"deploy", "--yes", "--log-format", "json"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.err;
  auto r = Run(
      {"rollback", "--to", "1.2.0", "--reason", "bad registry", "--yes", "--log-format", "json"});
  ASSERT_EQ(r.exit_code, 2) << r.err;
  bool verdict = false, deployer_stdout = false, deployer_stderr = false;
  nlohmann::json last;
  const auto lines = Lines(deployed.err + r.err);
  ASSERT_GT(lines.size(), 5u);
  for (const auto& line : lines) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON: " << line;
      continue;
    }
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_TRUE(j.contains("time") && j.contains("level") && j.contains("msg")) << line;
    if (j.contains("verdict")) {
      verdict = true;
      EXPECT_EQ(j["verdict"], "GO WITH WARNINGS") << line;
      EXPECT_FALSE(j["reasons"].empty()) << line;
    }
    if (j.value("stdout", "").find("set to registry.example.com/shop:1.3.0") != std::string::npos)
      deployer_stdout = true;
    if (j.value("stderr", "").find("note on stderr") != std::string::npos) deployer_stderr = true;
    last = j;
  }
  EXPECT_TRUE(verdict) << r.err;
  EXPECT_TRUE(deployer_stdout) << deployed.err;
  EXPECT_TRUE(deployer_stderr) << deployed.err;
  // The final error is the last line, with its exit code; the deployer's words are in it.
  EXPECT_EQ(last["level"], "error") << r.err;
  EXPECT_EQ(last["exit_code"], 2) << r.err;
  EXPECT_NE(last["msg"].get<std::string>().find("registry refused"), std::string::npos) << r.err;
}

// ---- -q ---------------------------------------------------------------------------------------

TEST_F(OutputTest, QuietPrintsWarningsAndErrorsOnly) {
  auto deployed = Run({"deploy", "--yes", "-q"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.err;
  // No plan, no step lines: the one-line result only.
  EXPECT_EQ(deployed.out.find("fingerprint"), std::string::npos) << deployed.out;
  EXPECT_EQ(deployed.out.rfind("deployed shop (nothing) -> 1.3.0", 0), 0u) << deployed.out;
  EXPECT_EQ(deployed.err, "");
  auto rolled = Run({"rollback", "--to", "1.2.0", "--reason", "quiet", "--yes", "-q"});
  ASSERT_EQ(rolled.exit_code, 0) << rolled.err;
  EXPECT_EQ(rolled.out.find("fingerprint"), std::string::npos) << rolled.out;
  // The verdict is GO WITH WARNINGS: its warnings stay, what is only information goes.
  EXPECT_NE(rolled.err.find("GO WITH WARNINGS"), std::string::npos) << rolled.err;
  EXPECT_NE(rolled.err.find("warning: not rolled back: the loyalty_enabled flag"),
            std::string::npos)
      << rolled.err;
  EXPECT_EQ(rolled.err.find("info: step"), std::string::npos) << rolled.err;
  // Without -q the plan is printed.
  auto loud = Run({"deploy", "--yes"});
  ASSERT_EQ(loud.exit_code, 0) << loud.err;
  EXPECT_NE(loud.out.find("deploy shop: 1.2.0 -> 1.3.0"), std::string::npos) << loud.out;
}

// ---- Ctrl-C -----------------------------------------------------------------------------------

// SIGINT during a slow step is acknowledged at once, on a line of its own (text, and JSON under
// --log-format json), before the step's rollback and the final message.
TEST_F(OutputTest, CtrlCIsAcknowledgedAtOnceOnALineOfItsOwn) {
  const std::string up = dir_ / "shop/sql/0017_create_view_customer_loyalty.up.sql";
  WriteFileOrDie(up, ReadFileOrDie(up) +
                         "\nSELECT count(*) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                         "SELECT i + 1 FROM n WHERE i < 40000000) SELECT i FROM n);\n");
  for (const std::string format : {"text", "json"}) {
    SCOPED_TRACE(format);
    ASSERT_EQ(Run({"deploy", "--to", "1.2.0", "--yes", "-q"}, format).exit_code, 0);
    ProcessOptions opts;
    opts.env["STATE_DIR"] = dir_ / format;
    ProcessHandle h =
        StartProcess({OrchestrateBin(), "deploy", plan_, "--yes", "--log-format", format}, opts);
    // Until the slow step runs (the steps before it are logged as done).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (ReadFileOrDie(h.err_path).find("0016_create_view_order_summaries") ==
               std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
      usleep(20 * 1000);
    usleep(200 * 1000);
    kill(h.pid, SIGINT);
    const auto sent = std::chrono::steady_clock::now();
    std::string seen;
    while ((seen = ReadFileOrDie(h.err_path)).find("stopping (signal 2)") == std::string::npos &&
           std::chrono::steady_clock::now() - sent < std::chrono::seconds(5))
      usleep(5 * 1000);
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - sent);
    EXPECT_LT(waited.count(), 300) << "acknowledged after " << waited.count() << " ms\n" << seen;
    auto r = Wait(h);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    bool own_line = false;
    for (const auto& line : Lines(r.err)) {
      if (format == "text" && line.rfind("orchestrate: stopping (signal 2)", 0) == 0)
        own_line = true;
      if (format == "json") {
        auto j = nlohmann::json::parse(line);  // every line, the acknowledgement included
        if (j.value("msg", "").rfind("orchestrate: stopping (signal 2)", 0) == 0) own_line = true;
      }
    }
    EXPECT_TRUE(own_line) << r.err;
  }
}

}  // namespace
}  // namespace orchestrate::testing
