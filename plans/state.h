// What the target database says is deployed: the planner's input besides the manifests. Read by
// the journal (migrations/) and passed to the pure planner; plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace orchestrate {

// An object that a `CREATE ... IF NOT EXISTS` of a migration's up found already there (so the up
// did not create it): migrations/preexisting.h.
struct PreexistingObject {
  std::string kind;  // "extension", "table", "index", "sequence" or "schema"
  std::string name;  // as the catalog names it: unquoted, "schema.name" outside public
  bool operator==(const PreexistingObject& o) const { return kind == o.kind && name == o.name; }
};

struct AppliedMigration {
  std::string release;
  std::string id;
  std::string up_sql, up_sha256;
  std::string down_sql, down_sha256;  // stored at deploy time; what a rollback runs
  bool irreversible = false;
  bool transactional = true;
  int64_t seq = 0;  // application order
  std::string applied_at;
  // What the up's `CREATE ... IF NOT EXISTS` found already there, recorded at deploy.
  std::vector<PreexistingObject> preexisting;
  // Those of them that down_sql drops, and down_sql without those drops (what the rollback runs
  // under policy keep_preexisting_extensions, the default); empty when it drops none.
  std::vector<PreexistingObject> dropped_preexisting;
  std::string down_sql_keeping_preexisting;
};

struct AppliedSeed {
  std::string release;
  std::string id;
  std::string sql_sha256;
  bool has_undo = false;
  std::string undo_sql;
  int64_t seq = 0;
  std::string applied_at;
};

struct DeployedRelease {
  std::string version;
  std::string image;
  std::string order;  // "code-first" | "schema-first"
  int64_t seq = 0;
  std::string deployed_at;
};

struct CurrentState {
  std::vector<DeployedRelease> releases;     // ordered by seq; the last one is current
  std::vector<AppliedMigration> migrations;  // ordered by seq
  std::vector<AppliedSeed> seeds;            // ordered by seq

  std::optional<std::string> current_version() const {
    if (releases.empty()) return std::nullopt;
    return releases.back().version;
  }
};

}  // namespace orchestrate
