// `orchestrate status PLAN`: the deployed release, the running image, pending releases, drift, any
// unfinished run, the lock holder and the schema/data fingerprints.
#include <iostream>
#include <nlohmann/json.hpp>

#include "migrations/fingerprint.h"
#include "migrations/journal.h"
#include "migrations/release_schema.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/json_output.h"
#include "orchestrator/executor.h"
#include "plans/json_text.h"
#include "plans/secrets.h"

namespace orchestrate::cli {

int CmdStatus(const GlobalOptions& g) {
  if (g.shard.active())
    return Fail(Status::Usage("--shard " + g.shard.Label() +
                              " lists a slice of each fleet with `status --all-envs`"));
  auto ctx = OpenContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  Journal journal(*ctx->db, NowIso8601);
  auto state = journal.LoadState();
  if (!state.ok()) return Fail(state.status());
  auto unfinished = journal.UnfinishedRun();
  if (!unfinished.ok()) return Fail(unfinished.status());
  // A deployer that cannot be read (no credentials, no kubeconfig) leaves the database's part of
  // the status as it is: its error is one field.
  auto image = ctx->deployer->Current();
  const std::string deployer_error = image.ok() ? "" : MaskSecrets(image.status().message());
  // The fingerprints read the whole catalog: while a run drops and creates objects under it, that
  // read can fail. Status still tells the rest (the run, the lock), saying why they are missing.
  auto fp = TakeFingerprint(*ctx->db, ctx->plan.policy.lock_timeout_seconds);
  const std::string fp_error = fp.ok()
                                   ? ""
                                   : MaskSecrets(fp.status().message()) +
                                         " (a run may be changing the schema: run status again)";
  auto drift = DetectDrift(ctx->plan, *state);
  // The live schema against the one recorded when the current release was deployed: what a
  // rollback that reached it left different (or a change by hand since).
  std::optional<std::vector<std::string>> schema_diff;
  std::string schema_diff_error;
  if (state->current_version()) {
    auto compared = CompareWithRecorded(*ctx->db, *state->current_version());
    if (compared.ok())
      schema_diff = std::move(compared).value();
    else
      schema_diff_error = MaskSecrets(compared.status().message());
  }
  auto lock_holder = ctx->db->LockHolderNow();
  if (!lock_holder.ok()) return Fail(lock_holder.status());
  const std::optional<LockHolder>& lock = *lock_holder;

  std::string current = state->current_version().value_or("");
  std::vector<std::string> pending;
  int cur_idx = current.empty() ? -1 : ctx->plan.IndexOf(current);
  for (size_t i = static_cast<size_t>(cur_idx + 1); i < ctx->plan.releases.size(); ++i)
    pending.push_back(ctx->plan.releases[i].version);

  if (g.output == OutputFormat::kJson) {
    nlohmann::json j;
    j["app"] = ctx->plan.app;
    j["environment"] = ctx->env.name;
    j["database"] = ctx->db->DisplayUrl();
    j["current_version"] = current.empty() ? nlohmann::json(nullptr) : nlohmann::json(current);
    j["image"] = image.ok() ? OrNull(*image) : nlohmann::json(nullptr);
    j["deployer_error"] = OrNull(deployer_error);
    j["deployer"] = ctx->deployer->Describe();
    nlohmann::json rels = nlohmann::json::array();
    for (const auto& r : state->releases)
      rels.push_back({{"version", r.version}, {"image", r.image}, {"deployed_at", r.deployed_at}});
    j["deployed_releases"] = rels;
    j["applied_migrations"] = state->migrations.size();
    j["applied_seeds"] = state->seeds.size();
    j["pending_releases"] = pending;
    j["drift"] = drift;
    // null: nothing recorded to compare with (or nothing deployed); [] the recorded state.
    j["schema_drift"] = schema_diff ? nlohmann::json(*schema_diff) : nlohmann::json(nullptr);
    j["schema_drift_release"] = current.empty() ? nlohmann::json(nullptr) : nlohmann::json(current);
    j["schema_drift_error"] =
        schema_diff_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(schema_diff_error);
    if (*unfinished) {
      const RunRecord& r = **unfinished;
      j["unfinished_run"] = {{"run_id", r.id},
                             {"kind", r.kind},
                             {"from", r.from_version},
                             {"to", r.to_version},
                             {"status", Name(r.status)},
                             {"steps", r.step_count},
                             {"steps_done", r.steps_done},
                             {"resume_command", ResumeCommand(r, ctx->plan.file)},
                             {"error", MaskSecrets(r.error)}};
    } else {
      j["unfinished_run"] = nullptr;
    }
    j["lock"] = lock ? nlohmann::json(MaskSecrets(lock->str())) : nlohmann::json(nullptr);
    nlohmann::json tables = nlohmann::json::object();
    if (fp.ok()) {
      j["schema_fingerprint"] = fp->schema_sha256;
      j["data_fingerprint"] = fp->data_sha256;
      for (const auto& t : fp->tables) tables[t.table] = {{"rows", t.rows}, {"sha256", t.sha256}};
      j["fingerprint_error"] = nullptr;
    } else {
      j["schema_fingerprint"] = nullptr;
      j["data_fingerprint"] = nullptr;
      j["fingerprint_error"] = fp_error;
    }
    j["tables"] = tables;
    PrintJsonDocument(j);
    return 0;
  }
  // Values a user or a program supplied go through Printable (no control characters).
  std::cout << "app:          " << Printable(ctx->plan.app) << " (environment "
            << Printable(ctx->env.name) << ")\n"
            << "database:     " << Printable(ctx->db->DisplayUrl()) << "\n"
            << "release:      " << (current.empty() ? "(nothing deployed)" : Printable(current))
            << "\n"
            << "image:        "
            << (!image.ok()      ? "(unknown: " + Printable(deployer_error) + ")"
                : image->empty() ? std::string("(none)")
                                 : Printable(*image))
            << "  [" << Printable(ctx->deployer->Describe()) << "]\n"
            << "applied:      " << state->migrations.size() << " migrations, "
            << state->seeds.size() << " seeds, releases:";
  for (const auto& r : state->releases) std::cout << " " << Printable(r.version);
  std::cout << "\npending:      ";
  if (pending.empty()) std::cout << "(none)";
  for (const auto& p : pending) std::cout << Printable(p) << " ";
  std::cout << "\n";
  if (*unfinished) {
    const RunRecord& r = **unfinished;
    std::cout << "unfinished:   " << Printable(r.kind) << " " << Printable(r.from_version) << " -> "
              << Printable(r.to_version) << " (run " << r.id << ", " << Printable(Name(r.status))
              << ", " << r.steps_done << "/" << r.step_count << " steps done)"
              << (r.error.empty()
                      ? ""
                      : "\n              error: " + Printable(MaskSecrets(r.error).substr(0, 300)))
              << "\n              resume with: " << ResumeCommand(r, ctx->plan.file)
              << "\n                       or: " << InvocationFor(g, *ctx).Command("resume")
              << "\n";
  }
  std::cout << "lock:         " << (lock ? Printable(MaskSecrets(lock->str())) : "free") << "\n";
  for (const auto& d : drift) std::cout << "drift:        " << Printable(d) << "\n";
  if (!schema_diff_error.empty())
    std::cout << "recorded:     (not compared: " << Printable(schema_diff_error) << ")\n";
  else if (!current.empty() && !schema_diff)
    std::cout << "recorded:     no schema recorded when " << Printable(current)
              << " was deployed: not compared\n";
  else if (schema_diff && schema_diff->empty())
    std::cout << "recorded:     the schema is the recorded state of " << Printable(current) << "\n";
  else if (schema_diff) {
    std::cout << "drift:        the schema differs from the recorded state of "
              << Printable(current) << " (- recorded, + now):\n";
    for (const auto& line : *schema_diff)
      std::cout << "                " << Printable(line) << "\n";
  }
  if (!fp.ok()) {
    std::cout << "schema:       (not read: " << Printable(fp_error) << ")\n";
    return 0;
  }
  std::cout << "schema:       sha256 " << fp->schema_sha256.substr(0, 16) << " ("
            << fp->schema.size() << " objects)\n"
            << "data:         sha256 " << fp->data_sha256.substr(0, 16) << " (" << fp->tables.size()
            << " tables)\n";
  return 0;
}

}  // namespace orchestrate::cli
