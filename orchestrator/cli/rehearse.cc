// `orchestrate rehearse PLAN [--from V] [--to W] [--each] [--report DIR] [--scratch URL]`: deploy,
// roll back, compare and deploy again on a scratch database, and with --each every migration on
// its own (orchestrator/rehearse.h). Exit 0 only when everything round-trips; 2 otherwise.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "orchestrator/cli/context.h"
#include "orchestrator/cli/json_output.h"
#include "orchestrator/cli/run_command.h"
#include "orchestrator/html_report.h"
#include "orchestrator/rehearse.h"
#include "plans/manifest.h"
#include "plans/secrets.h"

namespace orchestrate::cli {
namespace {

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  return f ? Status::Ok() : Status::Failed("cannot write " + path);
}

}  // namespace

int CmdRehearse(const GlobalOptions& g, const RehearseCommandOptions& o) {
  // The environment only says which server (and dialect) to use; its database is never touched.
  auto ctx = LoadContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  RehearseOptions ro;
  ro.from = o.from;
  ro.to = o.to;
  ro.each = o.each;
  ro.scratch_url = o.scratch;
  ro.detail = !o.report_dir.empty();
  ro.server_url = g.database.empty() ? ctx->env.database : g.database;
  for (const std::string& secret : SecretsInUrl(o.scratch)) RegisterSecret(secret);
  auto password = PasswordOf(ctx->env);
  if (!password.ok()) return Fail(password.status());
  ro.open = [base = DirName(ctx->plan.file),
             pw = *password](const std::string& url) -> Result<std::unique_ptr<Database>> {
    auto db = OpenDatabase(url, base, pw);
    if (!db.ok()) return db;
    // An engine without rehearsals would be refused before a scratch is made (every engine has
    // them today: Database::Unsupported).
    if (Status st = (*db)->Unsupported(DatabaseFeature::kRehearsal); !st.ok()) return st;
    return db;
  };
  auto report = Rehearse(ctx->plan, ro);
  if (!report.ok()) return Fail(report.status());

  if (!o.report_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.report_dir, ec);
    Status st = WriteFile(o.report_dir + "/rehearsal.md", RehearsalMarkdown(*report));
    if (st.ok()) st = WriteFile(o.report_dir + "/junit.xml", RehearsalJUnit(*report));
    if (st.ok()) st = WriteFile(o.report_dir + "/rehearsal.json", RehearsalJson(*report) + "\n");
    if (st.ok()) st = WriteFile(o.report_dir + "/rehearsal.html", RehearsalHtml(*report));
    if (!st.ok()) return Fail(st);
  }
  if (g.output == OutputFormat::kJson) {
    PrintJsonDocument(nlohmann::json::parse(RehearsalJson(*report)));
  } else {
    std::cout << RehearsalText(*report);
    if (!o.report_dir.empty())
      std::cout << "report: " << o.report_dir << "/rehearsal.md, " << o.report_dir << "/junit.xml, "
                << o.report_dir << "/rehearsal.json, " << o.report_dir << "/rehearsal.html\n";
  }
  return report->ok() ? 0 : 2;
}

}  // namespace orchestrate::cli
