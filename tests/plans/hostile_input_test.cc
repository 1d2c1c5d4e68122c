// Hostile inputs to the manifest loader (issue 15): NUL bytes, invalid UTF-8, FIFOs and oversized
// files, several YAML documents in one file, versions of equal precedence, image references that
// are not one, and paths that leave the plan's folder. Each is an error at load time naming the
// file (and line:col); none hangs, aborts or echoes what a file outside the plan holds.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "plans/expand.h"
#include "plans/image_ref.h"
#include "plans/input_file.h"
#include "plans/manifest.h"
#include "tests/plans/plan_fixture.h"

namespace orchestrate {
namespace {

namespace fs = std::filesystem;

// A string literal with the NUL bytes it holds.
template <size_t N>
std::string Bytes(const char (&text)[N]) {
  return std::string(text, N - 1);
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// On the disk only: FIFOs, symlinks and oversized files have no in-memory counterpart.
class HostileInputTest : public testing::PlanFolderTest {
 protected:
  // shop/plan.yaml with releases in shop/releases/ and extra plan text (a policy).
  void WritePlan(const std::string& extra = "") {
    Write("shop/plan.yaml",
          "app: shop\nreleases: releases/\nenvironments:\n  local:\n"
          "    database: sqlite:shop.db\n    deployer: {kind: file, path: shop.image}\n" +
              extra);
  }

  // shop/releases/1.0.0.yaml with one migration whose up and down files are `up` and `down`.
  void WriteMigration(const std::string& up, const std::string& down) {
    Write("shop/releases/1.0.0.yaml",
          "version: 1.0.0\nimage: shop:1.0.0\nmigrations:\n"
          "  - {id: m1, up: " +
              up + ", down: " + down + "}\n");
  }

  Result<Plan> Load() { return PlanFolderTest::Load("shop/plan.yaml"); }
  std::string LoadError() { return PlanFolderTest::LoadError("shop/plan.yaml"); }
};

// ---- item 4: NUL bytes ------------------------------------------------------------------------

TEST_F(HostileInputTest, ANulByteInASqlFileIsAnErrorAtItsLineAndColumn) {
  WritePlan();
  WriteMigration("../sql/up.sql", "../sql/down.sql");
  Write("shop/sql/up.sql", "CREATE TABLE a (x INT);\nCREATE TABLE b (x INT);\n");
  Write("shop/sql/down.sql", Bytes("-- down\nDROP TABLE a;\0DROP TABLE b;\n"));
  std::string err = LoadError();
  EXPECT_TRUE(Contains(err, "releases/../sql/down.sql:2:14: a NUL byte")) << err;
  EXPECT_TRUE(Contains(err, "releases/1.0.0.yaml:4:")) << err;  // where the file is named
}

TEST_F(HostileInputTest, ANulByteInAManifestIsAnErrorAtItsLineAndColumn) {
  WritePlan();
  Write("shop/releases/1.0.0.yaml", Bytes("version: 1.0.0\nimage: shop:1.0.0\0x\n"));
  std::string err = LoadError();
  EXPECT_TRUE(Contains(err, "releases/1.0.0.yaml:2:18: a NUL byte")) << err;
  Write("shop/plan.yaml", Bytes("app: shop\0\n"));
  err = LoadError();
  EXPECT_TRUE(Contains(err, "shop/plan.yaml:1:10: a NUL byte")) << err;
}

// ---- item 8: UTF-8 -----------------------------------------------------------------------------

TEST_F(HostileInputTest, InvalidUtf8InAManifestIsRefusedWithItsPosition) {
  WritePlan();
  Write("shop/releases/1.0.0.yaml", "version: 1.0.0\nimage: shop:1.0.0\ndescription: caf\xe9\n");
  std::string err = LoadError();
  EXPECT_TRUE(Contains(err, "releases/1.0.0.yaml:3:17: not valid UTF-8")) << err;
}

TEST_F(HostileInputTest, SqlBytesThatAreNotUtf8AreCarriedAsTheyAre) {
  WritePlan();
  WriteMigration("../sql/up.sql", "../sql/down.sql");
  const std::string latin1 = "INSERT INTO t VALUES ('caf\xe9');\n";
  Write("shop/sql/up.sql", latin1);
  Write("shop/sql/down.sql", "DELETE FROM t;\n");
  auto plan = Load();
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->releases.at(0).migrations.at(0).up.text, latin1);
}

TEST(Utf8Test, FindsTheFirstInvalidByte) {
  EXPECT_EQ(InvalidUtf8At("plain ascii"), std::string::npos);
  EXPECT_EQ(InvalidUtf8At("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), std::string::npos);
  EXPECT_EQ(InvalidUtf8At("caf\xe9"), 3u);            // Latin-1
  EXPECT_EQ(InvalidUtf8At("ab\xc0\xaf"), 2u);         // overlong '/'
  EXPECT_EQ(InvalidUtf8At("\xed\xa0\x80"), 0u);       // a surrogate
  EXPECT_EQ(InvalidUtf8At("x\xf4\x90\x80\x80"), 1u);  // past U+10FFFF
  EXPECT_EQ(InvalidUtf8At("\xe2\x82"), 0u);           // cut short
}

// ---- item 18: control characters -------------------------------------------------------------

TEST_F(HostileInputTest, AControlCharacterInAValueIsRefusedButNewlinesAndTabsAreKept) {
  WritePlan();
  Write("shop/releases/1.0.0.yaml",
        "version: 1.0.0\nimage: shop:1\nnot_rolled_back: [\"\\e[2Jcache\", ok]\n");
  std::string err = LoadError();
  EXPECT_TRUE(Contains(err, "releases/1.0.0.yaml:3:19: a control character (\\x1b) in a value"))
      << err;
  vars_["NOTE"] = "line\rforged";  // through ${VAR} too
  Write("shop/releases/1.0.0.yaml",
        "version: 1.0.0\nimage: shop:1\nnot_rolled_back: [\"${NOTE}\"]\n");
  err = LoadError();
  EXPECT_TRUE(Contains(err, "(\\x0d)")) << err;
  Write("shop/releases/1.0.0.yaml",
        "version: 1.0.0\nimage: shop:1\nnot_rolled_back:\n  - |\n    two\n    \tlines\n");
  auto plan = Load();
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->releases.at(0).not_rolled_back.at(0), "two\n\tlines\n");
}

// ---- item 9: only regular files, within the size limit -----------------------------------------

TEST_F(HostileInputTest, AFifoAsAManifestIsRefusedWithoutBlocking) {
  WritePlan();
  fs::create_directories(P("shop/releases"));
  ASSERT_EQ(mkfifo(P("shop/releases/1.0.0.yaml").c_str(), 0600), 0);
  std::string err = LoadError();  // before the fix: blocked forever in open()
  EXPECT_TRUE(Contains(err, "1.0.0.yaml: cannot read release manifest: is a FIFO")) << err;
}

TEST_F(HostileInputTest, ADeviceAsASqlFileIsRefused) {
  WritePlan("policy: {allow_outside_paths: [/dev]}\n");
  WriteMigration("/dev/zero", "/dev/null");
  std::string err = LoadError();  // before the fix: read /dev/zero until std::bad_alloc
  EXPECT_TRUE(Contains(err, "cannot read /dev/zero: is a device")) << err;
}

TEST_F(HostileInputTest, AFileLargerThanTheLimitIsRefused) {
  WritePlan();
  WriteMigration("../sql/up.sql", "../sql/down.sql");
  Write("shop/sql/down.sql", "SELECT 1;\n");
  {
    std::ofstream out(P("shop/sql/up.sql"), std::ios::binary);
    out.seekp(static_cast<std::streamoff>(kMaxInputFileBytes));  // sparse: one byte too many
    out.put('\n');
  }
  std::string err = LoadError();
  EXPECT_TRUE(Contains(err, "cannot read")) << err;
  EXPECT_TRUE(Contains(err, "larger than 64 MiB")) << err;
}

// ---- item 13: equal precedence -----------------------------------------------------------------

TEST_F(HostileInputTest, VersionsOfEqualPrecedenceAreRefusedNamingBoth) {
  WritePlan();
  Write("shop/releases/a.yaml", "version: 1.0.0+b1\nimage: shop:1\n");
  Write("shop/releases/b.yaml", "version: 1.0.0+b2\nimage: shop:2\n");
  std::string err = LoadError();
  EXPECT_TRUE(Contains(err,
                       "releases/b.yaml:1:10: version 1.0.0+b2 has the same precedence as "
                       "version 1.0.0+b1 at "))
      << err;
  EXPECT_TRUE(Contains(err, "releases/a.yaml:1:10")) << err;

  fs::remove(P("shop/releases/b.yaml"));
  Write("shop/releases/a.yaml", "version: v1.0.0\nimage: shop:1\n");
  Write("shop/releases/c.yaml", "version: 1.0.0\nimage: shop:2\n");
  err = LoadError();
  EXPECT_TRUE(Contains(err, "same precedence")) << err;
  EXPECT_TRUE(Contains(err, "releases/a.yaml:1:10")) << err;
  EXPECT_TRUE(Contains(err, "releases/c.yaml:1:10")) << err;
}

TEST_F(HostileInputTest, PrereleasesOfOneVersionStillOrder) {
  WritePlan();
  Write("shop/releases/a.yaml", "version: 1.0.0-rc.1\nimage: shop:1\n");
  Write("shop/releases/b.yaml", "version: 1.0.0\nimage: shop:2\n");
  auto plan = Load();
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->releases.at(1).version, "1.0.0");
}

// ---- item 14: image references ------------------------------------------------------------------

TEST_F(HostileInputTest, AnImageThatIsNotOneReferenceIsRefusedAtItsPosition) {
  WritePlan();
  Write(
      "shop/releases/1.0.0.yaml",
      "version: 1.0.0\nimage: \"registry.example.com/shop:1.1,securityContext.privileged=true\"\n");
  std::string err = LoadError();
  EXPECT_TRUE(Contains(err, "releases/1.0.0.yaml:2:8: image ")) << err;
  EXPECT_TRUE(Contains(err, "is not an image reference: the tag")) << err;
}

TEST(ImageReferenceTest, FollowsTheOciReferenceGrammar) {
  for (const char* ok :
       {"shop", "shop:1.0.0", "registry.example.com/shop:1.3.0", "registry.example.com:5000/a/b:v1",
        "localhost/shop", "localhost:5000/shop:latest", "[::1]:5000/shop:1", "my_org/my-app__x:1_0",
        "shop@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "r.io/shop:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "Registry.Example.com/shop:1"})
    EXPECT_EQ(ImageReferenceProblem(ok), "") << ok;
  for (const char* bad :
       {"", "shop:1.1,securityContext.privileged=true", "Shop:1", "shop:", ":1", "shop:.1",
        "shop tag", "shop:1\n", "a//b", "shop/", "-shop", "shop@sha256:abc", "shop@:0123",
        "registry.example.com:x/shop", "shop:{env}", "r.io/shop;rm -rf /:1"})
    EXPECT_NE(ImageReferenceProblem(bad), "") << bad;
  EXPECT_NE(ImageReferenceProblem("shop:" + std::string(129, 'a')), "");
}

// ---- item 15: expand once ----------------------------------------------------------------------

TEST(ExpandTemplateTest, PlaceholdersInsideVariableValuesStayLiteral) {
  VarLookup lookup = [](const std::string& name) -> std::optional<std::string> {
    if (name == "ARG") return std::string("--flag={image}");
    return std::nullopt;
  };
  auto pieces = ExpandTemplate("x{image}-${ARG}-$${tag}-{Upper}", lookup);
  ASSERT_TRUE(pieces.ok()) << pieces.status().message();
  std::vector<TemplatePiece> want = {{"x", false},
                                     {"image", true},
                                     {"---flag={image}-$", false},
                                     {"tag", true},
                                     {"-{Upper}", false}};
  EXPECT_EQ(*pieces, want);
  size_t at = 0;
  auto bad = ExpandTemplate("{image}-${NOPE}", lookup, &at);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(at, 8u);
}

TEST_F(HostileInputTest, ADeployerArgvKeepsOnlyThePlaceholdersWrittenInTheManifest) {
  vars_["EXTRA"] = "{image}";
  Write("shop/plan.yaml",
        "app: shop\nreleases: releases/\nenvironments:\n  local:\n"
        "    database: sqlite:shop.db\n"
        "    deployer: {kind: command, set: [deploy, \"{image}\", \"${EXTRA}\"]}\n");
  Write("shop/releases/1.0.0.yaml", "version: 1.0.0\nimage: shop:1\n");
  auto plan = Load();
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const auto& spec = plan->environments.at("local").deployer;
  EXPECT_EQ(spec.lists.at("set"), (std::vector<std::string>{"deploy", "{image}", "{image}"}));
  const auto& t = spec.templates.at("set");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[1], (std::vector<TemplatePiece>{{"image", true}}));
  EXPECT_EQ(t[2], (std::vector<TemplatePiece>{{"{image}", false}}));
}

// ---- item 16: confinement ----------------------------------------------------------------------

TEST_F(HostileInputTest, ASqlPathOutsideThePlanFolderIsRefusedWithoutReadingIt) {
  WritePlan();
  Write("secret.txt", "root:x:0:0:TOP-SECRET\n");
  WriteMigration("../../secret.txt", "../sql/down.sql");
  Write("shop/sql/down.sql", "SELECT 1;\n");
  std::string err = LoadError();
  EXPECT_TRUE(Contains(err, "releases/1.0.0.yaml:4:")) << err;
  EXPECT_TRUE(Contains(err, "resolves to " + fs::canonical(P("secret.txt")).string() +
                                ", outside the plan's folder"))
      << err;
  EXPECT_FALSE(Contains(err, "TOP-SECRET")) << err;

  // An absolute path, and one that does not exist, are refused too.
  WriteMigration("/etc/passwd", "../../nothing-here.sql");
  err = LoadError();
  EXPECT_TRUE(Contains(err, "SQL file /etc/passwd resolves to /etc/passwd, outside")) << err;
  EXPECT_TRUE(Contains(err, "nothing-here.sql, outside")) << err;
}

TEST_F(HostileInputTest, ASymlinkOutOfThePlanFolderIsRefused) {
  WritePlan();
  Write("secret.txt", "TOP-SECRET\n");
  fs::create_directories(P("shop/sql"));
  fs::create_symlink(P("secret.txt"), P("shop/sql/up.sql"));
  Write("shop/sql/down.sql", "SELECT 1;\n");
  WriteMigration("../sql/up.sql", "../sql/down.sql");
  std::string err = LoadError();
  EXPECT_TRUE(Contains(err, "SQL file " + P("shop/releases/../sql/up.sql") + " resolves to"))
      << err;
  EXPECT_FALSE(Contains(err, "TOP-SECRET")) << err;

  // A release manifest in the releases folder that links out of it.
  fs::remove(P("shop/sql/up.sql"));
  Write("shop/sql/up.sql", "SELECT 1;\n");
  Write("elsewhere/2.0.0.yaml", "version: 2.0.0\nimage: shop:2\n");
  fs::create_symlink(P("elsewhere/2.0.0.yaml"), P("shop/releases/2.0.0.yaml"));
  err = LoadError();
  EXPECT_TRUE(Contains(err, "release manifest " + P("shop/releases/2.0.0.yaml") + " resolves to"))
      << err;
}

TEST_F(HostileInputTest, AllowOutsidePathsListsFoldersThatMayBeRead) {
  WritePlan("policy:\n  allow_outside_paths: [../shared]\n");
  Write("shared/up.sql", "SELECT 1;\n");
  Write("shared/down.sql", "SELECT 2;\n");
  Write("secret.txt", "TOP-SECRET\n");
  WriteMigration("../../shared/up.sql", "../../shared/down.sql");
  auto plan = Load();
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->policy.allow_outside_paths, (std::vector<std::string>{"../shared"}));
  EXPECT_EQ(plan->releases.at(0).migrations.at(0).up.text, "SELECT 1;\n");
  // ... and only those.
  WriteMigration("../../shared/up.sql", "../../secret.txt");
  std::string err = LoadError();
  EXPECT_TRUE(Contains(err, "and the folders of policy.allow_outside_paths")) << err;
}

// ---- item 17: one document per file ------------------------------------------------------------

TEST_F(HostileInputTest, ASecondYamlDocumentIsRefused) {
  WritePlan();
  Write("shop/releases/1.0.0.yaml",
        "version: 1.0.0\nimage: shop:1\n---\nversion: 2.0.0\nimage: shop:2\n");
  std::string err = LoadError();
  EXPECT_TRUE(Contains(err, "releases/1.0.0.yaml:4:1: a second YAML document")) << err;
  Write("shop/releases/1.0.0.yaml", "---\nversion: 1.0.0\nimage: shop:1\n...\n");
  EXPECT_TRUE(Load().ok());  // one document, with its markers
  WritePlan("---\napp: other\n");
  err = LoadError();
  EXPECT_TRUE(Contains(err, "shop/plan.yaml:8:1: a second YAML document")) << err;
}

}  // namespace
}  // namespace orchestrate
