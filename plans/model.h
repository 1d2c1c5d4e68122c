// The manifest model: what plan.yaml and the release manifests say, after parsing, ${VAR}
// expansion and validation. Plain values; no I/O happens through these types.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plans/expand.h"

namespace orchestrate {

// Where a value came from, for error messages: "plan.yaml:12:5".
struct SourcePos {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
  std::string str() const;
};

// A SQL file referenced by a manifest. The text is read at load time; a file that is missing is
// recorded (present == false) rather than failing the load, because a rollback must still work
// from the SQL stored in the database after a newer release's files are gone.
struct SqlFile {
  std::string path;  // as resolved (relative paths are resolved against the manifest's folder)
  bool present = false;
  std::string text;
  std::string sha256;  // of text, lowercase hex; empty when not present
  SourcePos pos;       // where the manifest names it
};

// The SQL a migration (or seed) runs on one kind of database instead of its own, where the
// dialects differ (`mysql: {up: ..., down: ...}`; a seed's `sql:` and `undo:` are its up and down):
// a file not named keeps the default. SelectDialectSql puts the files of a database's dialect in
// place.
struct DialectSql {
  std::optional<SqlFile> up, down;
};

// The dialect names a migration or seed may name SQL for: "postgresql", "sqlite", "mysql".
const std::vector<std::string>& SqlDialectNames();

struct Migration {
  std::string id;
  SqlFile up;
  SqlFile down;  // unused when irreversible
  // By dialect name (SqlDialectNames); `base_up`, `base_down`: the default files, kept while
  // SelectDialectSql replaces `up` and `down` (set only when `per_dialect` is not empty).
  std::map<std::string, DialectSql> per_dialect;
  SqlFile base_up, base_down;
  bool irreversible = false;  // `down: irreversible`
  // `down: auto`: no down file; the down SQL is generated at deploy, inside the up's transaction,
  // from the catalog before and after each up statement (migrations/auto_down.h). `down.pos` is
  // where the manifest says so.
  bool auto_down = false;
  bool transactional = true;
  SourcePos pos;
};

struct Seed {
  std::string id;
  // The tables the seed may write to: the row ledger records every row it inserts, updates or
  // deletes in them, and a write to any other table fails the seed.
  std::vector<std::string> tables;
  // `key:` columns declared for a table (`tables: [{name: t, key: [a, b]}]`): how the ledger finds
  // a row again in a table without a primary key. Empty for tables keyed by their primary key.
  std::map<std::string, std::vector<std::string>> keys;
  SqlFile sql;
  std::optional<SqlFile> undo;
  // As Migration::per_dialect: up is `sql`, down is `undo`.
  std::map<std::string, DialectSql> per_dialect;
  SqlFile base_sql;
  std::optional<SqlFile> base_undo;
  SourcePos pos;
};

// `order:` of a release (docs/manifest.md, "Order"), also stored per deployed release.
enum class ReleaseOrder { kCodeFirst, kSchemaFirst };
const char* Name(ReleaseOrder order);  // "code-first", "schema-first"
// nullopt for a name this build does not know (here and in every FromName below).
std::optional<ReleaseOrder> ReleaseOrderFromName(std::string_view name);

struct Release {
  std::string version;
  std::string image;
  ReleaseOrder order = ReleaseOrder::kCodeFirst;
  std::vector<Migration> migrations;
  std::vector<Seed> seeds;
  std::vector<std::string> not_rolled_back;
  std::string file;    // the manifest file
  std::string sha256;  // of the manifest text
  SourcePos pos;
  SourcePos version_pos;  // of the `version:` value
};

// `deployer: {kind: ...}`: how an environment's image is swapped (orchestrator/deployer.h).
enum class DeployerKind { kFile, kCommand, kKubectl, kHelm, kSsm, kGitops };
const char* Name(DeployerKind kind);  // "file", "command", "kubectl", "helm", "ssm", "gitops"
std::optional<DeployerKind> DeployerKindFromName(std::string_view name);

struct DeployerSpec {
  DeployerKind kind = DeployerKind::kFile;
  std::map<std::string, std::string> settings;  // kind-specific keys, already expanded
  // Kind-specific argv lists (command: set, get, status; ssm: trigger), already expanded; their
  // {image}-style placeholders are filled in by the deployer. Also `secret_env`: names of
  // environment variables whose values never appear in output or logs.
  std::map<std::string, std::vector<std::string>> lists;
  // The same lists as templates: per argv element, literal text (${VAR} expanded) and the
  // `{name}` placeholders written in the manifest itself, so that a deployer fills in exactly
  // those, once (plans/expand.h). A spec built in code may leave this empty: the deployer then
  // splits `lists`.
  std::map<std::string, std::vector<std::vector<TemplatePiece>>> templates;
  SourcePos pos;
};

// A check that runs after an image swap (`verify:` of an environment): a command's argv, an HTTP
// URL (fetched with curl), or a version check whose trimmed output must equal the target version.
struct VerifyCheck {
  enum class Kind { kCommand, kHttp, kVersionCommand, kVersionSql };
  Kind kind = Kind::kCommand;
  std::vector<std::string> argv;  // kCommand, kVersionCommand
  std::string url;                // kHttp
  std::string sql;                // kVersionSql: run on the environment's database
  int retries = 0;                // attempts after the first
  double interval_seconds = 2;    // between attempts
  double timeout_seconds = 30;    // per attempt
  SourcePos pos;
};

struct Environment {
  std::string name;
  std::string database;  // URL, already expanded; empty for a fleet that declares none
  // A fleet: more databases that deploy and rollback run the same plan on, each with its own lock
  // and journal (orchestrator/fleet.h). `targets:` are URLs, already expanded; `targets_command:`
  // is an argv, run without a shell when a run starts, that prints one URL per line.
  std::vector<std::string> targets;
  std::vector<std::string> targets_command;
  // The name of an environment variable holding the database password (PostgreSQL), so that the
  // password appears neither in the plan nor in the URL.
  std::string password_env;
  DeployerSpec deployer;
  std::vector<VerifyCheck> verify;  // in order; all must pass after an image swap
  SourcePos pos;
  // Why the environment cannot be used: the "file:line:col: variable X is not set" errors of the
  // ${VAR}s it uses (LoadPlanForEnvironment, for an environment other than the one used); "" when
  // it can.
  std::string unavailable;
};

// Who may deploy or roll back (policy.permissions): a rule applies to its environments and actions
// (all when empty), and grants the run when the database's own identity is a member of `role`
// (PostgreSQL: pg_has_role(current_user, role, 'member')) or the OS user running orchestrate (its
// real uid, never --actor or $USER) is one of `users` or in one of `groups`. When rules apply to
// a run, one of them must grant it.
struct PermissionRule {
  std::vector<std::string> environments;   // empty: every environment
  std::vector<std::string> actions;        // "deploy", "rollback"; empty: both
  std::string role;                        // PostgreSQL role
  std::vector<std::string> users, groups;  // OS users and groups
  SourcePos pos;
};

// policy.snapshot: copy the data a rollback destroys before destroying it (on-destroy), or not
// (off).
enum class SnapshotPolicy { kOnDestroy, kOff };
const char* Name(SnapshotPolicy policy);  // "on-destroy", "off"
std::optional<SnapshotPolicy> SnapshotPolicyFromName(std::string_view name);

// policy.on_modified: what a rollback does with a row the ledger recorded that was changed after
// the deploy: fail listing the rows, keep the row as it is now, or revert it anyway.
enum class OnModified { kFail, kKeep, kRevert };
const char* Name(OnModified on_modified);  // "fail", "keep", "revert"
std::optional<OnModified> OnModifiedFromName(std::string_view name);

struct Policy {
  bool require_reason = false;
  bool allow_major = false;  // a rollback across a major version is NO-GO without --allow-major
  int window_days = 0;       // 0: no limit
  SnapshotPolicy snapshot = SnapshotPolicy::kOnDestroy;
  int batch_rows = 10000;
  OnModified on_modified = OnModified::kFail;
  // How long a run waits for another run's lock (`--lock-timeout` overrides).
  double run_lock_timeout_seconds = 10;
  // Per step: how long a statement may wait for a database lock (so a rollback never queues
  // behind production traffic for long), how many times a step that hit it is retried (with
  // backoff), and how long one statement may run (0: no limit).
  double lock_timeout_seconds = 5;
  int lock_retries = 3;
  double statement_timeout_seconds = 0;
  // Finished runs (and their steps) older than this many days are deleted at the end of each
  // deploy or rollback, so the journal does not grow forever. 0: keep them all.
  int history_days = 0;
  // How a run that crosses several releases moves the image (docs/manifest.md, "Order"):
  // per-release (each crossed release is a compatibility boundary, its `order` says on which side
  // of its database steps the image moves) or once (one swap for the whole run).
  enum class ImageSwaps { kPerRelease, kOnce };
  ImageSwaps image_swaps = ImageSwaps::kPerRelease;
  // Folders (relative to the plan's folder, or absolute) besides the plan's own folder that the
  // files a plan names (release manifests, SQL files) may resolve into. Empty: only the plan's
  // folder.
  std::vector<std::string> allow_outside_paths;
  std::vector<PermissionRule> permissions;
  // A generated down (`down: auto`) keeps an extension that the up's CREATE EXTENSION IF NOT
  // EXISTS found already installed (true), rather than dropping it (false).
  bool keep_preexisting_extensions = true;
};
const char* Name(Policy::ImageSwaps swaps);  // "per-release", "once"
std::optional<Policy::ImageSwaps> ImageSwapsFromName(std::string_view name);

struct Plan {
  std::string app;
  std::string file;  // plan.yaml path
  std::string sha256;
  // The dialect the plan's SQL is written in ("postgresql", "sqlite", "mysql"): what `validate`
  // analyses it as. Empty when the plan does not say (then: its environments' dialects).
  std::string dialect;
  std::vector<Release> releases;  // in version order, oldest first
  std::map<std::string, Environment> environments;
  std::string default_environment;  // "local" when present, else the first declared
  Policy policy;
  bool versions_are_semver = false;
  // The dialect whose SQL SelectDialectSql put in place ("" when it did not run).
  std::string sql_dialect;

  // Null when no release has this version.
  const Release* FindRelease(const std::string& version) const;
  // Index of the release in `releases`, or -1.
  int IndexOf(const std::string& version) const;
  // Files referenced by manifests that do not exist: one line per file, "file:line:col: ...".
  std::vector<std::string> MissingFiles() const;
  // The dialects some migration or seed names SQL of its own for (SqlDialectNames order).
  std::vector<std::string> DialectsWithOwnSql() const;
};

// Puts in place, in every migration and seed, the SQL it names for `dialect` ("postgresql",
// "sqlite" or "mysql"), else its default SQL; records it in plan->sql_dialect. Idempotent, and
// may be called again with another dialect.
void SelectDialectSql(Plan* plan, const std::string& dialect);

}  // namespace orchestrate
