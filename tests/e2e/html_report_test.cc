// The HTML pages of `rehearse --report DIR` and `sql --html FILE`, rendered by a real browser
// (Debian's headless chromium) to its DOM and to a PNG: the sections are there, the differences
// are shown (a drifting down leaves a column behind: the page names it), and nothing is fetched
// from the network. Without chromium the browser tests fail when ORCHESTRATE_REQUIRE_PG=1 (as the
// database tests do: `make test` installs it), and are skipped otherwise.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/html_report.h"
#include "orchestrator/review.h"
#include "tests/support/pg.h"
#include "tests/support/shop_fixture.h"

namespace orchestrate::testing {
namespace {

const char* const kChromium = "/usr/bin/chromium";

#define ORCH_REQUIRE_CHROMIUM()                                                 \
  do {                                                                          \
    if (!std::filesystem::exists(kChromium)) {                                  \
      if (::orchestrate::testing::PgRequired())                                 \
        GTEST_FAIL() << "ORCHESTRATE_REQUIRE_PG=1 but no " << kChromium         \
                     << " (apt-get install chromium; `make deps` installs it)"; \
      GTEST_SKIP() << "no " << kChromium << " (apt-get install chromium)";      \
    }                                                                           \
  } while (0)

class HtmlReportTest : public ShopCopyTest {
 protected:
  // chromium headless on `page` (no network: a proxy that does not exist and a rule that maps
  // every host to nowhere, so a page that fetched anything would show it broken); its DOM.
  std::string Chromium(const std::string& page, const std::vector<std::string>& extra) {
    const std::string profile = dir_ / ("chromium-profile-" + std::to_string(++runs_));
    std::vector<std::string> args = {kChromium,
                                     "--headless",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--user-data-dir=" + profile,
                                     "--proxy-server=127.0.0.1:9",
                                     "--host-resolver-rules=MAP * ~NOTFOUND"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("file://" + page);
    auto r = RunProcess(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  std::string Dom(const std::string& page) { return Chromium(page, {"--dump-dom"}); }
  // A PNG of `page` (1280x2000): its size in bytes, 0 when none was written.
  long Screenshot(const std::string& page, const std::string& png) {
    Chromium(page, {"--screenshot=" + png, "--window-size=1280,2000"});
    std::error_code ec;
    auto size = std::filesystem::file_size(png, ec);
    if (ec) return 0;
    std::string head = ReadFileOrDie(png).substr(0, 8);
    EXPECT_EQ(head, std::string("\x89PNG\r\n\x1a\n", 8));
    return static_cast<long>(size);
  }
  int runs_ = 0;
};

// The text of the element with `id` in a DOM dump, tags included ("" when absent).
std::string Section(const std::string& dom, const std::string& id) {
  const size_t at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  const size_t end = dom.find("<h2", at + 1);
  return dom.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

TEST(HtmlEscapeTest, EveryTextThatComesFromOutsideIsEscaped) {
  EXPECT_EQ(HtmlEscape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  RehearsalReport report;
  report.app = "<b>shop</b>";
  report.from = "1.0.0";
  report.to = "1.1.0";
  RehearsalPhase phase;
  phase.name = "deploy <img src=x onerror=alert(1)>";
  phase.ok = false;
  phase.error = "near \"<script>\": syntax error";
  report.phases.push_back(phase);
  const std::string html = RehearsalHtml(report);
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_EQ(html.find("<img"), std::string::npos) << html;
  EXPECT_EQ(html.find("<b>shop"), std::string::npos) << html;
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos) << html;
  // A failed rehearsal names what failed first, at the top.
  EXPECT_NE(html.find("id=\"first-difference\">deploy &lt;img"), std::string::npos) << html;
}

TEST(RehearsalHtmlTest, RowsOfOneSideAreMarkedAndLargeTablesAreComparedByCount) {
  RehearsalReport report;
  report.app = "shop";
  report.from = "1.0.0";
  report.to = "1.1.0";
  RehearsalPhase compare;
  compare.name = "compare with 1.0.0 after the rollback";
  compare.ok = false;
  compare.differences = {"table order_statuses: 1 rows before, 2 after the rollback"};
  report.phases.push_back(compare);
  report.detail.compared = true;
  TableData before{"order_statuses", 1, "aaa", {"id", "name"}, {{"1", "<new>"}}};
  TableData after{
      "order_statuses", 2, "bbb", {"id", "name"}, {{"1", "<new>"}, {"2", std::nullopt}}};
  // Over RehearsalDetail::kKeptRows rows: no rows kept, only counts and checksums.
  TableData big_before{"events", 600, "ccc", {}, {}}, big_after{"events", 601, "ddd", {}, {}};
  report.detail.before.tables = {before, big_before};
  report.detail.after.tables = {after, big_after};
  report.each = true;
  MigrationVerdict v;
  v.id = "0002_add_status";
  v.release = "1.1.0";
  v.verdict = "drift";
  v.differences = {"extra after 0002.down.sql: index <i>"};
  report.migrations.push_back(v);
  const std::string html = RehearsalHtml(report);
  EXPECT_NE(html.find("id=\"first-difference\">table order_statuses (rows)</span>"),
            std::string::npos)
      << html;
  // The row after the rollback only is marked; the row on both sides is not shown; values escaped.
  EXPECT_NE(html.find("<tr class=\"new\"><td>2</td><td><i>NULL</i></td></tr>"), std::string::npos)
      << html;
  EXPECT_EQ(html.find("<td>1</td><td>&lt;new&gt;</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("600 rows before, 601 after the rollback."), std::string::npos) << html;
  EXPECT_NE(html.find("Too many rows to show them (over 500)"), std::string::npos) << html;
  // --each: every migration's verdict, its differences escaped.
  EXPECT_NE(html.find("<td>0002_add_status</td><td>1.1.0</td><td>drift</td>"), std::string::npos)
      << html;
  EXPECT_NE(html.find("index &lt;i&gt;"), std::string::npos) << html;
}

TEST_F(HtmlReportTest, ADriftingRehearsalShowsTheColumnItLeftBehindInABrowser) {
  ORCH_REQUIRE_CHROMIUM();
  // The down of 0014 forgets to drop the column its up added.
  WriteFileOrDie(dir_ / "shop/sql/0014_customers_add_loyalty_points.down.sql",
                 "-- forgot to drop the column\nSELECT 1;\n");
  auto r = Run({"rehearse", "--report", dir_ / "report"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("report/rehearsal.html"), std::string::npos) << r.out;
  const std::string page = dir_ / "report/rehearsal.html";
  const std::string html = ReadFileOrDie(page);
  // Self-contained: nothing to fetch, no script.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);

  const std::string dom = Dom(page);
  ASSERT_NE(dom.find("<body>"), std::string::npos) << dom;
  // The first differing object, at the top.
  EXPECT_NE(dom.find("The rollback does NOT round-trip. First difference: <span class=\"first\" "
                     "id=\"first-difference\">column customers.loyalty_points</span>"),
            std::string::npos)
      << dom.substr(0, 3000);
  for (const char* id : {"timeline", "schema", "data", "destroyed", "statements"})
    EXPECT_NE(dom.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  // The timeline: every phase, the image swaps marked (1.3.0 is code-first: the swap comes first).
  const std::string timeline = Section(dom, "timeline");
  EXPECT_NE(timeline.find("roll back to 1.2.0"), std::string::npos) << timeline;
  EXPECT_NE(timeline.find("class=\"swap\">⇄ step 1: image registry.example.com/shop:1.3.0 -&gt; "
                          "registry.example.com/shop:1.2.0"),
            std::string::npos)
      << timeline;
  // The schema side by side: the column only after the rollback, in the customers table.
  const std::string schema = Section(dom, "schema");
  EXPECT_NE(schema.find(">customers</h3>"), std::string::npos) << schema;
  EXPECT_NE(schema.find("before (at the start)"), std::string::npos) << schema;
  EXPECT_NE(schema.find("<span class=\"new\">+ column customers.loyalty_points"), std::string::npos)
      << schema;
  EXPECT_NE(schema.find("column customers.email"), std::string::npos) << schema;
  // The data: customers' rows with the column left behind, its values highlighted.
  const std::string data = Section(dom, "data");
  EXPECT_NE(data.find(">customers</h3>"), std::string::npos) << data;
  EXPECT_NE(data.find("column <code>loyalty_points</code>: after the rollback only (left behind)"),
            std::string::npos)
      << data;
  EXPECT_NE(data.find("<th class=\"changed\">loyalty_points</th>"), std::string::npos) << data;
  // What the rollback destroys and the snapshots that keep it.
  const std::string destroyed = Section(dom, "destroyed");
  EXPECT_NE(destroyed.find("drops table loyalty_tiers"), std::string::npos) << destroyed;
  EXPECT_NE(destroyed.find("whole table loyalty_tiers"), std::string::npos) << destroyed;
  EXPECT_NE(destroyed.find("<td>loyalty_tiers</td><td>table</td>"), std::string::npos) << destroyed;
  // Per statement the lock level and the estimated rows (step 2 has reversed the seed's rows).
  const std::string statements = Section(dom, "statements");
  EXPECT_NE(statements.find("<td>DROP TABLE</td><td>DATABASE lock on loyalty_tiers</td>"),
            std::string::npos)
      << statements;
  EXPECT_NE(statements.find("loyalty_tiers holds 0 rows when the step starts"), std::string::npos)
      << statements;

  EXPECT_GT(Screenshot(page, dir_ / "rehearsal.png"), 10000);
}

TEST_F(HtmlReportTest, TheReviewOfARollbackIsAPageWithItsLocksAndWhatItDestroys) {
  ORCH_REQUIRE_CHROMIUM();
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  auto r = Run({"sql", "--to", "1.2.0", "-o", dir_ / "rb.sql", "--html", dir_ / "rb.html"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string script = ReadFileOrDie(dir_ / "rb.sql");
  const std::string dom = Dom(dir_ / "rb.html");
  EXPECT_NE(dom.find("Review of the rollback of shop: 1.3.0 -&gt; 1.2.0"), std::string::npos)
      << dom.substr(0, 2000);
  // The approval hash is the script's.
  EXPECT_NE(dom.find(HtmlEscape(ApprovalHash(script))), std::string::npos);
  const std::string destroyed = Section(dom, "destroyed");
  EXPECT_NE(destroyed.find("drops column customers.loyalty_points"), std::string::npos)
      << destroyed;
  EXPECT_NE(destroyed.find("columns loyalty_points of customers"), std::string::npos) << destroyed;
  const std::string statements = Section(dom, "statements");
  EXPECT_NE(statements.find("<td>ALTER TABLE</td><td>DATABASE lock on customers</td>"),
            std::string::npos)
      << statements;
  EXPECT_NE(statements.find("customers holds 3 rows when the step starts"), std::string::npos)
      << statements;
  // The step's SQL, escaped by the page and shown as text by the browser.
  EXPECT_NE(statements.find("ALTER TABLE customers DROP COLUMN loyalty_points;"), std::string::npos)
      << statements;
  EXPECT_GT(Screenshot(dir_ / "rb.html", dir_ / "rb.png"), 10000);
}

TEST_F(HtmlReportTest, OnPostgresqlThePageShowsPostgresqlsLockLevels) {
  ORCH_REQUIRE_PG(url);
  WriteFileOrDie(dir_ / "shop/sql/0014_customers_add_loyalty_points.down.sql",
                 "-- forgot to drop the column\nSELECT 1;\n");
  auto r = Run({"rehearse", "--env", "pg", "--database", url, "--report", dir_ / "report"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const std::string html = ReadFileOrDie(dir_ / "report/rehearsal.html");
  const size_t first = html.find("id=\"first-difference\">");
  ASSERT_NE(first, std::string::npos) << html;
  EXPECT_NE(html.substr(first, 120).find("customers.loyalty_points"), std::string::npos)
      << html.substr(first, 120);
  EXPECT_NE(html.find("<td>DROP TABLE</td><td>ACCESS EXCLUSIVE lock on loyalty_tiers</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("column <code>loyalty_points</code>: after the rollback only (left behind)"),
            std::string::npos)
      << html;
}

// `make demo` (scripts/demo) writes the sample's pages: the rollback's review and its rehearsal.
TEST(DemoPagesTest, TheDemoWritesTheReviewAndTheRehearsalPages) {
  TempDir dir;
  ProcessOptions opts;
  opts.env["DEMO_STATE_DIR"] = dir / "demo-state";
  auto r = RunProcess({SourceDir() + "/scripts/demo", OrchestrateBin()}, opts);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("rollback.html (the review) and "), std::string::npos) << r.out;
  const std::string review = ReadFileOrDie(dir / "demo-state/rollback.html");
  EXPECT_NE(review.find("Review of the rollback of shop: 1.3.0 -&gt; 1.2.0"), std::string::npos);
  EXPECT_NE(review.find("drops column customers.loyalty_points"), std::string::npos);
  const std::string rehearsal = ReadFileOrDie(dir / "demo-state/rehearsal/rehearsal.html");
  EXPECT_NE(rehearsal.find("The rollback round-trips."), std::string::npos);
  EXPECT_NE(rehearsal.find("The schema after the rollback is the schema at the start."),
            std::string::npos);
  for (const char* f : {"rehearsal.md", "junit.xml", "rehearsal.json"})
    EXPECT_TRUE(std::filesystem::exists(dir / (std::string("demo-state/rehearsal/") + f))) << f;
}

}  // namespace
}  // namespace orchestrate::testing
