// The deployer kinds that drive a command-line tool: command (any program), kubectl, helm and ssm
// (the AWS CLI). Each builds exact argv lists, runs them through the process runner, and can list
// them without running anything (SwapActions) for `plan` and the review script.
// Over 500 lines: the four kinds share their argv building and read-back; each is short.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "orchestrator/deployers/internal.h"
#include "plans/manifest.h"

namespace orchestrate {
namespace deployers {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

ProcessDeployer::ProcessDeployer(const DeployerSpec& spec, const std::vector<Release>* releases,
                                 ProcessRunner run)
    : spec_(spec), run_(run ? std::move(run) : ProcessRunner(RunChildProcess)) {
  if (releases)
    for (const auto& r : *releases) releases_.emplace_back(r.version, r.image);
  for (const auto& name : List("secret_env"))
    if (const char* v = std::getenv(name.c_str()); v && *v) secrets_.push_back(v);
  double t = 0;
  if (ParseDuration(Setting("timeout"), &t) && t > 0) timeout_seconds_ = t;
}

std::string ProcessDeployer::Setting(const std::string& key, const std::string& fallback) const {
  auto it = spec_.settings.find(key);
  return it == spec_.settings.end() || it->second.empty() ? fallback : it->second;
}

std::vector<std::string> ProcessDeployer::List(const std::string& key) const {
  auto it = spec_.lists.find(key);
  return it == spec_.lists.end() ? std::vector<std::string>() : it->second;
}

std::string ProcessDeployer::TimeoutFlag() const {
  return std::to_string(static_cast<long>(timeout_seconds_ + 0.999)) + "s";
}

std::string ProcessDeployer::ImageOf(const std::string& stored) const {
  if (stored.empty()) return stored;
  for (const auto& [version, image] : releases_)
    if (image == stored) return image;
  for (auto it = releases_.rbegin(); it != releases_.rend(); ++it)
    if (it->first == stored || ImageTag(it->second) == stored) return it->second;
  return stored;
}

Result<std::string> ProcessDeployer::ValueToStore(const SwapContext& swap,
                                                  const std::string& store) const {
  if (store == "image") return swap.image;
  if (store == "version") {
    if (swap.version.empty())
      return Status::Invalid(Where() + ": no release has the image " + swap.image +
                             ", so there is no version to store (store: version)");
    return swap.version;
  }
  std::string tag = ImageTag(swap.image);
  if (tag.empty())
    return Status::Invalid(Where() + ": the image " + swap.image +
                           " has no tag to store (store: tag): give it one, or use store: image");
  return tag;
}

SwapContext ProcessDeployer::ContextFor(const std::string& image) const {
  SwapContext c;
  c.image = image;
  for (const auto& [version, img] : releases_)
    if (img == image) c.version = version;
  return c;
}

Result<ProcessReport> ProcessDeployer::Run(const std::vector<std::string>& argv,
                                           double timeout_seconds,
                                           const std::string& working_dir) const {
  return RunLogged(argv, timeout_seconds, working_dir, false);
}

Status ProcessDeployer::SwapTo(const SwapContext& swap) {
  for (const std::string& part : SwapParts()) ORCH_RETURN_IF_ERROR(RunSwapPart(part, swap));
  return Status::Ok();
}

Status ProcessDeployer::RunSwapPart(const std::string& part, const SwapContext& swap) {
  const auto parts = SwapParts();
  if (std::find(parts.begin(), parts.end(), part) == parts.end())
    return Status::Invalid("no swap part '" + part + "' in " + Describe());
  interrupted_ = swap.interrupted;
  Status st = DoSwapPart(part, swap);
  interrupted_ = nullptr;
  return st;
}

Result<ProcessReport> ProcessDeployer::Read(const std::vector<std::string>& argv) const {
  return RunLogged(argv, 0, "", true);
}

Result<ProcessReport> ProcessDeployer::RunLogged(const std::vector<std::string>& argv,
                                                 double timeout_seconds,
                                                 const std::string& working_dir,
                                                 bool reading) const {
  ProcessRequest req;
  req.argv = argv;
  req.timeout_seconds = timeout_seconds > 0 ? timeout_seconds : timeout_seconds_;
  req.secrets = secrets_;
  req.working_dir = working_dir;
  req.cancelled = interrupted_;
  spdlog::log(reading ? spdlog::level::debug : spdlog::level::info, "{} deployer: running {}",
              Name(spec_.kind), Shown(argv));
  auto r = run_(req);
  if (!r.ok()) return r.status().WithContext(Where() + ": " + Name(spec_.kind) + " deployer");
  // What a swap printed is kept in the log (verbose for reads): it is the record of what the
  // tool did.
  auto level = reading ? spdlog::level::debug : spdlog::level::info;
  if (!r->out.empty()) spdlog::log(level, "{} stdout:\n{}", r->shown, r->out);
  if (!r->err.empty()) spdlog::log(level, "{} stderr:\n{}", r->shown, r->err);
  if (r->cancelled)
    return Status::Cancelled("`" + r->shown + "` " + r->Outcome() +
                             "; the swap runs again when the same command is run again");
  if (!r->ok()) {
    // The end of the output goes into the error, and so into the journal's step row.
    std::string tail = r->Tail();
    return Status::Failed("`" + r->shown + "` " + r->Outcome() +
                          (tail.empty() ? " and printed nothing" : ": " + tail));
  }
  return r;
}

namespace {

const char* const kPlaceholders[] = {"image", "tag", "version", "env", "app"};

// The argv template of list `key`: per element, literal text and {name} placeholders (see
// DeployerSpec::templates); split from `lists` when the spec was built without templates.
std::vector<std::vector<TemplatePiece>> TemplateOf(const DeployerSpec& spec,
                                                   const std::string& key) {
  auto t = spec.templates.find(key);
  auto l = spec.lists.find(key);
  if (l == spec.lists.end()) return {};
  if (t != spec.templates.end() && t->second.size() == l->second.size()) return t->second;
  std::vector<std::vector<TemplatePiece>> out;
  for (const auto& arg : l->second) out.push_back(SplitPlaceholders(arg));
  return out;
}

// The first {name} placeholder of the template that is not known: "" when all are.
std::string UnknownPlaceholder(const std::vector<TemplatePiece>& arg) {
  for (const auto& piece : arg) {
    if (!piece.placeholder) continue;
    bool known = false;
    for (const char* p : kPlaceholders) known = known || piece.text == p;
    if (!known) return "{" + piece.text + "}";
  }
  return "";
}

// `command`: set (required), get and status argv lists with {image} {tag} {version} {env} {app}.
class CommandDeployer : public ProcessDeployer {
 public:
  using ProcessDeployer::ProcessDeployer;

  std::string Describe() const override { return "command " + Shown(List("set")); }

  Result<std::string> Current() override {
    auto get = List("get");
    // Without `get` nothing tells what runs: report what this process set, else nothing, so a
    // run always swaps (set commands must be idempotent).
    if (get.empty()) return last_set_;
    auto r = Read(get);
    if (!r.ok()) return r.status().WithContext("reading the running image");
    return ImageOf(Trim(r->out));
  }

  std::vector<std::string> SwapParts() const override {
    if (List("status").empty()) return {"set"};
    return {"set", "status"};
  }

  Status DoSwapPart(const std::string& part, const SwapContext& swap) override {
    if (part == "status") {
      auto st = Run(Fill("status", swap));
      return st.ok() ? Status::Ok() : st.status().WithContext("the status command after the swap");
    }
    if (ImageTag(swap.image).empty() && UsesTag())
      return Status::Invalid(Where() + ": the image " + swap.image +
                             " has no tag to fill in {tag}");
    auto set = Run(Fill("set", swap));
    if (!set.ok()) return set.status();
    last_set_ = swap.image;
    return Status::Ok();
  }

  std::vector<std::string> SwapActions(const SwapContext& swap) const override {
    std::vector<std::string> lines = {Shown(Fill("set", swap))};
    if (!List("status").empty()) lines.push_back(Shown(Fill("status", swap)));
    return lines;
  }

 private:
  bool UsesTag() const {
    for (const auto& arg : TemplateOf(spec_, "set"))
      for (const auto& piece : arg)
        if (piece.placeholder && piece.text == "tag") return true;
    return false;
  }

  // The argv of list `key` for the swap: each placeholder replaced by its value, once, left to
  // right (a value holding "{env}" stays as it is).
  std::vector<std::string> Fill(const std::string& key, const SwapContext& swap) const {
    const std::pair<const char*, std::string> values[] = {{"image", swap.image},
                                                          {"tag", ImageTag(swap.image)},
                                                          {"version", swap.version},
                                                          {"env", swap.environment},
                                                          {"app", swap.app}};
    std::vector<std::string> argv;
    for (const auto& pieces : TemplateOf(spec_, key)) {
      std::string arg;
      for (const auto& piece : pieces) {
        const std::string* value = nullptr;
        if (piece.placeholder)
          for (const auto& [name, v] : values)
            if (piece.text == name) value = &v;
        arg += value ? *value : piece.placeholder ? "{" + piece.text + "}" : piece.text;
      }
      argv.push_back(std::move(arg));
    }
    return argv;
  }

  std::string last_set_;
};

// `kubectl`: set image on one container of a deployment, then wait for the rollout.
class KubectlDeployer : public ProcessDeployer {
 public:
  using ProcessDeployer::ProcessDeployer;

  std::string Describe() const override {
    return "kubectl deployment/" + Setting("deployment") + " container " + Setting("container") +
           " in namespace " + Setting("namespace") +
           (Setting("context").empty() ? "" : " (context " + Setting("context") + ")");
  }

  Result<std::string> Current() override {
    auto r = Read(Get());
    if (!r.ok()) return r.status().WithContext("reading the running image");
    std::string image = Trim(r->out);
    if (image.empty())
      return Status::Failed(Where() + ": deployment/" + Setting("deployment") +
                            " has no container named '" + Setting("container") +
                            "': fix 'container' in the deployer");
    return image;
  }

  std::vector<std::string> SwapParts() const override { return {"set", "rollout"}; }

  Status DoSwapPart(const std::string& part, const SwapContext& swap) override {
    if (part == "set") {
      auto set = Run(Set(swap.image));
      return set.ok() ? Status::Ok() : set.status();
    }
    // kubectl waits for at most --timeout itself; the runner's limit is only a backstop.
    auto rollout = Run(Rollout(), timeout_seconds_ + 30);
    if (!rollout.ok()) return rollout.status().WithContext("the rollout did not complete");
    return Status::Ok();
  }

  std::vector<std::string> SwapActions(const SwapContext& swap) const override {
    return {Shown(Set(swap.image)), Shown(Rollout())};
  }

 private:
  std::vector<std::string> Base() const {
    std::vector<std::string> argv = {"kubectl"};
    if (!Setting("context").empty()) argv.insert(argv.end(), {"--context", Setting("context")});
    argv.insert(argv.end(), {"-n", Setting("namespace")});
    return argv;
  }
  std::vector<std::string> Set(const std::string& image) const {
    auto argv = Base();
    argv.insert(argv.end(), {"set", "image", "deployment/" + Setting("deployment"),
                             Setting("container") + "=" + image});
    return argv;
  }
  std::vector<std::string> Rollout() const {
    auto argv = Base();
    argv.insert(argv.end(), {"rollout", "status", "deployment/" + Setting("deployment"),
                             "--timeout=" + TimeoutFlag()});
    return argv;
  }
  std::vector<std::string> Get() const {
    auto argv = Base();
    argv.insert(argv.end(), {"get", "deployment/" + Setting("deployment"), "-o",
                             "jsonpath={.spec.template.spec.containers[?(@.name==\"" +
                                 Setting("container") + "\")].image}"});
    return argv;
  }
};

// `value` as helm's --set-string reads it back: a ',' would start another assignment and a '\\'
// escapes what follows, so both are escaped; the value stays one string whatever it holds.
std::string SetStringValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == ',' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// `helm`: upgrade the release with one value changed (the tag by default), waiting for it.
class HelmDeployer : public ProcessDeployer {
 public:
  using ProcessDeployer::ProcessDeployer;

  std::string Describe() const override {
    return "helm release " + Setting("release") + " (" + Setting("chart") + ") in namespace " +
           Setting("namespace") + ", value " + Value();
  }

  Result<std::string> Current() override {
    auto r = Read(
        {"helm", "get", "values", Setting("release"), "-n", Setting("namespace"), "-o", "json"});
    if (!r.ok()) return r.status().WithContext("reading the running image");
    nlohmann::json j = nlohmann::json::parse(r->out, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
      return Status::Failed(Where() + ": `helm get values` printed something that is not JSON: " +
                            r->out.substr(0, 200));
    const nlohmann::json* node = &j;
    std::string path = Value();
    for (size_t at = 0;;) {
      size_t dot = path.find('.', at);
      std::string part = path.substr(at, dot == std::string::npos ? dot : dot - at);
      if (!node->is_object() || !node->contains(part)) return std::string();  // never set
      node = &(*node)[part];
      if (dot == std::string::npos) break;
      at = dot + 1;
    }
    std::string stored = node->is_string() ? node->get<std::string>() : node->dump();
    if (Store() == "tag" && stored.empty()) return std::string();
    return ImageOf(stored);
  }

  Status DoSwapPart(const std::string&, const SwapContext& swap) override {
    auto argv = Upgrade(swap);
    if (!argv.ok()) return argv.status();
    auto r = Run(*argv, timeout_seconds_ + 30);
    return r.ok() ? Status::Ok() : r.status();
  }

  std::vector<std::string> SwapActions(const SwapContext& swap) const override {
    auto argv = Upgrade(swap);
    if (!argv.ok()) return {"cannot swap: " + argv.status().message()};
    return {Shown(*argv)};
  }

 private:
  std::string Value() const { return Setting("value", "image.tag"); }
  std::string Store() const { return Setting("store", "tag"); }
  Result<std::vector<std::string>> Upgrade(const SwapContext& swap) const {
    auto value = ValueToStore(swap, Store());
    if (!value.ok()) return value.status();
    // --set-string, not --set: helm would read a tag such as 1.10 as the number 1.1.
    std::vector<std::string> argv = {"helm", "upgrade", Setting("release"), Setting("chart")};
    argv.insert(argv.end(), {"-n", Setting("namespace"), "--reuse-values"});
    argv.insert(argv.end(), {"--set-string", Value() + "=" + SetStringValue(*value)});
    argv.insert(argv.end(), {"--wait", "--timeout", TimeoutFlag()});
    return argv;
  }
};

// `ssm`: an AWS SSM parameter holds the image (or tag, or version); an optional trigger command
// makes the platform pick it up.
class SsmDeployer : public ProcessDeployer {
 public:
  using ProcessDeployer::ProcessDeployer;

  std::string Describe() const override {
    return "ssm parameter " + Setting("parameter") +
           (Setting("region").empty() ? "" : " in " + Setting("region"));
  }

  Result<std::string> Current() override {
    std::vector<std::string> argv = {"aws", "ssm", "get-parameter", "--name", Setting("parameter")};
    argv.insert(argv.end(), {"--query", "Parameter.Value", "--output", "text"});
    AddRegion(&argv);
    auto r = Read(argv);
    if (!r.ok()) {
      // Nothing was ever deployed: put-parameter will create it.
      if (r.status().message().find("ParameterNotFound") != std::string::npos) return std::string();
      return r.status().WithContext("reading the running image");
    }
    return ImageOf(Trim(r->out));
  }

  std::vector<std::string> SwapParts() const override {
    if (List("trigger").empty()) return {"put"};
    return {"put", "trigger"};
  }

  Status DoSwapPart(const std::string& part, const SwapContext& swap) override {
    if (part == "trigger") {
      auto t = Run(List("trigger"));
      return t.ok() ? Status::Ok()
                    : t.status().WithContext("the trigger after the parameter was written");
    }
    auto put = Put(swap);
    if (!put.ok()) return put.status();
    auto r = Run(*put);
    return r.ok() ? Status::Ok() : r.status();
  }

  std::vector<std::string> SwapActions(const SwapContext& swap) const override {
    auto put = Put(swap);
    if (!put.ok()) return {"cannot swap: " + put.status().message()};
    std::vector<std::string> lines = {Shown(*put)};
    if (!List("trigger").empty()) lines.push_back(Shown(List("trigger")));
    return lines;
  }

 private:
  void AddRegion(std::vector<std::string>* argv) const {
    if (!Setting("region").empty()) argv->insert(argv->end(), {"--region", Setting("region")});
  }
  Result<std::vector<std::string>> Put(const SwapContext& swap) const {
    auto value = ValueToStore(swap, Setting("store", "image"));
    if (!value.ok()) return value.status();
    std::vector<std::string> argv = {"aws", "ssm", "put-parameter", "--name", Setting("parameter")};
    argv.insert(argv.end(), {"--value", *value, "--type", "String", "--overwrite"});
    AddRegion(&argv);
    return argv;
  }
};

}  // namespace

Result<std::unique_ptr<Deployer>> MakeCommandDeployer(const DeployerSpec& spec,
                                                      const std::vector<Release>* releases,
                                                      ProcessRunner run) {
  for (const char* key : {"set", "get", "status"}) {
    for (const auto& arg : TemplateOf(spec, key)) {
      if (std::string(key) == "get")
        for (const auto& piece : arg)
          for (const char* p : kPlaceholders)
            if (piece.placeholder && piece.text == p)
              return Status::Invalid(spec.pos.str() +
                                     ": 'get' reads what runs before anything is swapped, so it "
                                     "takes no placeholders: remove {" +
                                     p + "}");
      std::string unknown = UnknownPlaceholder(arg);
      if (!unknown.empty())
        return Status::Invalid(spec.pos.str() + ": unknown placeholder " + unknown + " in '" + key +
                               "' (known: {image}, {tag}, {version}, {env}, {app})");
    }
  }
  if (!spec.lists.count("set") || spec.lists.at("set").empty())
    return Status::Invalid(spec.pos.str() +
                           ": a command deployer needs 'set': the argv that "
                           "points the application at {image}");
  return std::unique_ptr<Deployer>(
      std::make_unique<CommandDeployer>(spec, releases, std::move(run)));
}

std::unique_ptr<Deployer> MakeKubectlDeployer(const DeployerSpec& spec,
                                              const std::vector<Release>* releases,
                                              ProcessRunner run) {
  return std::make_unique<KubectlDeployer>(spec, releases, std::move(run));
}

std::unique_ptr<Deployer> MakeHelmDeployer(const DeployerSpec& spec,
                                           const std::vector<Release>* releases,
                                           ProcessRunner run) {
  return std::make_unique<HelmDeployer>(spec, releases, std::move(run));
}

std::unique_ptr<Deployer> MakeSsmDeployer(const DeployerSpec& spec,
                                          const std::vector<Release>* releases, ProcessRunner run) {
  return std::make_unique<SsmDeployer>(spec, releases, std::move(run));
}

}  // namespace deployers

std::string ImageTag(const std::string& image) {
  std::string name = image.substr(0, image.find('@'));
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return "";
  return name.substr(colon + 1);
}

SwapContext SwapContextFor(const Plan& plan, const std::string& image_from,
                           const std::string& image_to, const std::string& version,
                           const std::string& direction, const std::string& environment,
                           const std::string& reason) {
  SwapContext c;
  c.image = image_to;
  c.version = version;
  c.from_image = image_from;
  for (const auto& r : plan.releases)
    if (!image_from.empty() && r.image == image_from) c.from_version = r.version;
  c.app = plan.app;
  c.environment = environment;
  c.reason = reason;
  c.direction = direction;
  return c;
}

Result<std::unique_ptr<Deployer>> MakeProcessDeployer(const DeployerSpec& spec,
                                                      const std::vector<Release>* releases,
                                                      ProcessRunner run) {
  using namespace deployers;
  switch (spec.kind) {
    case DeployerKind::kCommand:
      return MakeCommandDeployer(spec, releases, std::move(run));
    case DeployerKind::kKubectl:
      return MakeKubectlDeployer(spec, releases, std::move(run));
    case DeployerKind::kHelm:
      return MakeHelmDeployer(spec, releases, std::move(run));
    case DeployerKind::kSsm:
      return MakeSsmDeployer(spec, releases, std::move(run));
    case DeployerKind::kGitops:
      return MakeGitopsDeployer(spec, releases, std::move(run));
    case DeployerKind::kFile:
      break;  // not a process deployer (MakeDeployer)
  }
  return Status::Invalid(spec.pos.str() + ": unknown deployer kind '" + Name(spec.kind) + "'");
}

}  // namespace orchestrate
