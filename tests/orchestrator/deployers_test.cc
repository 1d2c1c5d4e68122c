// The deployer kinds with real processes. kubectl, helm and aws are stand-in scripts placed first
// on PATH that record the argv they were given (and keep the "running image" in a file): what is
// compared is the exact command line orchestrate runs. gitops runs real git against a repository
// and a bare remote made by the test. Verification runs real commands.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <sstream>

#include "orchestrator/deployer.h"
#include "orchestrator/deployers/yaml_scalar.h"
#include "orchestrator/fleet.h"
#include "orchestrator/verify.h"
#include "plans/manifest.h"
#include "tests/fakes/process_runner.h"
#include "tests/support/test_util.h"

namespace orchestrate {
namespace {

using testing::ReadFileOrDie;
using testing::TempDir;
using testing::WriteFileOrDie;

std::string Sh(const std::string& cmd) {
  auto r = testing::RunProcess({"/bin/sh", "-c", cmd});
  EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
  return r.out;
}

void WriteScript(const std::string& path, const std::string& body) {
  WriteFileOrDie(path, "#!/bin/sh\n" + body);
  chmod(path.c_str(), 0755);
}

// Puts `dir` first on PATH for the test's lifetime (deployers run tools from PATH).
class PathGuard {
 public:
  explicit PathGuard(const std::string& dir) : old_(std::getenv("PATH")) {
    setenv("PATH", (dir + ":" + old_).c_str(), 1);
  }
  ~PathGuard() { setenv("PATH", old_.c_str(), 1); }

 private:
  std::string old_;
};

std::vector<Release> Releases() {
  std::vector<Release> rels(2);
  rels[0].version = "1.0.0";
  rels[0].image = "registry.example.com:5000/shop:1.0.0";
  rels[1].version = "1.1.0";
  rels[1].image = "registry.example.com:5000/shop:1.1.0";
  return rels;
}

SwapContext Rollback() {
  SwapContext s;
  s.image = "registry.example.com:5000/shop:1.0.0";
  s.version = "1.0.0";
  s.from_image = "registry.example.com:5000/shop:1.1.0";
  s.from_version = "1.1.0";
  s.app = "shop";
  s.environment = "staging";
  s.reason = "checkout 500s";
  s.direction = "rollback";
  return s;
}

std::unique_ptr<Deployer> Make(const DeployerSpec& spec, const std::vector<Release>& rels) {
  auto d = MakeDeployer(spec, &rels);
  EXPECT_TRUE(d.ok()) << d.status().message();
  return d.ok() ? std::move(d).value() : nullptr;
}

// A fake tool: each call appends "name|arg|arg|...|" to $dir/calls; `logic` keeps the state.
class FakeToolTest : public ::testing::Test {
 protected:
  void Fake(const std::string& name, const std::string& logic) {
    WriteScript(dir_ / ("bin/" + name), "{ printf '%s|' " + name + " \"$@\"; echo; } >> " +
                                            dir_ / "calls" + "\n" + "STATE=" + dir_ / "state" +
                                            "\n" + logic);
  }
  std::vector<std::string> Calls() {
    std::vector<std::string> out;
    std::istringstream in(ReadFileOrDie(dir_ / "calls"));
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  TempDir dir_;
};

TEST(ImageTagTest, TagIsAfterTheLastColonOfTheLastPathPart) {
  EXPECT_EQ(ImageTag("registry.example.com:5000/shop:1.2.0"), "1.2.0");
  EXPECT_EQ(ImageTag("registry.example.com:5000/shop"), "");
  EXPECT_EQ(ImageTag("shop:1.2@sha256:abcd"), "1.2");
  EXPECT_EQ(ImageTag("shop@sha256:abcd"), "");
}

using KubectlTest = FakeToolTest;

TEST_F(KubectlTest, ExactArgvForSetRolloutAndGet) {
  Fake("kubectl",
       "for a; do last=$a; done\n"
       "case \"$*\" in\n"
       "  *' set image '*) echo \"${last#*=}\" > $STATE ;;\n"
       "  *' get '*) cat $STATE ;;\n"
       "esac\n");
  PathGuard path(dir_ / "bin");
  DeployerSpec spec;
  spec.kind = DeployerKind::kKubectl;
  spec.settings = {{"namespace", "shop"},
                   {"deployment", "web"},
                   {"container", "app"},
                   {"context", "prod-eu"},
                   {"timeout", "90s"}};
  auto d = Make(spec, Releases());
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->SwapTo(Rollback()).ok());
  auto now = d->Current();
  ASSERT_TRUE(now.ok()) << now.status().message();
  EXPECT_EQ(*now, "registry.example.com:5000/shop:1.0.0");
  std::vector<std::string> want = {
      "kubectl|--context|prod-eu|-n|shop|set|image|deployment/web|"
      "app=registry.example.com:5000/shop:1.0.0|",
      "kubectl|--context|prod-eu|-n|shop|rollout|status|deployment/web|--timeout=90s|",
      "kubectl|--context|prod-eu|-n|shop|get|deployment/web|-o|"
      "jsonpath={.spec.template.spec.containers[?(@.name==\"app\")].image}|"};
  EXPECT_EQ(Calls(), want);
  // What `plan` and the review script show is what ran.
  auto shown = d->SwapActions(Rollback());
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_EQ(shown[0],
            "kubectl --context prod-eu -n shop set image deployment/web "
            "app=registry.example.com:5000/shop:1.0.0");
  EXPECT_EQ(shown[1],
            "kubectl --context prod-eu -n shop rollout status deployment/web "
            "--timeout=90s");
}

TEST_F(KubectlTest, AFailedRolloutFailsTheSwapWithKubectlsMessage) {
  Fake("kubectl",
       "case \"$*\" in *' rollout '*) echo 'error: deployment \"web\" exceeded its progress "
       "deadline' >&2; exit 1;; esac\n");
  PathGuard path(dir_ / "bin");
  DeployerSpec spec;
  spec.kind = DeployerKind::kKubectl;
  spec.settings = {{"namespace", "shop"}, {"deployment", "web"}, {"container", "app"}};
  auto d = Make(spec, Releases());
  Status st = d->SwapTo(Rollback());
  EXPECT_EQ(st.code(), Code::kFailed);
  EXPECT_NE(st.message().find("exceeded its progress deadline"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("kubectl -n shop rollout status deployment/web --timeout=300s"),
            std::string::npos)
      << st.message();
}

// ---- with a recording process runner (tests/fakes/process_runner.h): nothing is started -------

TEST(FakeRunnerTest, KubectlRunsExactlyWhatItShowsAndReadsTheImageBack) {
  fakes::RecordingProcessRunner runner;
  DeployerSpec spec;
  spec.kind = DeployerKind::kKubectl;
  spec.settings = {
      {"namespace", "shop"}, {"deployment", "web"}, {"container", "app"}, {"timeout", "90s"}};
  const auto rels = Releases();
  auto d = MakeDeployer(spec, &rels, runner.Runner());
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_TRUE((*d)->SwapTo(Rollback()).ok());
  EXPECT_EQ(runner.Commands(), (*d)->SwapActions(Rollback()));
  ASSERT_EQ(runner.requests().size(), 2u);
  // The set within the kind's timeout; the rollout, which kubectl bounds by --timeout itself,
  // with a backstop 30 s later.
  EXPECT_EQ(runner.requests()[0].timeout_seconds, 90);
  EXPECT_EQ(runner.requests()[1].timeout_seconds, 120);

  runner.Then({0, "registry.example.com:5000/shop:1.0.0\n", ""});
  auto now = (*d)->Current();
  ASSERT_TRUE(now.ok()) << now.status().message();
  EXPECT_EQ(*now, "registry.example.com:5000/shop:1.0.0");
  ASSERT_EQ(runner.requests().size(), 3u);
  EXPECT_EQ(runner.requests().back().argv.at(0), "kubectl");
}

TEST(FakeRunnerTest, AFailingPartStopsTheSwapAndAMissingProgramIsNamed) {
  fakes::RecordingProcessRunner runner;
  DeployerSpec spec;
  spec.kind = DeployerKind::kKubectl;
  spec.settings = {{"namespace", "shop"}, {"deployment", "web"}, {"container", "app"}};
  const auto rels = Releases();
  auto d = MakeDeployer(spec, &rels, runner.Runner());
  ASSERT_TRUE(d.ok()) << d.status().message();
  runner.Then({1, "", "error: deployments.apps \"web\" not found"});
  Status st = (*d)->SwapTo(Rollback());
  EXPECT_EQ(st.code(), Code::kFailed);
  EXPECT_NE(st.message().find("exited with 1"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("\"web\" not found"), std::string::npos) << st.message();
  EXPECT_EQ(runner.requests().size(), 1u) << "the rollout status does not run after a failed set";

  fakes::RecordingProcessRunner::Reply missing;
  missing.cannot_start = true;
  runner.Then(missing);
  st = (*d)->RunSwapPart("set", Rollback());
  EXPECT_EQ(st.code(), Code::kFailed);
  EXPECT_NE(st.message().find("kubectl deployer"), std::string::npos) << st.message();
}

using HelmTest = FakeToolTest;

TEST_F(HelmTest, ExactArgvAndTheTagReadBackAsTheReleaseImage) {
  Fake("helm",
       "prev=\n"
       "for a; do [ \"$prev\" = --set-string ] && echo \"${a#*=}\" > $STATE; prev=$a; done\n"
       "case \"$*\" in *'get values'*) printf '{\"image\":{\"tag\":\"%s\"},\"replicas\":3}' "
       "\"$(cat $STATE)\";; esac\n");
  PathGuard path(dir_ / "bin");
  DeployerSpec spec;
  spec.kind = DeployerKind::kHelm;
  spec.settings = {
      {"release", "shop"}, {"chart", "charts/shop"}, {"namespace", "prod"}, {"timeout", "5m"}};
  auto d = Make(spec, Releases());
  ASSERT_TRUE(d->SwapTo(Rollback()).ok());
  auto now = d->Current();
  ASSERT_TRUE(now.ok()) << now.status().message();
  EXPECT_EQ(*now, "registry.example.com:5000/shop:1.0.0");
  std::vector<std::string> want = {
      "helm|upgrade|shop|charts/shop|-n|prod|--reuse-values|--set-string|image.tag=1.0.0|--wait|"
      "--timeout|300s|",
      "helm|get|values|shop|-n|prod|-o|json|"};
  EXPECT_EQ(Calls(), want);
}

// Whatever the stored value holds (the manifest refuses such images; a deployer does not rely on
// it), helm's --set-string gets one value: ',' and '\\' are escaped, so nothing is split into
// another assignment (issue 15, item 14).
TEST_F(HelmTest, AValueWithCommasStaysOneValue) {
  Fake("helm", "exit 0\n");
  PathGuard path(dir_ / "bin");
  DeployerSpec spec;
  spec.kind = DeployerKind::kHelm;
  spec.settings = {{"release", "shop"}, {"chart", "charts/shop"}, {"namespace", "prod"}};
  auto d = Make(spec, Releases());
  SwapContext swap = Rollback();
  swap.image = "registry.example.com/shop:1.1,securityContext.privileged=true\\";
  ASSERT_TRUE(d->SwapTo(swap).ok());
  std::vector<std::string> want = {
      "helm|upgrade|shop|charts/shop|-n|prod|--reuse-values|--set-string|"
      "image.tag=1.1\\,securityContext.privileged=true\\\\|--wait|--timeout|300s|"};
  EXPECT_EQ(Calls(), want);
}

using SsmTest = FakeToolTest;

TEST_F(SsmTest, ExactArgvTriggerAndAMissingParameterMeansNothingDeployed) {
  Fake("aws",
       "prev=\n"
       "for a; do [ \"$prev\" = --value ] && echo \"$a\" > $STATE; prev=$a; done\n"
       "case \"$*\" in *get-parameter*)\n"
       "  [ -f $STATE ] || { echo 'An error occurred (ParameterNotFound)' >&2; exit 254; }\n"
       "  cat $STATE;; esac\n");
  WriteScript(dir_ / "bin/redeploy", "echo redeployed \"$@\" >> " + dir_ / "calls" + "\n");
  PathGuard path(dir_ / "bin");
  DeployerSpec spec;
  spec.kind = DeployerKind::kSsm;
  spec.settings = {{"parameter", "/shop/image"}, {"region", "eu-west-1"}};
  spec.lists["trigger"] = {"redeploy", "--service", "shop"};
  auto d = Make(spec, Releases());
  auto before = d->Current();
  ASSERT_TRUE(before.ok()) << before.status().message();
  EXPECT_EQ(*before, "");
  ASSERT_TRUE(d->SwapTo(Rollback()).ok());
  auto now = d->Current();
  ASSERT_TRUE(now.ok()) << now.status().message();
  EXPECT_EQ(*now, "registry.example.com:5000/shop:1.0.0");
  std::vector<std::string> want = {
      "aws|ssm|get-parameter|--name|/shop/image|--query|Parameter.Value|--output|text|"
      "--region|eu-west-1|",
      "aws|ssm|put-parameter|--name|/shop/image|--value|registry.example.com:5000/shop:1.0.0|"
      "--type|String|--overwrite|--region|eu-west-1|",
      "redeployed --service shop",
      "aws|ssm|get-parameter|--name|/shop/image|--query|Parameter.Value|--output|text|"
      "--region|eu-west-1|"};
  EXPECT_EQ(Calls(), want);
}

TEST(CommandDeployerTest, PlaceholdersStatusAndGetWithRealCommands) {
  TempDir dir;
  DeployerSpec spec;
  spec.kind = DeployerKind::kCommand;
  spec.lists["set"] = {"sh",
                       "-c",
                       "echo \"$1 $2 $3 $4\" > " + dir / "args" + "; echo $1 > " + dir / "image",
                       "set",
                       "{image}",
                       "{tag}",
                       "v{version}",
                       "{env}"};
  spec.lists["get"] = {"cat", dir / "image"};
  spec.lists["status"] = {"test", "-s", dir / "image"};
  auto d = Make(spec, Releases());
  ASSERT_TRUE(d->SwapTo(Rollback()).ok());
  EXPECT_EQ(ReadFileOrDie(dir / "args"),
            "registry.example.com:5000/shop:1.0.0 1.0.0 v1.0.0 staging\n");
  auto now = d->Current();
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(*now, "registry.example.com:5000/shop:1.0.0");
  auto shown = d->SwapActions(Rollback());
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_NE(shown[0].find("registry.example.com:5000/shop:1.0.0 1.0.0 v1.0.0 staging"),
            std::string::npos)
      << shown[0];
}

TEST(CommandDeployerTest, AFailingSetNamesTheCommandAndItsOutputWithSecretsHidden) {
  setenv("ORCH_TEST_DEPLOY_TOKEN", "tok-123456", 1);
  DeployerSpec spec;
  spec.kind = DeployerKind::kCommand;
  spec.lists["set"] = {"sh", "-c", "echo \"denied for token $ORCH_TEST_DEPLOY_TOKEN\" >&2; exit 3"};
  spec.lists["secret_env"] = {"ORCH_TEST_DEPLOY_TOKEN"};
  auto d = Make(spec, Releases());
  Status st = d->SwapTo(Rollback());
  EXPECT_EQ(st.code(), Code::kFailed);
  EXPECT_NE(st.message().find("exited with 3: denied for token ***"), std::string::npos)
      << st.message();
  EXPECT_EQ(st.message().find("tok-123456"), std::string::npos);
}

// Placeholders are filled in once, left to right: a value holding "{env}" (an image, a ${VAR}
// value) stays as it is (issue 15, item 15).
TEST(CommandDeployerTest, PlaceholdersAreFilledInOnceLeftToRight) {
  TempDir dir;
  DeployerSpec spec;
  spec.kind = DeployerKind::kCommand;
  spec.lists["set"] = {"sh",     "-c",      "printf '%s|' \"$@\" > " + dir / "args",
                       "set",    "{image}", "{env}-{app}",
                       "{EXTRA}"};
  // As the manifest parser leaves a set list whose last element was "${EXTRA}" = "{version}".
  for (const auto& arg : spec.lists["set"]) spec.templates["set"].push_back(SplitPlaceholders(arg));
  spec.lists["set"].back() = "{version}";
  spec.templates["set"].back() = {{"{version}", false}};
  auto d = Make(spec, Releases());
  SwapContext swap = Rollback();
  swap.image = "registry.example.com/shop:{env}";  // what an image must not be, passed verbatim
  swap.environment = "{app}";
  ASSERT_TRUE(d->SwapTo(swap).ok());
  EXPECT_EQ(ReadFileOrDie(dir / "args"), "registry.example.com/shop:{env}|{app}-shop|{version}|");
}

TEST(CommandDeployerTest, UnknownPlaceholderIsRefusedWhereItIsDeclared) {
  DeployerSpec spec;
  spec.kind = DeployerKind::kCommand;
  spec.pos = {"plan.yaml", 7, 15};
  spec.lists["set"] = {"deploy", "{imgae}"};
  auto d = MakeDeployer(spec);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(),
            "plan.yaml:7:15: unknown placeholder {imgae} in 'set' (known: {image}, {tag}, "
            "{version}, {env}, {app})");
  spec.lists["set"] = {"deploy", "{image}"};
  spec.lists["get"] = {"current", "{env}"};
  auto get = MakeDeployer(spec);
  ASSERT_FALSE(get.ok());
  EXPECT_NE(get.status().message().find("'get' reads what runs before anything is swapped, so it "
                                        "takes no placeholders: remove {env}"),
            std::string::npos)
      << get.status().message();
}

const char kValues[] =
    "# Values for the shop chart. Edited by hand and by orchestrate.\n"
    "replicas: 3\n"
    "\n"
    "image:\n"
    "  repository: registry.example.com:5000/shop   # the registry\n"
    "  # the tag is what orchestrate changes\n"
    "  tag: \"1.1.0\"  # bumped by CI\n"
    "  pullPolicy: IfNotPresent\n"
    "sidecar:\n"
    "  image:\n"
    "    tag: 9.9.9\n";

class GitopsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Sh("git init -q --bare " + dir_ / "remote.git");
    Sh("git clone -q " + dir_ / "remote.git" + " " + dir_ / "work" + " 2>&1");
    Sh("cd " + dir_ / "work" + " && git config user.email ci@example.com && " +
       "git config user.name CI && git checkout -q -b main");
    WriteFileOrDie(dir_ / "work/deploy/values.yaml", kValues);
    Sh("cd " + dir_ / "work" + " && git add . && git commit -qm init && git push -q origin main");
    spec_.kind = DeployerKind::kGitops;
    spec_.settings = {{"repo", dir_ / "work"},
                      {"file", "deploy/values.yaml"},
                      {"key", "image.tag"},
                      {"push", "true"},
                      {"branch", "main"}};
  }
  std::string Git(const std::string& args) { return Sh("git -C " + dir_ / "work" + " " + args); }
  TempDir dir_;
  DeployerSpec spec_;
};

TEST_F(GitopsTest, EditsOneValueCommitsWithTheReasonAndPushes) {
  auto d = Make(spec_, Releases());
  auto before = d->Current();
  ASSERT_TRUE(before.ok()) << before.status().message();
  EXPECT_EQ(*before, "registry.example.com:5000/shop:1.1.0");
  Status st = d->SwapTo(Rollback());
  ASSERT_TRUE(st.ok()) << st.message();
  std::string want = kValues;
  want.replace(want.find("\"1.1.0\""), 7, "\"1.0.0\"");
  EXPECT_EQ(ReadFileOrDie(dir_ / "work/deploy/values.yaml"), want);
  EXPECT_EQ(Git("log -1 --format=%s"), "shop: rollback 1.1.0 -> 1.0.0 (checkout 500s)\n");
  EXPECT_NE(Git("log -1 --format=%b")
                .find("image: registry.example.com:5000/shop:1.1.0 -> "
                      "registry.example.com:5000/shop:1.0.0"),
            std::string::npos);
  EXPECT_EQ(Git("diff HEAD~1 --stat --format=")
                    .find("1 file changed, 1 insertion(+), 1 "
                          "deletion(-)") != std::string::npos,
            true);
  // Pushed: the remote's main is the local commit.
  EXPECT_EQ(Sh("git -C " + dir_ / "remote.git" + " rev-parse main"), Git("rev-parse HEAD"));
  auto now = d->Current();
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(*now, "registry.example.com:5000/shop:1.0.0");

  // The same swap again is a no-op: no empty commit.
  std::string head = Git("rev-parse HEAD");
  ASSERT_TRUE(d->SwapTo(Rollback()).ok());
  EXPECT_EQ(Git("rev-parse HEAD"), head);

  auto shown = d->SwapActions(Rollback());
  ASSERT_EQ(shown.size(), 3u);
  EXPECT_EQ(shown[0],
            "set image.tag to 1.0.0 in deploy/values.yaml (that value only; the rest "
            "of the file is kept as is)");
  EXPECT_EQ(shown[1].rfind("in the repository: git commit -m $'shop: rollback 1.1.0 -> 1.0.0 "
                           "(checkout 500s)\\n\\n",
                           0),
            0u)
      << shown[1];
  EXPECT_NE(shown[1].find("' -- deploy/values.yaml"), std::string::npos) << shown[1];
  EXPECT_EQ(shown[2], "in the repository: git push origin HEAD:refs/heads/main");
}

TEST_F(GitopsTest, UncommittedChangesAndFlowStyleAreRefused) {
  auto d = Make(spec_, Releases());
  WriteFileOrDie(dir_ / "work/deploy/values.yaml", std::string(kValues) + "extra: 1\n");
  Status dirty = d->SwapTo(Rollback());
  EXPECT_EQ(dirty.code(), Code::kFailed);
  EXPECT_NE(dirty.message().find("has uncommitted changes"), std::string::npos) << dirty.message();

  WriteFileOrDie(dir_ / "work/deploy/values.yaml", "image: {repository: shop, tag: 1.1.0}\n");
  Git("commit -qam flow");
  Status flow = d->SwapTo(Rollback());
  EXPECT_EQ(flow.code(), Code::kInvalid);
  EXPECT_NE(flow.message().find("values.yaml:1: 'image' is written in flow style"),
            std::string::npos)
      << flow.message();
}

// The manifest side: every kind's keys, argv lists and verify checks parse; mistakes name the
// place.
TEST(DeployerManifestTest, KindsAndVerifyParseAndMistakesNameTheirPlace) {
  TempDir dir;
  WriteFileOrDie(dir / "releases/1.0.0.yaml", "version: 1.0.0\nimage: shop:1.0.0\n");
  WriteFileOrDie(dir / "plan.yaml",
                 "app: shop\n"
                 "releases: releases/\n"
                 "environments:\n"
                 "  a:\n"
                 "    database: sqlite:a.db\n"
                 "    deployer: {kind: command, set: [deploy, \"{image}\"], timeout: 2m}\n"
                 "    verify:\n"
                 "      - {http: \"http://x/healthz\", retries: 3, interval: 1s, timeout: 5s}\n"
                 "      - version: {sql: \"SELECT v FROM meta\"}\n"
                 "  b:\n"
                 "    database: sqlite:b.db\n"
                 "    deployer: {kind: gitops, repo: deploy, file: v.yaml, key: image.tag, push: "
                 "yes}\n");
  auto plan = LoadPlan(dir / "plan.yaml", EnvironmentLookup());
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const Environment& a = plan->environments.at("a");
  EXPECT_EQ(a.deployer.lists.at("set"), (std::vector<std::string>{"deploy", "{image}"}));
  EXPECT_EQ(a.deployer.settings.at("timeout"), "2m");
  ASSERT_EQ(a.verify.size(), 2u);
  EXPECT_EQ(a.verify[0].kind, VerifyCheck::Kind::kHttp);
  EXPECT_EQ(a.verify[0].retries, 3);
  EXPECT_EQ(a.verify[0].timeout_seconds, 5);
  EXPECT_EQ(a.verify[1].kind, VerifyCheck::Kind::kVersionSql);
  const Environment& b = plan->environments.at("b");
  EXPECT_EQ(b.deployer.settings.at("repo"), dir / "deploy");
  EXPECT_EQ(b.deployer.settings.at("push"), "true");

  WriteFileOrDie(dir / "plan.yaml",
                 "app: shop\n"
                 "releases: releases/\n"
                 "environments:\n"
                 "  a:\n"
                 "    database: sqlite:a.db\n"
                 "    deployer: {kind: kubectl, namespace: shop, container: web, timeout: soon}\n"
                 "    verify: [{command: [ok], http: \"http://x\"}]\n");
  auto bad = LoadPlan(dir / "plan.yaml", EnvironmentLookup());
  ASSERT_FALSE(bad.ok());
  const std::string p = dir / "plan.yaml";
  EXPECT_EQ(bad.status().message(),
            p +
                ":6:15: the deployer of environment 'a' (kind kubectl) is missing the required key "
                "'deployment'\n" +
                p + ":6:73: 'timeout' must be a duration such as 90s, 5m or 1h\n" + p +
                ":7:14: a verify check needs exactly one of 'command', 'http' or 'version'");
}

TEST(YamlScalarTest, QuotingIsKeptAndNumberLikePlainValuesAreQuoted) {
  using deployers::ReplaceYamlScalar;
  auto plain = ReplaceYamlScalar("a:\n  b: old # c\n", "a.b", "new", "f");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "a:\n  b: new # c\n");
  auto number = ReplaceYamlScalar("a:\n  b: old\n", "a.b", "1.10", "f");
  EXPECT_EQ(*number, "a:\n  b: \"1.10\"\n");
  auto single = ReplaceYamlScalar("b: 'x'\r\nc: 1\r\n", "b", "it's", "f");
  EXPECT_EQ(*single, "b: 'it''s'\r\nc: 1\r\n");
  auto sibling = ReplaceYamlScalar("x:\n  tag: 1\ny:\n  tag: 2\n", "y.tag", "3", "f");
  EXPECT_EQ(*sibling, "x:\n  tag: 1\ny:\n  tag: \"3\"\n");
}

TEST(YamlScalarTest, RefusesWhatItCannotEditSafely) {
  using deployers::FindYamlScalar;
  auto expect = [](const std::string& text, const std::string& key, const std::string& what) {
    auto r = FindYamlScalar(text, key, "v.yaml");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
  };
  expect("a: &x\n  b: 1\n", "a.b", "carries an anchor");
  expect("a:\n  b: *x\n", "a.b", "is an alias");
  expect("a:\n  b: |\n    text\n", "a.b", "is a block scalar");
  expect("a:\n  b: 1\n  b: 2\n", "a.b", "appears twice");
  expect("a:\n  c: 1\n", "a.b", "no key 'a.b'");
  expect("a: 1\n---\na: 2\n", "a", "several YAML documents");
  expect("a:\n  - b: 1\n", "a.b", "is a list");
}

TEST(VerifyTest, RetriesUntilTheThirdAttemptPasses) {
  TempDir dir;
  WriteScript(dir / "check.sh", "n=$(cat " + dir / "count" +
                                    " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " +
                                    dir / "count" + "; [ $n -ge 3 ]\n");
  VerifyCheck c;
  c.argv = {dir / "check.sh"};
  c.retries = 4;
  c.interval_seconds = 0.05;
  Status st = RunVerification({c}, Rollback(), nullptr);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(ReadFileOrDie(dir / "count"), "3\n");
}

TEST(VerifyTest, ACheckThatNeverPassesFailsAfterAllAttempts) {
  VerifyCheck c;
  c.argv = {"sh", "-c", "echo not healthy >&2; exit 1"};
  c.retries = 2;
  c.interval_seconds = 0.01;
  c.pos = {"plan.yaml", 9, 9};
  Status st = RunVerification({c}, Rollback(), nullptr);
  EXPECT_EQ(st.code(), Code::kFailed);
  EXPECT_NE(st.message().find("verify check 1 of 1 (plan.yaml:9:9)"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("failed after 3 attempts: exited with 1: not healthy"),
            std::string::npos)
      << st.message();
}

TEST(VerifyTest, VersionCheckComparesTrimmedOutputWithTheTargetVersion) {
  VerifyCheck c;
  c.kind = VerifyCheck::Kind::kVersionCommand;
  c.argv = {"echo", " 1.0.0 "};
  EXPECT_TRUE(RunVerification({c}, Rollback(), nullptr).ok());
  c.argv = {"echo", "1.1.0"};
  Status st = RunVerification({c}, Rollback(), nullptr);
  EXPECT_NE(st.message().find("reports version '1.1.0', not 1.0.0"), std::string::npos)
      << st.message();
}

TEST(VerifyTest, HttpCheckRunsCurl) {
  VerifyCheck c;
  c.kind = VerifyCheck::Kind::kHttp;
  c.url = "http://127.0.0.1:9/unreachable";
  c.timeout_seconds = 2;
  EXPECT_EQ(DescribeCheck(c),
            "curl -fsS --max-time 2 http://127.0.0.1:9/unreachable (once, 2s each)");
  Status st = RunVerification({c}, Rollback(), nullptr);
  EXPECT_EQ(st.code(), Code::kFailed);
  EXPECT_NE(st.message().find("curl"), std::string::npos) << st.message();
}

// The checks run through the process runner they are given (tests/fakes): each attempt is the
// check's exact argv, retried as declared, and what the program printed decides.
TEST(VerifyTest, ChecksRunThroughTheGivenProcessRunner) {
  fakes::RecordingProcessRunner runner;
  runner.Then({1, "", "warming up", false});
  runner.Then({0, " 1.0.0\n", "", false});
  VerifyCheck c;
  c.kind = VerifyCheck::Kind::kVersionCommand;
  c.argv = {"shop", "--version"};
  c.retries = 2;
  c.interval_seconds = 0.01;
  Status st = RunVerification({c}, Rollback(), nullptr, runner.Runner());
  EXPECT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(runner.requests().size(), 2u);
  EXPECT_EQ(runner.requests()[0].argv, (std::vector<std::string>{"shop", "--version"}));
  EXPECT_EQ(runner.Commands()[1], "shop --version");
}

// A fleet's targets_command runs through the process runner it is given, without a shell; its
// output is one URL per line, comments and blank lines skipped.
TEST(FleetTargetsTest, TheTargetsCommandRunsThroughTheGivenRunner) {
  fakes::RecordingProcessRunner runner;
  runner.Then({0, "# the shards\nsqlite:a.db\n\n  sqlite:b.db\n", "", false});
  Environment env;
  env.name = "fleet";
  env.targets_command = {"list-targets", "--region", "eu"};
  auto urls = FleetTargets(env, nullptr, runner.Runner());
  ASSERT_TRUE(urls.ok()) << urls.status().message();
  EXPECT_EQ(*urls, (std::vector<std::string>{"sqlite:a.db", "sqlite:b.db"}));
  ASSERT_EQ(runner.requests().size(), 1u);
  EXPECT_EQ(runner.requests()[0].argv,
            (std::vector<std::string>{"list-targets", "--region", "eu"}));
}

}  // namespace
}  // namespace orchestrate
