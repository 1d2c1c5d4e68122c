// What the target database says is deployed: the planner's input besides the manifests. Read by
// the journal (migrations/) and passed to the pure planner; plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace orchestrate {

struct AppliedMigration {
  std::string release;
  std::string id;
  std::string up_sql, up_sha256;
  std::string down_sql, down_sha256;  // stored at deploy time; what a rollback runs
  bool irreversible = false;
  bool transactional = true;
  int64_t seq = 0;  // application order
  std::string applied_at;
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
