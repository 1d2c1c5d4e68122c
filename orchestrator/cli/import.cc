// `orchestrate import FORMAT DIR -o OUT`: another migration tool's files as an orchestrate plan.
#include <iostream>

#include "orchestrator/cli/context.h"
#include "orchestrator/cli/json_output.h"
#include "orchestrator/importers/importers.h"

namespace orchestrate::cli {

int CmdImport(const ImportCommandOptions& o) {
  ImportOptions options;
  options.format = o.format;
  options.dir = o.dir;
  options.out = o.out;
  options.group_by = o.group_by;
  options.app = o.app;
  options.dialect = o.dialect;
  options.force = o.force;
  options.command_line = o.command_line;
  auto report = Import(options);
  if (!report.ok()) return Fail(report.status());
  if (JsonOutput()) {
    std::vector<std::string> notes = report->notes;
    if (o.format == "liquibase-sql")
      notes.insert(notes.begin(), "the changesets' SQL was written to " + o.out + "/sql/");
    PrintJsonDocument({{"format", o.format},
                       {"plan", report->plan_file},
                       {"app", report->app},
                       {"releases", report->versions},
                       {"migrations", report->migrations},
                       {"irreversible", report->irreversible},
                       {"auto_down", report->auto_down},
                       {"dialect", report->dialect},
                       {"dialect_source", report->dialect_source},
                       {"written", report->written},
                       {"removed", report->removed},
                       {"notes", notes}});
    return 0;
  }
  for (const auto& f : report->removed) std::cout << "removed " << f << "\n";
  for (const auto& f : report->written) std::cout << "wrote " << f << "\n";
  std::cout << report->plan_file << ": app " << report->app << ", " << report->versions.size()
            << " releases (" << report->versions.front() << " .. " << report->versions.back()
            << "), " << report->migrations << " migrations (" << report->irreversible
            << " irreversible: no down script"
            << (report->auto_down ? ", " + std::to_string(report->auto_down) +
                                        " down: auto: orchestrate writes their downs at deploy"
                                  : std::string())
            << "), dialect " << report->dialect
            << (report->dialect_source == "assumed" ? " (assumed)"
                                                    : " (from " + report->dialect_source + ")")
            << "\n";
  if (ImportFormatFromName(o.format) == ImportFormat::kLiquibaseSql)
    std::cout << "note: the changesets' SQL was written to " << o.out
              << "/sql/ (a formatted SQL changelog cannot be referenced in place)\n";
  for (const auto& n : report->notes) std::cout << "note: " << n << "\n";
  std::cout << "next: set each release's image in " << o.out << "/releases/, then run "
            << "`orchestrate validate " << report->plan_file << "`\n";
  return 0;
}

}  // namespace orchestrate::cli
