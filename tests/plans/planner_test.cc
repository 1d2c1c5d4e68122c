// The pure planner (plans/planner.h): manifests + what the database says is deployed + a target ->
// ordered steps. Plans and states are built in code; no files, no database.
#include "plans/planner.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "plans/sha256.h"

namespace orchestrate {
namespace {

// ---- fixtures -----------------------------------------------------------------------------------

SqlFile Sql(const std::string& path, const std::string& text, int line = 4) {
  SqlFile f;
  f.path = path;
  f.present = true;
  f.text = text;
  f.sha256 = Sha256Hex(text);
  f.pos = SourcePos{"releases/x.yaml", line, 9};
  return f;
}

// A file the manifest names that no longer exists.
SqlFile Gone(SqlFile f) {
  f.present = false;
  f.text.clear();
  f.sha256.clear();
  return f;
}

Migration Mig(const std::string& id, bool transactional = true) {
  Migration m;
  m.id = id;
  m.up = Sql("sql/" + id + ".up.sql", "-- up " + id + "\n");
  m.down = Sql("sql/" + id + ".down.sql", "-- down " + id + "\n", 5);
  m.transactional = transactional;
  return m;
}

Seed SeedOf(const std::string& id, bool with_undo) {
  Seed s;
  s.id = id;
  s.tables = {id};
  s.sql = Sql("seeds/" + id + ".sql", "INSERT INTO " + id + " VALUES (1);\n");
  if (with_undo) s.undo = Sql("seeds/" + id + ".undo.sql", "DELETE FROM " + id + ";\n");
  return s;
}

Release Rel(const std::string& version, std::vector<Migration> migrations, std::vector<Seed> seeds,
            ReleaseOrder order = ReleaseOrder::kCodeFirst) {
  Release r;
  r.version = version;
  r.image = "shop:" + version;
  r.order = order;
  r.migrations = std::move(migrations);
  r.seeds = std::move(seeds);
  r.file = "releases/" + version + ".yaml";
  return r;
}

// Four releases: 1.3.0 is schema-first; 1.2.0 has a non-transactional migration and two seeds.
Plan ShopPlan() {
  Plan p;
  p.app = "shop";
  p.file = "plan.yaml";
  p.versions_are_semver = true;
  p.releases.push_back(
      Rel("1.0.0", {Mig("0001_init"), Mig("0002_users")}, {SeedOf("countries", true)}));
  p.releases.push_back(Rel("1.1.0", {Mig("0003_orders")}, {SeedOf("statuses", false)}));
  p.releases.push_back(Rel("1.2.0", {Mig("0004_points"), Mig("0005_idx", false)},
                           {SeedOf("tiers", true), SeedOf("promo", true)}));
  p.releases.push_back(Rel("1.3.0", {Mig("0006_split")}, {}, ReleaseOrder::kSchemaFirst));
  p.releases[1].not_rolled_back = {"cache contents"};
  p.releases[2].not_rolled_back = {"environment variables", "autoscaling settings"};
  p.releases[3].not_rolled_back = {"feature flags"};
  return p;
}

// The state a successful deploy of every release up to `version` leaves: what the journal stores.
CurrentState StateAt(const Plan& plan, const std::string& version) {
  CurrentState st;
  int64_t seq = 0;
  for (const Release& rel : plan.releases) {
    for (const Migration& m : rel.migrations) {
      AppliedMigration a;
      a.release = rel.version;
      a.id = m.id;
      a.up_sql = m.up.text;
      a.up_sha256 = m.up.sha256;
      a.irreversible = m.irreversible;
      if (!m.irreversible) {
        a.down_sql = m.down.text;
        a.down_sha256 = m.down.sha256;
      }
      a.transactional = m.transactional;
      a.seq = ++seq;
      st.migrations.push_back(a);
    }
    for (const Seed& s : rel.seeds) {
      AppliedSeed a;
      a.release = rel.version;
      a.id = s.id;
      a.sql_sha256 = s.sql.sha256;
      a.has_undo = s.undo.has_value();
      if (s.undo) a.undo_sql = s.undo->text;
      a.seq = ++seq;
      st.seeds.push_back(a);
    }
    DeployedRelease d;
    d.version = rel.version;
    d.image = rel.image;
    d.order = Name(rel.order);
    d.seq = ++seq;
    st.releases.push_back(d);
    if (rel.version == version) break;
  }
  return st;
}

AppliedMigration* FindApplied(CurrentState* st, const std::string& id) {
  for (auto& m : st->migrations)
    if (m.id == id) return &m;
  return nullptr;
}

Migration* FindMigration(Plan* plan, const std::string& id) {
  for (auto& r : plan->releases)
    for (auto& m : r.migrations)
      if (m.id == id) return &m;
  return nullptr;
}

// "kind release id" per step, e.g. "apply-migration 1.0.0 0001_init".
std::vector<std::string> Summary(const RunPlan& plan) {
  std::vector<std::string> out;
  for (const Step& s : plan.steps) {
    std::string line = std::string(StepKindName(s.kind)) + " " + s.release;
    if (!s.id.empty()) line += " " + s.id;
    if (s.kind == StepKind::kSwapImage) line += " " + s.image_from + " -> " + s.image_to;
    out.push_back(line);
  }
  return out;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const Step* FindStep(const RunPlan& plan, StepKind kind, const std::string& id) {
  for (const Step& s : plan.steps)
    if (s.kind == kind && s.id == id) return &s;
  return nullptr;
}

// ---- names --------------------------------------------------------------------------------------

TEST(StepKindTest, NamesRoundTrip) {
  for (StepKind kind : {StepKind::kApplyMigration, StepKind::kRevertMigration, StepKind::kRunSeed,
                        StepKind::kUndoSeed, StepKind::kRecordRelease, StepKind::kForgetRelease,
                        StepKind::kSwapImage}) {
    StepKind back = StepKind::kApplyMigration;
    ASSERT_TRUE(StepKindFromName(StepKindName(kind), &back)) << StepKindName(kind);
    EXPECT_EQ(back, kind);
  }
  EXPECT_STREQ(StepKindName(StepKind::kSwapImage), "swap-image");
  EXPECT_STREQ(StepKindName(StepKind::kApplyMigration), "apply-migration");
  StepKind unchanged = StepKind::kRunSeed;
  EXPECT_FALSE(StepKindFromName("drop-database", &unchanged));
  EXPECT_FALSE(StepKindFromName("", &unchanged));
  EXPECT_EQ(unchanged, StepKind::kRunSeed);
  EXPECT_STREQ(DirectionName(Direction::kDeploy), "deploy");
  EXPECT_STREQ(DirectionName(Direction::kRollback), "rollback");
}

// ---- deploy -------------------------------------------------------------------------------------

TEST(PlanDeployTest, FromNothingToNewest) {
  Plan plan = ShopPlan();
  auto r = PlanDeploy(plan, CurrentState{}, "", "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->direction, Direction::kDeploy);
  EXPECT_EQ(r->app, "shop");
  EXPECT_EQ(r->from_version, "");
  EXPECT_EQ(r->to_version, "1.3.0");
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                             "apply-migration 1.0.0 0001_init",
                             "apply-migration 1.0.0 0002_users",
                             "run-seed 1.0.0 countries",
                             "record-release 1.0.0",
                             "apply-migration 1.1.0 0003_orders",
                             "run-seed 1.1.0 statuses",
                             "record-release 1.1.0",
                             "apply-migration 1.2.0 0004_points",
                             "apply-migration 1.2.0 0005_idx",
                             "run-seed 1.2.0 tiers",
                             "run-seed 1.2.0 promo",
                             "record-release 1.2.0",
                             "apply-migration 1.3.0 0006_split",
                             "record-release 1.3.0",
                             "swap-image 1.3.0  -> shop:1.3.0",
                         }));
  EXPECT_TRUE(r->not_rolled_back.empty());
  EXPECT_EQ(r->fingerprint, FingerprintOf(*r));
  EXPECT_EQ(r->fingerprint.size(), 64u);
}

TEST(PlanDeployTest, StepsCarryTheSqlAndChecksumsToStore) {
  Plan plan = ShopPlan();
  auto r = PlanDeploy(plan, CurrentState{}, "1.2.0", "");
  ASSERT_TRUE(r.ok()) << r.status().message();

  const Migration& init = plan.releases[0].migrations[0];
  const Step* apply = FindStep(*r, StepKind::kApplyMigration, "0001_init");
  ASSERT_NE(apply, nullptr);
  EXPECT_EQ(apply->release, "1.0.0");
  EXPECT_EQ(apply->sql, init.up.text);
  EXPECT_EQ(apply->sql_sha256, init.up.sha256);
  EXPECT_EQ(apply->down_sql, init.down.text);
  EXPECT_EQ(apply->down_sha256, init.down.sha256);
  EXPECT_TRUE(apply->transactional);
  EXPECT_FALSE(apply->irreversible);
  EXPECT_TRUE(apply->note.empty());

  const Step* idx = FindStep(*r, StepKind::kApplyMigration, "0005_idx");
  ASSERT_NE(idx, nullptr);
  EXPECT_FALSE(idx->transactional);

  const Seed& countries = plan.releases[0].seeds[0];
  const Step* seed = FindStep(*r, StepKind::kRunSeed, "countries");
  ASSERT_NE(seed, nullptr);
  EXPECT_EQ(seed->sql, countries.sql.text);
  EXPECT_EQ(seed->sql_sha256, countries.sql.sha256);
  EXPECT_TRUE(seed->has_undo);
  EXPECT_EQ(seed->down_sql, countries.undo->text);
  EXPECT_EQ(seed->down_sha256, countries.undo->sha256);

  const Step* no_undo = FindStep(*r, StepKind::kRunSeed, "statuses");
  ASSERT_NE(no_undo, nullptr);
  EXPECT_FALSE(no_undo->has_undo);
  EXPECT_TRUE(no_undo->down_sql.empty());
  // Without undo SQL the row ledger reverses it: the step names the tables the ledger records.
  ASSERT_EQ(no_undo->tables.size(), 1u);
  EXPECT_EQ(no_undo->tables[0].name, "statuses");

  const Step& record = r->steps[3];
  ASSERT_EQ(record.kind, StepKind::kRecordRelease);
  EXPECT_EQ(record.release, "1.0.0");
  EXPECT_EQ(record.image_to, "shop:1.0.0");
  EXPECT_EQ(record.order, "code-first");
  EXPECT_TRUE(record.sql.empty());

  const Step& swap = r->steps.back();
  ASSERT_EQ(swap.kind, StepKind::kSwapImage);
  EXPECT_EQ(swap.release, "1.2.0");
  EXPECT_FALSE(swap.transactional);
  EXPECT_EQ(swap.image_from, "");
  EXPECT_EQ(swap.image_to, "shop:1.2.0");
}

TEST(PlanDeployTest, RecordReleaseCarriesSchemaFirstOrder) {
  Plan plan = ShopPlan();
  auto r = PlanDeploy(plan, StateAt(plan, "1.2.0"), "1.3.0", "shop:1.2.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->steps.size(), 3u);
  const Step* record = FindStep(*r, StepKind::kRecordRelease, "");
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->order, "schema-first");
}

TEST(PlanDeployTest, ToAMiddleVersion) {
  Plan plan = ShopPlan();
  auto r = PlanDeploy(plan, StateAt(plan, "1.0.0"), "1.1.0", "shop:1.0.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->from_version, "1.0.0");
  EXPECT_EQ(r->to_version, "1.1.0");
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                             "apply-migration 1.1.0 0003_orders",
                             "run-seed 1.1.0 statuses",
                             "record-release 1.1.0",
                             "swap-image 1.1.0 shop:1.0.0 -> shop:1.1.0",
                         }));
}

TEST(PlanDeployTest, AlreadyAtTargetIsAnEmptyPlan) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.3.0");
  for (const std::string target : {"", "1.3.0"}) {
    auto r = PlanDeploy(plan, st, target, "shop:1.3.0");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TRUE(r->empty()) << target;
    EXPECT_EQ(r->from_version, "1.3.0");
    EXPECT_EQ(r->to_version, "1.3.0");
    EXPECT_EQ(r->fingerprint, FingerprintOf(*r));
  }
}

TEST(PlanDeployTest, AtTargetWithAnotherImageOnlySwaps) {
  Plan plan = ShopPlan();
  auto r = PlanDeploy(plan, StateAt(plan, "1.1.0"), "1.1.0", "shop:hotfix");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{"swap-image 1.1.0 shop:hotfix -> shop:1.1.0"}));
}

// Nothing may be slipped in at or below the deployed release: it would run after newer changes
// and a rollback could not order it. Refused, saying what to do.
TEST(PlanDeployTest, MigrationAddedToADeployedReleaseNeedsAHuman) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.1.0");
  plan.releases[1].migrations.push_back(Mig("0003b_late"));
  auto r = PlanDeploy(plan, st, "1.2.0", "shop:1.1.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNeedsHuman);
  EXPECT_NE(r.status().message().find("migration 0003b_late (release 1.1.0) is not applied"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("give the change a version newer than 1.1.0"),
            std::string::npos);
}

TEST(PlanDeployTest, OlderReleaseNeverDeployedNeedsAHuman) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.2.0");
  // 1.1.0 was skipped by hand: drop it from the state.
  std::vector<DeployedRelease> kept;
  for (const auto& rel : st.releases)
    if (rel.version != "1.1.0") kept.push_back(rel);
  st.releases = kept;
  auto r = PlanDeploy(plan, st, "", "shop:1.2.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNeedsHuman);
  EXPECT_NE(r.status().message().find("release 1.1.0 (release 1.1.0) is not applied"),
            std::string::npos)
      << r.status().message();
}

TEST(PlanDeployTest, UnknownVersionListsTheKnownOnes) {
  Plan plan = ShopPlan();
  auto r = PlanDeploy(plan, CurrentState{}, "2.0.0", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_EQ(r.status().message(),
            "version 2.0.0 is not a release in plan.yaml (known: 1.0.0, 1.1.0, 1.2.0, 1.3.0)");
}

TEST(PlanDeployTest, TargetOlderThanCurrentSuggestsRollback) {
  Plan plan = ShopPlan();
  auto r = PlanDeploy(plan, StateAt(plan, "1.2.0"), "1.0.0", "shop:1.2.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_TRUE(Contains(r.status().message(), "older than the current release 1.2.0"))
      << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "orchestrate rollback plan.yaml --to 1.0.0"))
      << r.status().message();
}

TEST(PlanDeployTest, CurrentReleaseMissingFromThePlanIsInvalid) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.3.0");
  plan.releases.pop_back();
  auto r = PlanDeploy(plan, st, "", "shop:1.3.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_TRUE(Contains(r.status().message(), "release 1.3.0")) << r.status().message();
}

TEST(PlanDeployTest, NoReleasesIsInvalid) {
  Plan plan;
  plan.file = "plan.yaml";
  auto r = PlanDeploy(plan, CurrentState{}, "", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
}

TEST(PlanDeployTest, MissingUpFileIsInvalidAndNamesTheFile) {
  Plan plan = ShopPlan();
  Migration* m = FindMigration(&plan, "0006_split");
  m->up = Gone(m->up);
  m->up.pos = SourcePos{"releases/1.3.0.yaml", 6, 9};
  auto r = PlanDeploy(plan, StateAt(plan, "1.2.0"), "", "shop:1.2.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_EQ(r.status().message(),
            "releases/1.3.0.yaml:6:9: the up file of migration 0006_split (sql/0006_split.up.sql) "
            "does not exist: restore it or fix the path");
}

TEST(PlanDeployTest, MissingDownOrSeedFileIsInvalid) {
  {
    Plan plan = ShopPlan();
    Migration* m = FindMigration(&plan, "0006_split");
    m->down = Gone(m->down);
    auto r = PlanDeploy(plan, StateAt(plan, "1.2.0"), "", "shop:1.2.0");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalid);
    EXPECT_TRUE(Contains(r.status().message(), "the down file of migration 0006_split"))
        << r.status().message();
  }
  {
    Plan plan = ShopPlan();
    plan.releases[2].seeds[1].undo = Gone(*plan.releases[2].seeds[1].undo);
    auto r = PlanDeploy(plan, StateAt(plan, "1.1.0"), "", "shop:1.1.0");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalid);
    EXPECT_TRUE(Contains(r.status().message(), "the undo file of seed promo"))
        << r.status().message();
  }
  {
    Plan plan = ShopPlan();
    plan.releases[2].seeds[0].sql = Gone(plan.releases[2].seeds[0].sql);
    auto r = PlanDeploy(plan, StateAt(plan, "1.1.0"), "", "shop:1.1.0");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalid);
    EXPECT_TRUE(Contains(r.status().message(), "the sql file of seed tiers"))
        << r.status().message();
  }
}

TEST(PlanDeployTest, MissingFilesOfAppliedReleasesDoNotMatter) {
  Plan plan = ShopPlan();
  plan.policy.image_swaps = Policy::ImageSwaps::kOnce;
  CurrentState st = StateAt(plan, "1.2.0");
  for (int i = 0; i < 3; ++i) {
    for (Migration& m : plan.releases[static_cast<size_t>(i)].migrations) {
      m.up = Gone(m.up);
      m.down = Gone(m.down);
    }
    for (Seed& s : plan.releases[static_cast<size_t>(i)].seeds) s.sql = Gone(s.sql);
  }
  auto r = PlanDeploy(plan, st, "", "shop:1.2.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                             "apply-migration 1.3.0 0006_split",
                             "record-release 1.3.0",
                             "swap-image 1.3.0 shop:1.2.0 -> shop:1.3.0",
                         }));
}

TEST(PlanDeployTest, IrreversibleMigrationNeedsNoDownFile) {
  Plan plan = ShopPlan();
  Migration* m = FindMigration(&plan, "0006_split");
  m->irreversible = true;
  m->down = SqlFile{};  // `down: irreversible`
  auto r = PlanDeploy(plan, StateAt(plan, "1.2.0"), "", "shop:1.2.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Step* s = FindStep(*r, StepKind::kApplyMigration, "0006_split");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->irreversible);
  EXPECT_TRUE(s->down_sql.empty());
  EXPECT_TRUE(s->down_sha256.empty());
  EXPECT_TRUE(Contains(s->note, "irreversible")) << s->note;
}

TEST(PlanDeployTest, DriftNeedsAHuman) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.1.0");
  // The file of an applied migration was edited after it was applied.
  Migration* m = FindMigration(&plan, "0003_orders");
  m->up = Sql(m->up.path, "-- edited\n", 7);
  m->up.pos.file = "releases/1.1.0.yaml";
  auto r = PlanDeploy(plan, st, "", "shop:1.1.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNeedsHuman);
  const std::string& msg = r.status().message();
  EXPECT_TRUE(Contains(msg, "drift")) << msg;
  EXPECT_TRUE(Contains(msg,
                       "releases/1.1.0.yaml:7:9: migration 0003_orders (1.1.0): "
                       "sql/0003_orders.up.sql changed since it was applied"))
      << msg;
  EXPECT_TRUE(Contains(msg, FindApplied(&st, "0003_orders")->up_sha256.substr(0, 12))) << msg;
  EXPECT_TRUE(Contains(msg, Sha256Hex("-- edited\n").substr(0, 12))) << msg;

  std::vector<std::string> drift = DetectDrift(plan, st);
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_TRUE(Contains(drift[0], "0003_orders")) << drift[0];
}

TEST(PlanDeployTest, DriftOfADownFileIsDetected) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.1.0");
  Migration* m = FindMigration(&plan, "0001_init");
  m->down = Sql(m->down.path, "-- a different down\n");
  std::vector<std::string> drift = DetectDrift(plan, st);
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_TRUE(Contains(drift[0], "sql/0001_init.down.sql changed since it was applied"))
      << drift[0];
  EXPECT_EQ(PlanDeploy(plan, st, "", "shop:1.1.0").status().code(), Code::kNeedsHuman);
}

TEST(PlanDeployTest, NoDriftWhenTheFileIsGone) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.1.0");
  FindApplied(&st, "0003_orders")->up_sha256 = Sha256Hex("what was applied long ago");
  Migration* m = FindMigration(&plan, "0003_orders");
  m->up = Gone(m->up);
  m->down = Gone(m->down);
  EXPECT_TRUE(DetectDrift(plan, st).empty());
  auto r = PlanDeploy(plan, st, "", "shop:1.1.0");
  EXPECT_TRUE(r.ok()) << r.status().message();
}

TEST(PlanDeployTest, NoDriftForAnUnchangedPlan) {
  Plan plan = ShopPlan();
  EXPECT_TRUE(DetectDrift(plan, StateAt(plan, "1.3.0")).empty());
  EXPECT_TRUE(DetectDrift(plan, CurrentState{}).empty());
}

// ---- rollback -----------------------------------------------------------------------------------

TEST(PlanRollbackTest, ToPrevious) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.2.0");
  for (const std::string target : {"previous", ""}) {
    auto r = PlanRollback(plan, st, target, "shop:1.2.0");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->direction, Direction::kRollback);
    EXPECT_EQ(r->app, "shop");
    EXPECT_EQ(r->from_version, "1.2.0");
    EXPECT_EQ(r->to_version, "1.1.0");
    EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                               "swap-image 1.1.0 shop:1.2.0 -> shop:1.1.0",
                               "undo-seed 1.2.0 promo",
                               "undo-seed 1.2.0 tiers",
                               "revert-migration 1.2.0 0005_idx",
                               "revert-migration 1.2.0 0004_points",
                               "forget-release 1.2.0",
                           }));
    EXPECT_EQ(r->not_rolled_back,
              (std::vector<std::string>{"environment variables", "autoscaling settings"}));
    EXPECT_EQ(r->fingerprint, FingerprintOf(*r));
  }
}

// `none` reverts every release, the first one included; the first release's image has nothing
// to go back to, so it stays (and says so); a release really named "none" is that release.
TEST(PlanRollbackTest, ToNoneRevertsEveryReleaseAndKeepsTheFirstImage) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.1.0");
  for (auto swaps : {Policy::ImageSwaps::kPerRelease, Policy::ImageSwaps::kOnce}) {
    plan.policy.image_swaps = swaps;
    auto r = PlanRollback(plan, st, kRollbackToNothing, "shop:1.1.0");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->from_version, "1.1.0");
    EXPECT_EQ(r->to_version, "none");
    std::vector<std::string> want = {"undo-seed 1.1.0 statuses",
                                     "revert-migration 1.1.0 0003_orders",
                                     "forget-release 1.1.0",
                                     "undo-seed 1.0.0 countries",
                                     "revert-migration 1.0.0 0002_users",
                                     "revert-migration 1.0.0 0001_init",
                                     "forget-release 1.0.0"};
    if (swaps == Policy::ImageSwaps::kPerRelease)
      want.insert(want.begin(), "swap-image 1.0.0 shop:1.1.0 -> shop:1.0.0");
    EXPECT_EQ(Summary(*r), want);
    EXPECT_EQ(r->not_rolled_back.back(),
              "the image: no release before 1.0.0 to swap back to, so shop:1.0.0 keeps running");
  }
  auto first = PlanRollback(plan, StateAt(plan, "1.0.0"), "previous", "shop:1.0.0");
  EXPECT_EQ(first.status().code(), Code::kInvalid);
  EXPECT_NE(first.status().message().find("`--to none` reverts it too"), std::string::npos);

  Plan named = ShopPlan();
  named.versions_are_semver = false;
  named.releases.insert(named.releases.begin(), Rel("none", {Mig("0000_base")}, {}));
  auto to_named = PlanRollback(named, StateAt(named, "1.0.0"), "none", "shop:1.0.0");
  ASSERT_TRUE(to_named.ok()) << to_named.status().message();
  EXPECT_EQ(Summary(*to_named).back(), "forget-release 1.0.0");
}

TEST(PlanRollbackTest, AcrossTwoReleasesCodeFirst) {
  Plan plan = ShopPlan();
  plan.policy.image_swaps = Policy::ImageSwaps::kOnce;
  CurrentState st = StateAt(plan, "1.2.0");
  auto r = PlanRollback(plan, st, "1.0.0", "shop:1.2.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->from_version, "1.2.0");
  EXPECT_EQ(r->to_version, "1.0.0");
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                             "swap-image 1.0.0 shop:1.2.0 -> shop:1.0.0",
                             "undo-seed 1.2.0 promo",
                             "undo-seed 1.2.0 tiers",
                             "revert-migration 1.2.0 0005_idx",
                             "revert-migration 1.2.0 0004_points",
                             "forget-release 1.2.0",
                             "undo-seed 1.1.0 statuses",
                             "revert-migration 1.1.0 0003_orders",
                             "forget-release 1.1.0",
                         }));
  // Newest release first.
  EXPECT_EQ(r->not_rolled_back,
            (std::vector<std::string>{"environment variables", "autoscaling settings",
                                      "cache contents"}));

  const Step& swap = r->steps[0];
  EXPECT_FALSE(swap.transactional);
  EXPECT_TRUE(swap.sql.empty());

  const Step* revert = FindStep(*r, StepKind::kRevertMigration, "0005_idx");
  ASSERT_NE(revert, nullptr);
  EXPECT_FALSE(revert->transactional);  // as stored at deploy time
  EXPECT_TRUE(FindStep(*r, StepKind::kRevertMigration, "0004_points")->transactional);

  const Step* undo = FindStep(*r, StepKind::kUndoSeed, "promo");
  ASSERT_NE(undo, nullptr);
  EXPECT_TRUE(undo->has_undo);
  EXPECT_EQ(undo->sql, "DELETE FROM promo;\n");
  EXPECT_EQ(undo->sql_sha256, Sha256Hex("DELETE FROM promo;\n"));

  const Step* forget_only = FindStep(*r, StepKind::kUndoSeed, "statuses");
  ASSERT_NE(forget_only, nullptr);
  EXPECT_FALSE(forget_only->has_undo);
  EXPECT_TRUE(forget_only->sql.empty());
  EXPECT_TRUE(forget_only->sql_sha256.empty());  // the ledger decides at run time
}

TEST(PlanRollbackTest, RunsTheStoredDownSqlNotTheManifests) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.2.0");
  // What the database stored at deploy time.
  AppliedMigration* stored = FindApplied(&st, "0004_points");
  stored->down_sql = "ALTER TABLE customer DROP COLUMN points; -- stored\n";
  stored->down_sha256 = Sha256Hex(stored->down_sql);
  // The manifest's down file is gone from the checkout: no drift, and nothing to read.
  Migration* m = FindMigration(&plan, "0004_points");
  m->down = Gone(m->down);
  auto r = PlanRollback(plan, st, "1.1.0", "shop:1.2.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Step* revert = FindStep(*r, StepKind::kRevertMigration, "0004_points");
  ASSERT_NE(revert, nullptr);
  EXPECT_EQ(revert->release, "1.2.0");
  EXPECT_EQ(revert->sql, "ALTER TABLE customer DROP COLUMN points; -- stored\n");
  EXPECT_EQ(revert->sql_sha256, stored->down_sha256);
}

// Down SQL stored by a version that let a NUL byte through would run only up to it: the rollback
// is refused before anything runs, naming the migration and the position (issue 15, item 4).
TEST(PlanRollbackTest, StoredDownSqlWithANulByteIsRefused) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.2.0");
  AppliedMigration* stored = FindApplied(&st, "0004_points");
  stored->down_sql = std::string("-- x\nDROP TABLE a;\0DROP TABLE b;\n", 33);
  stored->down_sha256 = Sha256Hex(stored->down_sql);
  Migration* m = FindMigration(&plan, "0004_points");
  m->down = Gone(m->down);
  auto r = PlanRollback(plan, st, "1.1.0", "shop:1.2.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_NE(r.status().message().find("down SQL of migration 0004_points stored in the database "
                                      "holds a NUL byte at line 2:14"),
            std::string::npos)
      << r.status().message();
}

TEST(PlanRollbackTest, SeedsAndMigrationsAreUndoneInReverseSeqOrder) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.1.0");
  // Applied in an order different from the manifest's (e.g. one added later).
  AppliedMigration late;
  late.release = "1.1.0";
  late.id = "0003b_late";
  late.down_sql = "-- down late\n";
  late.down_sha256 = Sha256Hex(late.down_sql);
  late.seq = 100;
  st.migrations.push_back(late);
  AppliedSeed late_seed;
  late_seed.release = "1.1.0";
  late_seed.id = "late_seed";
  late_seed.seq = 101;
  st.seeds.push_back(late_seed);
  auto r = PlanRollback(plan, st, "1.0.0", "shop:1.1.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                             "swap-image 1.0.0 shop:1.1.0 -> shop:1.0.0",
                             "undo-seed 1.1.0 late_seed",
                             "undo-seed 1.1.0 statuses",
                             "revert-migration 1.1.0 0003b_late",
                             "revert-migration 1.1.0 0003_orders",
                             "forget-release 1.1.0",
                         }));
}

TEST(PlanRollbackTest, SchemaFirstReleaseSwapsAfterItsDatabaseSteps) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.3.0");
  auto r = PlanRollback(plan, st, "previous", "shop:1.3.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                             "revert-migration 1.3.0 0006_split",
                             "forget-release 1.3.0",
                             "swap-image 1.2.0 shop:1.3.0 -> shop:1.2.0",
                         }));
  EXPECT_EQ(r->not_rolled_back, (std::vector<std::string>{"feature flags"}));
}

TEST(PlanRollbackTest, SchemaFirstNewestReleaseThenCodeFirstOlderOne) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.3.0");
  auto r = PlanRollback(plan, st, "1.1.0", "shop:1.3.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                             "revert-migration 1.3.0 0006_split",
                             "forget-release 1.3.0",
                             "swap-image 1.1.0 shop:1.3.0 -> shop:1.1.0",
                             "undo-seed 1.2.0 promo",
                             "undo-seed 1.2.0 tiers",
                             "revert-migration 1.2.0 0005_idx",
                             "revert-migration 1.2.0 0004_points",
                             "forget-release 1.2.0",
                         }));
}

TEST(PlanRollbackTest, SchemaFirstOlderReleaseSwapsAfterBoth) {
  Plan plan = ShopPlan();
  plan.policy.image_swaps = Policy::ImageSwaps::kOnce;
  plan.releases[3].order = ReleaseOrder::kCodeFirst;
  plan.releases[2].order = ReleaseOrder::kSchemaFirst;
  CurrentState st = StateAt(plan, "1.3.0");
  auto r = PlanRollback(plan, st, "1.1.0", "shop:1.3.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                             "revert-migration 1.3.0 0006_split",
                             "forget-release 1.3.0",
                             "undo-seed 1.2.0 promo",
                             "undo-seed 1.2.0 tiers",
                             "revert-migration 1.2.0 0005_idx",
                             "revert-migration 1.2.0 0004_points",
                             "forget-release 1.2.0",
                             "swap-image 1.1.0 shop:1.3.0 -> shop:1.1.0",
                         }));
}

TEST(PlanRollbackTest, WorksWhenTheCrossedReleasesManifestIsGone) {
  Plan full = ShopPlan();
  CurrentState st = StateAt(full, "1.3.0");
  Plan plan = full;
  plan.releases.resize(2);  // 1.2.0 and 1.3.0 are gone from the checkout entirely
  auto r = PlanRollback(plan, st, "1.1.0", "shop:1.3.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  // 1.3.0's order comes from the state: schema-first.
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                             "revert-migration 1.3.0 0006_split",
                             "forget-release 1.3.0",
                             "swap-image 1.1.0 shop:1.3.0 -> shop:1.1.0",
                             "undo-seed 1.2.0 promo",
                             "undo-seed 1.2.0 tiers",
                             "revert-migration 1.2.0 0005_idx",
                             "revert-migration 1.2.0 0004_points",
                             "forget-release 1.2.0",
                         }));
  const Step* revert = FindStep(*r, StepKind::kRevertMigration, "0006_split");
  ASSERT_NE(revert, nullptr);
  EXPECT_EQ(revert->sql, "-- down 0006_split\n");
  EXPECT_EQ(revert->sql_sha256, Sha256Hex("-- down 0006_split\n"));
  const Step* undo = FindStep(*r, StepKind::kUndoSeed, "tiers");
  ASSERT_NE(undo, nullptr);
  EXPECT_EQ(undo->sql, "DELETE FROM tiers;\n");
  // Nothing is known about what the gone manifests said stays.
  EXPECT_TRUE(r->not_rolled_back.empty());
}

TEST(PlanRollbackTest, TargetImageComesFromTheStateThenTheManifest) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.2.0");
  st.releases[1].image = "shop:1.1.0-as-deployed";
  auto r = PlanRollback(plan, st, "previous", "shop:1.2.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->steps.front().image_to, "shop:1.1.0-as-deployed");

  st.releases[1].image.clear();
  r = PlanRollback(plan, st, "previous", "shop:1.2.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->steps.front().image_to, "shop:1.1.0");
}

TEST(PlanRollbackTest, NoSwapWhenTheImageIsAlreadyTheTargets) {
  Plan plan = ShopPlan();
  auto r = PlanRollback(plan, StateAt(plan, "1.2.0"), "1.1.0", "shop:1.1.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(FindStep(*r, StepKind::kSwapImage, ""), nullptr);
  EXPECT_EQ(r->steps.size(), 5u);
}

// ---- image swaps at every release boundary (policy image_swaps: per-release, the default) -------

// The sample shop's orders: 1.3.0 code-first, 1.2.0 schema-first, 1.1.0 and 1.0.0 code-first.
Plan SampleOrders() {
  Plan plan = ShopPlan();
  plan.releases[3].order = ReleaseOrder::kCodeFirst;
  plan.releases[2].order = ReleaseOrder::kSchemaFirst;
  return plan;
}

TEST(PlanRollbackTest, PerReleaseSwapsKeepCodeAndSchemaCompatible) {
  Plan plan = SampleOrders();
  auto r = PlanRollback(plan, StateAt(plan, "1.3.0"), "1.1.0", "shop:1.3.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  // 1.2.0's code runs while 1.3.0 is reverted (1.3.0 is code-first); 1.2.0's code keeps running
  // while 1.2.0 is reverted (schema-first), then 1.1.0's image.
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                             "swap-image 1.2.0 shop:1.3.0 -> shop:1.2.0",
                             "revert-migration 1.3.0 0006_split",
                             "forget-release 1.3.0",
                             "undo-seed 1.2.0 promo",
                             "undo-seed 1.2.0 tiers",
                             "revert-migration 1.2.0 0005_idx",
                             "revert-migration 1.2.0 0004_points",
                             "forget-release 1.2.0",
                             "swap-image 1.1.0 shop:1.2.0 -> shop:1.1.0",
                         }));
  EXPECT_EQ(r->steps[0].why,
            "1.3.0 is code-first: 1.2.0's code runs on 1.3.0's schema while it is reverted");
  EXPECT_EQ(r->steps.back().why,
            "1.2.0 is schema-first: 1.2.0's code runs on 1.1.0's schema, so 1.1.0's image comes "
            "after it is reverted");
  EXPECT_FALSE(r->steps[0].transactional);
}

TEST(PlanRollbackTest, AdjacentSwapsCollapseIntoOne) {
  Plan plan = SampleOrders();
  auto r = PlanRollback(plan, StateAt(plan, "1.3.0"), "1.0.0", "shop:1.3.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  // After 1.2.0 (schema-first) is reverted 1.1.0's image is due, and 1.1.0 (code-first) wants
  // 1.0.0's before its own steps: one swap 1.2.0 -> 1.0.0 with both reasons.
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                             "swap-image 1.2.0 shop:1.3.0 -> shop:1.2.0",
                             "revert-migration 1.3.0 0006_split",
                             "forget-release 1.3.0",
                             "undo-seed 1.2.0 promo",
                             "undo-seed 1.2.0 tiers",
                             "revert-migration 1.2.0 0005_idx",
                             "revert-migration 1.2.0 0004_points",
                             "forget-release 1.2.0",
                             "swap-image 1.0.0 shop:1.2.0 -> shop:1.0.0",
                             "undo-seed 1.1.0 statuses",
                             "revert-migration 1.1.0 0003_orders",
                             "forget-release 1.1.0",
                         }));
  const Step& collapsed = r->steps[8];
  EXPECT_TRUE(Contains(collapsed.why, "1.2.0 is schema-first")) << collapsed.why;
  EXPECT_TRUE(Contains(collapsed.why, "; then 1.1.0 is code-first: 1.0.0's code runs on 1.1.0's"))
      << collapsed.why;
}

TEST(PlanRollbackTest, PerReleaseCodeFirstReleasesSwapBeforeEach) {
  Plan plan = ShopPlan();
  auto r = PlanRollback(plan, StateAt(plan, "1.2.0"), "1.0.0", "shop:1.2.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                             "swap-image 1.1.0 shop:1.2.0 -> shop:1.1.0",
                             "undo-seed 1.2.0 promo",
                             "undo-seed 1.2.0 tiers",
                             "revert-migration 1.2.0 0005_idx",
                             "revert-migration 1.2.0 0004_points",
                             "forget-release 1.2.0",
                             "swap-image 1.0.0 shop:1.1.0 -> shop:1.0.0",
                             "undo-seed 1.1.0 statuses",
                             "revert-migration 1.1.0 0003_orders",
                             "forget-release 1.1.0",
                         }));
}

TEST(PlanRollbackTest, ASwapToTheRunningImageIsLeftOut) {
  // A resumed rollback: the first swap took effect, 1.3.0 is not reverted yet.
  Plan plan = SampleOrders();
  auto r = PlanRollback(plan, StateAt(plan, "1.3.0"), "1.1.0", "shop:1.2.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->steps.front().kind, StepKind::kRevertMigration);
  EXPECT_EQ(Summary(*r).back(), "swap-image 1.1.0 shop:1.2.0 -> shop:1.1.0");
  // A swap that would end where it started disappears.
  r = PlanRollback(plan, StateAt(plan, "1.3.0"), "1.0.0", "shop:1.0.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<std::string> swaps;
  for (const auto& line : Summary(*r))
    if (line.rfind("swap-image", 0) == 0) swaps.push_back(line);
  EXPECT_EQ(swaps, (std::vector<std::string>{"swap-image 1.2.0 shop:1.0.0 -> shop:1.2.0",
                                             "swap-image 1.0.0 shop:1.2.0 -> shop:1.0.0"}));
}

TEST(PlanRollbackTest, ImageSwapsOnceSwapsFirstOrAfterTheOldestSchemaFirst) {
  Plan plan = SampleOrders();
  plan.policy.image_swaps = Policy::ImageSwaps::kOnce;
  auto r = PlanRollback(plan, StateAt(plan, "1.3.0"), "1.0.0", "shop:1.3.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<std::string> summary = Summary(*r);
  ASSERT_EQ(summary.size(), 11u);
  EXPECT_EQ(summary[7], "swap-image 1.0.0 shop:1.3.0 -> shop:1.0.0");  // after 1.2.0's steps
  EXPECT_TRUE(Contains(r->steps[7].why, "policy image_swaps: once")) << r->steps[7].why;
}

TEST(PlanDeployTest, PerReleaseSwapsMirrorTheRollback) {
  Plan plan = SampleOrders();
  auto r = PlanDeploy(plan, StateAt(plan, "1.0.0"), "", "shop:1.0.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  // 1.1.0 code-first: its schema, then its image; 1.2.0 schema-first: its image, then its schema
  // (adjacent to 1.1.0's swap: one swap); 1.3.0 code-first: its schema, then its image.
  EXPECT_EQ(Summary(*r), (std::vector<std::string>{
                             "apply-migration 1.1.0 0003_orders",
                             "run-seed 1.1.0 statuses",
                             "record-release 1.1.0",
                             "swap-image 1.2.0 shop:1.0.0 -> shop:1.2.0",
                             "apply-migration 1.2.0 0004_points",
                             "apply-migration 1.2.0 0005_idx",
                             "run-seed 1.2.0 tiers",
                             "run-seed 1.2.0 promo",
                             "record-release 1.2.0",
                             "apply-migration 1.3.0 0006_split",
                             "record-release 1.3.0",
                             "swap-image 1.3.0 shop:1.2.0 -> shop:1.3.0",
                         }));
  EXPECT_TRUE(Contains(r->steps[3].why, "1.1.0 is code-first")) << r->steps[3].why;
  EXPECT_TRUE(Contains(r->steps[3].why, "1.2.0 is schema-first: its code runs on 1.1.0's schema"))
      << r->steps[3].why;

  plan.policy.image_swaps = Policy::ImageSwaps::kOnce;
  r = PlanDeploy(plan, StateAt(plan, "1.0.0"), "", "shop:1.0.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Summary(*r).back(), "swap-image 1.3.0 shop:1.0.0 -> shop:1.3.0");
  EXPECT_EQ(r->steps.size(), 11u);  // one swap, at the end
}

TEST(PlanRollbackTest, ToTheCurrentReleaseIsAnEmptyPlan) {
  Plan plan = ShopPlan();
  auto r = PlanRollback(plan, StateAt(plan, "1.2.0"), "1.2.0", "shop:1.2.0");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->empty());
  EXPECT_TRUE(r->not_rolled_back.empty());
}

TEST(PlanRollbackTest, IrreversibleMigrationNeedsAHuman) {
  Plan plan = ShopPlan();
  Migration* m = FindMigration(&plan, "0004_points");
  m->irreversible = true;
  m->down = SqlFile{};
  CurrentState st = StateAt(plan, "1.2.0");
  auto r = PlanRollback(plan, st, "1.1.0", "shop:1.2.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNeedsHuman);
  EXPECT_TRUE(Contains(r.status().message(), "0004_points")) << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "irreversible")) << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "1.2.0")) << r.status().message();

  // A rollback that does not cross it is fine.
  st = StateAt(plan, "1.3.0");
  EXPECT_TRUE(PlanRollback(plan, st, "1.2.0", "shop:1.3.0").ok());
}

TEST(PlanRollbackTest, UnknownTargetListsTheKnownVersions) {
  Plan plan = ShopPlan();
  auto r = PlanRollback(plan, StateAt(plan, "1.2.0"), "0.9.0", "shop:1.2.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_EQ(r.status().message(),
            "version 0.9.0 is not a release in plan.yaml (known: 1.0.0, 1.1.0, 1.2.0, 1.3.0)");
}

TEST(PlanRollbackTest, NewerTargetSuggestsDeploy) {
  Plan plan = ShopPlan();
  auto r = PlanRollback(plan, StateAt(plan, "1.1.0"), "1.3.0", "shop:1.1.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_TRUE(Contains(r.status().message(), "newer than the current release 1.1.0"))
      << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "orchestrate deploy plan.yaml --to 1.3.0"))
      << r.status().message();
}

TEST(PlanRollbackTest, NeverDeployedTargetIsInvalid) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.2.0");
  // 1.0.0 was never recorded in this database (it was first deployed at 1.1.0).
  st.releases.erase(st.releases.begin());
  auto r = PlanRollback(plan, st, "1.0.0", "shop:1.2.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_TRUE(Contains(r.status().message(), "1.0.0 was never deployed to this database"))
      << r.status().message();
}

TEST(PlanRollbackTest, NothingDeployedIsNothingToDo) {
  Plan plan = ShopPlan();
  auto r = PlanRollback(plan, CurrentState{}, "previous", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNothingToDo);
  r = PlanRollback(plan, CurrentState{}, "1.0.0", "");
  EXPECT_EQ(r.status().code(), Code::kNothingToDo);
}

TEST(PlanRollbackTest, OnlyOneReleaseDeployedHasNoPrevious) {
  Plan plan = ShopPlan();
  auto r = PlanRollback(plan, StateAt(plan, "1.0.0"), "previous", "shop:1.0.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_TRUE(Contains(r.status().message(), "there is no previous release"))
      << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "1.0.0")) << r.status().message();
}

TEST(PlanRollbackTest, DriftNeedsAHuman) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.2.0");
  Migration* m = FindMigration(&plan, "0004_points");
  m->up = Sql(m->up.path, "-- edited\n");
  auto r = PlanRollback(plan, st, "previous", "shop:1.2.0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNeedsHuman);
}

// ---- fingerprint --------------------------------------------------------------------------------

TEST(FingerprintTest, StableForEqualInputs) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.1.0");
  auto a = PlanDeploy(plan, st, "", "shop:1.1.0");
  auto b = PlanDeploy(ShopPlan(), StateAt(ShopPlan(), "1.1.0"), "", "shop:1.1.0");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->fingerprint, b->fingerprint);
  EXPECT_EQ(a->fingerprint, FingerprintOf(*a));

  auto c = PlanRollback(plan, StateAt(plan, "1.3.0"), "1.0.0", "shop:1.3.0");
  auto d = PlanRollback(plan, StateAt(plan, "1.3.0"), "1.0.0", "shop:1.3.0");
  ASSERT_TRUE(c.ok() && d.ok());
  EXPECT_EQ(c->fingerprint, d->fingerprint);
  EXPECT_NE(c->fingerprint, a->fingerprint);
}

TEST(FingerprintTest, ChangesWithADownSqlChecksum) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.1.0");
  auto before = PlanDeploy(plan, st, "", "shop:1.1.0");
  Migration* m = FindMigration(&plan, "0004_points");
  m->down = Sql(m->down.path, "-- a different down\n");
  auto after = PlanDeploy(plan, st, "", "shop:1.1.0");
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_NE(before->fingerprint, after->fingerprint);
}

TEST(FingerprintTest, ChangesWithTheStoredDownSql) {
  Plan plan = ShopPlan();
  CurrentState st = StateAt(plan, "1.2.0");
  auto before = PlanRollback(plan, st, "previous", "shop:1.2.0");
  AppliedMigration* a = FindApplied(&st, "0004_points");
  a->down_sql = "-- other down\n";
  a->down_sha256 = Sha256Hex(a->down_sql);
  Migration* m = FindMigration(&plan, "0004_points");
  m->down = Gone(m->down);  // no drift: the file is gone
  auto after = PlanRollback(plan, st, "previous", "shop:1.2.0");
  ASSERT_TRUE(before.ok()) << before.status().message();
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_NE(before->fingerprint, after->fingerprint);
}

TEST(FingerprintTest, ChangesWithTheTarget) {
  Plan plan = ShopPlan();
  auto to12 = PlanDeploy(plan, CurrentState{}, "1.2.0", "");
  auto to13 = PlanDeploy(plan, CurrentState{}, "1.3.0", "");
  ASSERT_TRUE(to12.ok() && to13.ok());
  EXPECT_NE(to12->fingerprint, to13->fingerprint);

  CurrentState st = StateAt(plan, "1.3.0");
  auto back10 = PlanRollback(plan, st, "1.0.0", "shop:1.3.0");
  auto back11 = PlanRollback(plan, st, "1.1.0", "shop:1.3.0");
  ASSERT_TRUE(back10.ok() && back11.ok());
  EXPECT_NE(back10->fingerprint, back11->fingerprint);

  // Even two empty plans differ by their versions.
  RunPlan x, y;
  x.to_version = "1.0.0";
  y.to_version = "1.1.0";
  EXPECT_NE(FingerprintOf(x), FingerprintOf(y));
}

TEST(FingerprintTest, FieldsCannotBleedIntoEachOther) {
  // Length-prefixed fields: moving a character from one field to the next changes the fingerprint.
  RunPlan x, y;
  x.from_version = "1.0.0";
  x.to_version = "1.1.0";
  y.from_version = "1.0.01";
  y.to_version = ".1.0";
  EXPECT_NE(FingerprintOf(x), FingerprintOf(y));
}

}  // namespace
}  // namespace orchestrate
