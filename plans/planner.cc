#include "plans/planner.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "plans/names.h"
#include "plans/sha256.h"

namespace orchestrate {
namespace {

struct KindName {
  StepKind kind;
  const char* name;
};
constexpr KindName kKindNames[] = {
    {StepKind::kApplyMigration, "apply-migration"},
    {StepKind::kRevertMigration, "revert-migration"},
    {StepKind::kRunSeed, "run-seed"},
    {StepKind::kUndoSeed, "undo-seed"},
    {StepKind::kRecordRelease, "record-release"},
    {StepKind::kForgetRelease, "forget-release"},
    {StepKind::kSwapImage, "swap-image"},
};

std::string KnownVersions(const Plan& plan) {
  std::string out;
  for (const auto& r : plan.releases) out += (out.empty() ? "" : ", ") + r.version;
  return out.empty() ? "none" : out;
}

// SQL stored in the database at deploy time (by a version that did not refuse NUL bytes in SQL
// files) that holds a NUL: it would be cut short where it runs, so it is refused before anything
// runs, like such a file at load time.
Status CheckStoredSql(const std::string& sql, const std::string& what) {
  size_t at = sql.find('\0');
  if (at == std::string::npos) return Status::Ok();
  size_t line = 1 + static_cast<size_t>(std::count(sql.begin(), sql.begin() + at, '\n'));
  size_t col = at - (sql.rfind('\n', at) == std::string::npos ? 0 : sql.rfind('\n', at) + 1) + 1;
  return Status::Invalid("the " + what + " stored in the database holds a NUL byte at line " +
                         std::to_string(line) + ":" + std::to_string(col) +
                         ": it would end the script there and what follows would silently not "
                         "run; nothing was changed");
}

Status MissingFile(const SqlFile& f, const std::string& what, const std::string& owner) {
  return Status::Invalid(f.pos.str() + ": the " + what + " file of " + owner + " (" + f.path +
                         ") does not exist: restore it or fix the path");
}

Status CheckDrift(const Plan& plan, const CurrentState& state) {
  auto drift = DetectDrift(plan, state);
  if (drift.empty()) return Status::Ok();
  std::string msg = "refusing to plan: applied migrations differ from their files (drift):";
  for (const auto& d : drift) msg += "\n  " + d;
  msg +=
      "\nrestore the files to what was applied (a released migration must not change; add a new "
      "migration instead)";
  return Status::NeedsHuman(msg);
}

const DeployedRelease* FindDeployed(const CurrentState& state, const std::string& version) {
  for (const auto& r : state.releases)
    if (r.version == version) return &r;
  return nullptr;
}

// Appends image swaps to a sequence of steps, tracking which image runs: a swap to the image
// already running is left out, and a swap right after another swap extends it (adjacent swaps
// collapse into one; one that ends where it started disappears).
class SwapSequence {
 public:
  SwapSequence(std::vector<Step>* steps, std::string running)
      : steps_(steps), running_(std::move(running)) {}

  void SwapTo(const std::string& image, const std::string& release, const std::string& why) {
    if (image.empty() || image == running_) return;
    if (!steps_->empty() && steps_->back().kind == StepKind::kSwapImage) {
      Step& last = steps_->back();
      last.image_to = image;
      last.release = release;
      last.why += "; then " + why;
      if (last.image_to == last.image_from) steps_->pop_back();
    } else {
      Step s;
      s.kind = StepKind::kSwapImage;
      s.release = release;
      s.transactional = false;
      s.image_from = running_;
      s.image_to = image;
      s.why = why;
      steps_->push_back(std::move(s));
    }
    running_ = image;
  }

 private:
  std::vector<Step>* steps_;
  std::string running_;
};

}  // namespace

const char* StepKindName(StepKind kind) {
  for (const auto& kn : kKindNames)
    if (kn.kind == kind) return kn.name;
  return "unknown";
}

bool StepKindFromName(const std::string& name, StepKind* kind) {
  for (const auto& kn : kKindNames) {
    if (name == kn.name) {
      *kind = kn.kind;
      return true;
    }
  }
  return false;
}

namespace {
constexpr std::pair<Direction, const char*> kDirections[] = {{Direction::kDeploy, "deploy"},
                                                             {Direction::kRollback, "rollback"}};
}  // namespace

const char* DirectionName(Direction direction) {
  return NameIn(kDirections, direction, "rollback");
}
std::optional<Direction> DirectionFromName(std::string_view name) {
  return FromNameIn(kDirections, name);
}

std::string FingerprintOf(const RunPlan& plan) {
  // Canonical, length-prefixed fields so that no two different plans serialize alike.
  std::string canon;
  auto field = [&canon](const std::string& s) {
    canon += std::to_string(s.size());
    canon += ':';
    canon += s;
  };
  field(DirectionName(plan.direction));
  field(plan.app);
  field(plan.from_version);
  field(plan.to_version);
  for (const auto& s : plan.steps) {
    field(StepKindName(s.kind));
    field(s.release);
    field(s.id);
    field(s.sql_sha256);
    field(s.transactional ? "t" : "n");
    field(s.down_sha256);
    field(s.has_undo ? "u" : "-");
    field(s.irreversible ? "i" : "-");
    if (s.auto_down) field("auto-down");  // only then, so other plans keep their fingerprints
    field(s.image_from);
    field(s.image_to);
    for (const auto& t : s.tables) {
      field("table " + t.name);
      for (const auto& k : t.key) field("key " + k);
    }
  }
  return Sha256Hex(canon);
}

std::vector<std::string> DetectDrift(const Plan& plan, const CurrentState& state) {
  std::map<std::string, const Migration*> by_id;
  for (const auto& rel : plan.releases)
    for (const auto& m : rel.migrations) by_id[m.id] = &m;
  std::vector<std::string> out;
  for (const auto& a : state.migrations) {
    auto it = by_id.find(a.id);
    if (it == by_id.end()) continue;  // the file is gone: the stored SQL is the truth
    const Migration& m = *it->second;
    if (m.up.present && m.up.sha256 != a.up_sha256)
      out.push_back(m.up.pos.str() + ": migration " + a.id + " (" + a.release + "): " + m.up.path +
                    " changed since it was applied (sha256 " + a.up_sha256.substr(0, 12) + " -> " +
                    m.up.sha256.substr(0, 12) + ")");
    if (!m.irreversible && !m.auto_down && !a.irreversible && m.down.present &&
        m.down.sha256 != a.down_sha256)
      out.push_back(m.down.pos.str() + ": migration " + a.id + " (" + a.release +
                    "): " + m.down.path + " changed since it was applied (sha256 " +
                    a.down_sha256.substr(0, 12) + " -> " + m.down.sha256.substr(0, 12) + ")");
  }
  return out;
}

Result<RunPlan> PlanDeploy(const Plan& plan, const CurrentState& state, const std::string& target,
                           const std::string& current_image) {
  if (plan.releases.empty()) return Status::Invalid(plan.file + ": the plan has no releases");
  int target_idx =
      target.empty() ? static_cast<int>(plan.releases.size()) - 1 : plan.IndexOf(target);
  if (target_idx < 0)
    return Status::Invalid("version " + target + " is not a release in " + plan.file +
                           " (known: " + KnownVersions(plan) + ")");
  const Release& to = plan.releases[static_cast<size_t>(target_idx)];

  RunPlan out;
  out.direction = Direction::kDeploy;
  out.app = plan.app;
  out.to_version = to.version;
  if (auto cur = state.current_version()) {
    out.from_version = *cur;
    int cur_idx = plan.IndexOf(*cur);
    if (cur_idx < 0)
      return Status::Invalid("the database is at release " + *cur + ", which " + plan.file +
                             " does not list: restore its manifest, or roll back to a listed "
                             "release first");
    if (cur_idx > target_idx)
      return Status::Invalid("version " + to.version + " is older than the current release " +
                             *cur + ": use `orchestrate rollback " + plan.file + " --to " +
                             to.version + "`");
  }
  ORCH_RETURN_IF_ERROR(CheckDrift(plan, state));

  std::set<std::string> applied, seeded;
  for (const auto& m : state.migrations) applied.insert(m.id);
  for (const auto& s : state.seeds) seeded.insert(s.id);

  // Nothing may be slipped in below the current release: a release (or a migration of one)
  // older than what is deployed but never applied would run after newer ones and be recorded as
  // current. Like Flyway without outOfOrder, refuse and say what to do.
  if (!out.from_version.empty()) {
    int cur_idx = plan.IndexOf(out.from_version);
    for (int i = 0; i <= cur_idx; ++i) {
      const Release& rel = plan.releases[static_cast<size_t>(i)];
      std::string missing;
      if (!FindDeployed(state, rel.version)) missing = "release " + rel.version;
      for (const auto& m : rel.migrations)
        if (missing.empty() && !applied.count(m.id)) missing = "migration " + m.id;
      for (const auto& s : rel.seeds)
        if (missing.empty() && !seeded.count(s.id)) missing = "seed " + s.id;
      if (!missing.empty())
        return Status::NeedsHuman(
            rel.pos.str() + ": " + missing + " (release " + rel.version +
            ") is not applied, but the database is already at the newer release " +
            out.from_version + ": give the change a version newer than " + out.from_version +
            ", or roll back below " + rel.version + " first");
    }
  }

  // The mirror of the rollback rule: each release deployed by this run is a compatibility boundary
  // (planner.h). A first deploy has no running code to stay compatible with: one swap at the end.
  const int cur_idx = out.from_version.empty() ? -1 : plan.IndexOf(out.from_version);
  const bool per_release =
      plan.policy.image_swaps == Policy::ImageSwaps::kPerRelease && cur_idx >= 0;
  SwapSequence swaps(&out.steps, current_image);
  for (int i = 0; i <= target_idx; ++i) {
    const Release& rel = plan.releases[static_cast<size_t>(i)];
    const bool boundary = per_release && i > cur_idx;
    const std::string prev = i > 0 ? plan.releases[static_cast<size_t>(i) - 1].version : "";
    if (boundary && rel.order == ReleaseOrder::kSchemaFirst)
      swaps.SwapTo(rel.image, rel.version,
                   rel.version + " is schema-first: its code runs on " + prev +
                       "'s schema, so its image comes before its database steps");
    for (const auto& m : rel.migrations) {
      if (applied.count(m.id)) continue;
      std::string owner = "migration " + m.id;
      if (!m.up.present) return MissingFile(m.up, "up", owner);
      if (!m.irreversible && !m.auto_down && !m.down.present)
        return MissingFile(m.down, "down", owner);
      Step s;
      s.kind = StepKind::kApplyMigration;
      s.release = rel.version;
      s.id = m.id;
      s.sql = m.up.text;
      s.sql_sha256 = m.up.sha256;
      s.transactional = m.transactional;
      s.irreversible = m.irreversible;
      s.auto_down = m.auto_down;
      if (m.auto_down) {
        s.note = "down: auto: its down SQL is generated while it runs";
      } else if (!m.irreversible) {
        s.down_sql = m.down.text;
        s.down_sha256 = m.down.sha256;
      } else {
        s.note = "irreversible: it has no down migration";
      }
      out.steps.push_back(std::move(s));
    }
    for (const auto& seed : rel.seeds) {
      if (seeded.count(seed.id)) continue;
      std::string owner = "seed " + seed.id;
      if (!seed.sql.present) return MissingFile(seed.sql, "sql", owner);
      if (seed.undo && !seed.undo->present) return MissingFile(*seed.undo, "undo", owner);
      Step s;
      s.kind = StepKind::kRunSeed;
      s.release = rel.version;
      s.id = seed.id;
      s.sql = seed.sql.text;
      s.sql_sha256 = seed.sql.sha256;
      for (const auto& t : seed.tables) {
        auto key = seed.keys.find(t);
        s.tables.push_back({t, key == seed.keys.end() ? std::vector<std::string>{} : key->second});
      }
      if (seed.undo) {
        s.has_undo = true;
        s.down_sql = seed.undo->text;
        s.down_sha256 = seed.undo->sha256;
      }
      out.steps.push_back(std::move(s));
    }
    if (!FindDeployed(state, rel.version)) {
      Step s;
      s.kind = StepKind::kRecordRelease;
      s.release = rel.version;
      s.image_to = rel.image;
      s.order = Name(rel.order);
      out.steps.push_back(std::move(s));
    }
    if (boundary && rel.order == ReleaseOrder::kCodeFirst)
      swaps.SwapTo(rel.image, rel.version,
                   rel.version + " is code-first: " + prev + "'s code runs on its schema, so its " +
                       "image comes after its database steps");
  }
  swaps.SwapTo(to.image, to.version,
               per_release   ? "the running image is not " + to.version + "'s"
               : cur_idx < 0 ? "first deploy: the image moves once, after the database steps"
                             : "policy image_swaps: once: the image moves after the database "
                               "steps");
  out.fingerprint = FingerprintOf(out);
  return out;
}

Result<RunPlan> PlanRollback(const Plan& plan, const CurrentState& state, const std::string& target,
                             const std::string& current_image, bool accept_data_loss) {
  auto cur = state.current_version();
  if (!cur) return Status::NothingToDo("nothing is deployed: there is nothing to roll back");
  std::string to_version = target;
  // "none": back to before the first release (unless a release is really named so).
  const bool to_nothing =
      target == kRollbackToNothing && !FindDeployed(state, target) && plan.IndexOf(target) < 0;
  if (MeansPreviousRelease(target)) {
    if (state.releases.size() < 2)
      return Status::Invalid("there is no previous release: " + *cur +
                             " is the first release deployed to this database (`--to " +
                             kRollbackToNothing + "` reverts it too)");
    to_version = state.releases[state.releases.size() - 2].version;
  }
  const DeployedRelease* to = FindDeployed(state, to_version);
  if (!to && !to_nothing) {
    int idx = plan.IndexOf(to_version);
    if (idx < 0)
      return Status::Invalid("version " + to_version + " is not a release in " + plan.file +
                             " (known: " + KnownVersions(plan) + ")");
    int cur_idx = plan.IndexOf(*cur);
    if (cur_idx >= 0 && idx > cur_idx)
      return Status::Invalid("version " + to_version + " is newer than the current release " +
                             *cur + ": use `orchestrate deploy " + plan.file + " --to " +
                             to_version + "`");
    return Status::Invalid("version " + to_version +
                           " was never deployed to this database, so it cannot be rolled back "
                           "to (deployed: see `orchestrate status`)");
  }

  RunPlan out;
  out.direction = Direction::kRollback;
  out.app = plan.app;
  out.from_version = *cur;
  out.to_version = to_version;
  ORCH_RETURN_IF_ERROR(CheckDrift(plan, state));

  // Releases deployed after the target, newest first.
  std::vector<const DeployedRelease*> crossed;
  for (auto it = state.releases.rbegin(); it != state.releases.rend(); ++it) {
    if (!to_nothing && it->version == to_version) break;
    crossed.push_back(&*it);
  }

  // Each release's seeds and migrations, newest first, and its manifest: looked up once, so that
  // a rollback across many releases stays linear.
  std::unordered_map<std::string, std::vector<const AppliedSeed*>> seeds_of;
  for (auto it = state.seeds.rbegin(); it != state.seeds.rend(); ++it)
    seeds_of[it->release].push_back(&*it);
  std::unordered_map<std::string, std::vector<const AppliedMigration*>> migrations_of;
  for (auto it = state.migrations.rbegin(); it != state.migrations.rend(); ++it)
    migrations_of[it->release].push_back(&*it);
  std::unordered_map<std::string, const Release*> manifest_of;
  for (const auto& r : plan.releases) manifest_of.emplace(r.version, &r);

  // The image each release ran with: recorded when it was deployed, else its manifest's.
  auto image_of = [&](const DeployedRelease& r) {
    if (!r.image.empty()) return r.image;
    auto m = manifest_of.find(r.version);
    return m == manifest_of.end() ? std::string() : m->second->image;
  };
  const bool per_release = plan.policy.image_swaps == Policy::ImageSwaps::kPerRelease;
  std::vector<Step> db_steps;
  size_t swap_after = 0;  // image_swaps once: the number of db steps before the image swap
  SwapSequence swaps(&db_steps, current_image);
  for (size_t c = 0; c < crossed.size(); ++c) {
    const DeployedRelease* rel = crossed[c];
    // The release deployed before this one: the next crossed one, or the target (none: the
    // first release has no image to go back to, and keeps its own).
    if (!to && c + 1 == crossed.size()) {
      out.not_rolled_back.push_back(
          "the image: no release before " + rel->version + " to swap back to, so " +
          (image_of(*rel).empty() ? "the running image" : image_of(*rel)) + " keeps running");
    }
    static const DeployedRelease kNothing;
    const DeployedRelease& prev = c + 1 < crossed.size() ? *crossed[c + 1] : to ? *to : kNothing;
    // An order this build does not know (a newer one recorded it) reads as code-first, as before.
    bool schema_first = ReleaseOrderFromName(rel->order) == ReleaseOrder::kSchemaFirst;
    auto manifest = manifest_of.find(rel->version);
    const Release* m = manifest == manifest_of.end() ? nullptr : manifest->second;
    if (m) schema_first = m->order == ReleaseOrder::kSchemaFirst;
    if (per_release && !schema_first)
      swaps.SwapTo(image_of(prev), prev.version,
                   rel->version + " is code-first: " + prev.version + "'s code runs on " +
                       rel->version + "'s schema while it is reverted");
    for (const AppliedSeed* it : seeds_of[rel->version]) {
      Step s;
      s.kind = StepKind::kUndoSeed;
      s.release = rel->version;
      s.id = it->id;
      s.has_undo = it->has_undo;
      if (it->has_undo) {
        ORCH_RETURN_IF_ERROR(CheckStoredSql(it->undo_sql, "undo SQL of seed " + it->id));
        s.sql = it->undo_sql;
        s.sql_sha256 = Sha256Hex(it->undo_sql);
      }
      db_steps.push_back(std::move(s));
    }
    for (const AppliedMigration* it : migrations_of[rel->version]) {
      if (it->irreversible && !accept_data_loss)
        return Status::NeedsHuman(
            "migration " + it->id + " of release " + rel->version +
            " is irreversible (down: irreversible): it cannot be rolled back; "
            "roll back to " +
            rel->version +
            " or newer, or pass --accept-data-loss to leave its changes in "
            "place and forget it");
      Step s;
      s.kind = StepKind::kRevertMigration;
      s.release = rel->version;
      s.id = it->id;
      if (it->irreversible) {
        // Accepted: nothing runs; the migration is forgotten and its changes stay.
        s.irreversible = true;
        s.note = "irreversible: its changes stay (--accept-data-loss)";
        db_steps.push_back(std::move(s));
        continue;
      }
      ORCH_RETURN_IF_ERROR(CheckStoredSql(it->down_sql, "down SQL of migration " + it->id));
      s.sql = it->down_sql;
      if (it->down_sql.rfind(kGeneratedDownHeader, 0) == 0)
        s.note = "its down SQL was generated at deploy (down: auto)";
      if (!it->dropped_preexisting.empty()) {
        std::string objects;
        for (const auto& o : it->dropped_preexisting)
          objects += (objects.empty() ? "" : ", ") + o.kind + " " + o.name;
        if (plan.policy.keep_preexisting_extensions) {
          s.sql = it->down_sql_keeping_preexisting;
          s.note = "keeps " + objects +
                   ": the up found it already there (policy keep_preexisting_extensions)";
        } else {
          s.note = "drops " + objects +
                   ", which the up found already there (keep_preexisting_extensions: false)";
        }
      }
      s.sql_sha256 = Sha256Hex(s.sql);  // of what will run, not what was recorded
      s.transactional = it->transactional;
      db_steps.push_back(std::move(s));
    }
    Step f;
    f.kind = StepKind::kForgetRelease;
    f.release = rel->version;
    db_steps.push_back(std::move(f));
    if (per_release && schema_first)
      swaps.SwapTo(image_of(prev), prev.version,
                   rel->version + " is schema-first: " + rel->version + "'s code runs on " +
                       prev.version + "'s schema, so " + prev.version +
                       "'s image comes after it is reverted");
    if (schema_first) swap_after = db_steps.size();
    if (m)
      out.not_rolled_back.insert(out.not_rolled_back.end(), m->not_rolled_back.begin(),
                                 m->not_rolled_back.end());
  }

  if (per_release) {
    out.steps = std::move(db_steps);
  } else {
    // policy image_swaps: once. The image recorded when the target was deployed is what ran then.
    SwapSequence once(&out.steps, current_image);
    for (size_t i = 0; i <= db_steps.size(); ++i) {
      if (i == swap_after && !crossed.empty() && to)
        once.SwapTo(image_of(*to), to_version,
                    swap_after == 0 ? "policy image_swaps: once: first, before the database steps"
                                    : "policy image_swaps: once: after the oldest schema-first "
                                      "release is reverted");
      if (i < db_steps.size()) out.steps.push_back(std::move(db_steps[i]));
    }
  }
  out.fingerprint = FingerprintOf(out);
  return out;
}

}  // namespace orchestrate
