#include "orchestrator/cli/context.h"

#include "orchestrator/cli/json_output.h"

#include <pwd.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "orchestrator/fleet.h"
#include "orchestrator/verify.h"
#include "plans/input_file.h"
#include "plans/json_text.h"
#include "plans/manifest.h"
#include "plans/names.h"
#include "plans/secrets.h"

namespace orchestrate::cli {
namespace {

// --log-format json: each log message as one JSON object on one line: time, level, msg, and the
// fleet target running it ("target"). A message of several lines keeps its first line as "msg";
// the rest is a field: "stdout" or "stderr" for what a deployer or verify command printed (its
// first line ends in "stdout:" / "stderr:"), else "detail". JsonText escapes what needs it and
// replaces bytes that are not UTF-8, so every line parses.
class JsonLineFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string text(msg.payload.data(), msg.payload.size());
    nlohmann::json line = nlohmann::json::object();
    line["time"] = IsoUtcMillis(msg.time);
    const auto level = spdlog::level::to_string_view(msg.level);
    line["level"] = std::string(level.data(), level.size());
    const std::string& target = FleetTargetOfThisThread();
    if (!target.empty()) line["target"] = target;
    const size_t nl = text.find('\n');
    if (nl != std::string::npos) {
      std::string head = text.substr(0, nl);
      std::string field = "detail";
      for (const char* stream : {"stdout", "stderr"}) {
        const std::string suffix = std::string(" ") + stream + ":";
        if (head.size() > suffix.size() &&
            head.compare(head.size() - suffix.size(), suffix.size(), suffix) == 0) {
          field = stream;
          head.pop_back();
        }
      }
      line[field] = text.substr(nl + 1);
      text = head;
    }
    line["msg"] = (target.empty() ? "" : "[" + target + "] ") + text;
    const std::string out = JsonText(line) + "\n";
    dest.append(out.data(), out.data() + out.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLineFormatter>();
  }
};

// %*: "[target] " while a thread runs a fleet's target (orchestrator/fleet.h), else nothing, so
// that the interleaved lines of targets running in parallel can be told apart. Escaped for JSON
// (a redacted URL holds no control characters).
class FleetTargetFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string& target = FleetTargetOfThisThread();
    if (target.empty()) return;
    dest.push_back('[');
    for (char c : target) {
      if (c == '"' || c == '\\') dest.push_back('\\');
      dest.push_back(c);
    }
    dest.append(std::string_view("] "));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<FleetTargetFlag>();
  }
};

// Masks every registered secret (plans/secrets.h) in a log message before `inner` formats it, so
// that the JSON format's escaping cannot hide a secret from the mask.
class MaskingFormatter : public spdlog::formatter {
 public:
  explicit MaskingFormatter(std::unique_ptr<spdlog::formatter> inner) : inner_(std::move(inner)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string masked = MaskSecrets(std::string(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(masked.data(), masked.size());
    inner_->format(copy, dest);
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<MaskingFormatter>(inner_->clone());
  }

 private:
  std::unique_ptr<spdlog::formatter> inner_;
};

}  // namespace

void RegisterSecretsOf(const Environment& env) {
  std::vector<std::string> urls = env.targets;
  urls.push_back(env.database);
  for (const std::string& url : urls)
    for (const std::string& secret : SecretsInUrl(url)) RegisterSecret(secret);
  // libpq's own variable: orchestrate may connect with it; no child gets it (always withheld).
  if (const char* pw = std::getenv("PGPASSWORD")) RegisterSecret(pw);
  auto secret_env = env.deployer.lists.find("secret_env");
  if (secret_env != env.deployer.lists.end())
    for (const std::string& name : secret_env->second)
      if (const char* value = std::getenv(name.c_str())) RegisterSecret(value);
  if (env.password_env.empty()) return;
  WithholdFromChildren(env.password_env);
  if (const char* pw = std::getenv(env.password_env.c_str())) RegisterSecret(pw);
}

Result<std::string> PasswordOf(const Environment& env) {
  if (env.password_env.empty()) return std::string();
  const char* pw = std::getenv(env.password_env.c_str());
  if (pw == nullptr)
    return Status::Invalid(env.pos.str() + ": environment '" + env.name +
                           "' takes its database password from $" + env.password_env +
                           ", which is not set: export it");
  return std::string(pw);
}

Result<Context> LoadContext(const GlobalOptions& g) {
  // An unset ${VAR} fails only the environment that uses it.
  auto plan = LoadPlanForEnvironment(g.plan_path, EnvironmentLookup(), g.env);
  if (!plan.ok()) return plan.status();
  Context ctx;
  ctx.plan = std::move(plan).value();
  std::string name = g.env.empty() ? ctx.plan.default_environment : g.env;
  auto it = ctx.plan.environments.find(name);
  if (it == ctx.plan.environments.end()) {
    std::string known;
    for (const auto& kv : ctx.plan.environments) known += (known.empty() ? "" : ", ") + kv.first;
    return Status::Usage("unknown environment '" + name + "' (" + g.plan_path +
                         " declares: " + known + ")");
  }
  ctx.env = it->second;
  if (!g.database.empty()) ctx.env.database = g.database;
  // The SQL a migration names for this kind of database (`mysql: {up: ...}`), where it names any:
  // the database's URL says which (a fleet's first listed target, when it has no `database`; else
  // the plan's `dialect:`).
  if (!ctx.plan.DialectsWithOwnSql().empty()) {
    const std::string url = !ctx.env.database.empty() ? ctx.env.database
                            : ctx.env.targets.empty() ? std::string()
                                                      : ctx.env.targets.front();
    if (!url.empty())
      SelectDialectSql(&ctx.plan, DialectName(DialectOfUrl(url)));
    else if (!ctx.plan.dialect.empty())
      SelectDialectSql(&ctx.plan, ctx.plan.dialect);
  }
  // Known before anything is opened, run or logged.
  RegisterSecretsOf(ctx.env);
  ctx.lock_timeout_seconds = g.lock_timeout_seconds >= 0 ? g.lock_timeout_seconds
                                                         : ctx.plan.policy.run_lock_timeout_seconds;
  return ctx;
}

Result<Context> OpenContext(const GlobalOptions& g) {
  auto ctx = LoadContext(g);
  if (!ctx.ok()) return ctx;
  // Relative SQLite paths are relative to the plan's folder, so a plan works from any directory.
  // The password of `password_env` goes to libpq as a connection parameter (OpenDatabase).
  auto password = PasswordOf(ctx->env);
  if (!password.ok()) return password.status();
  if (ctx->env.database.empty())
    return Status::Usage(ctx->env.pos.str() + ": environment '" + ctx->env.name +
                         "' is a fleet without a 'database:'; pass --database URL (one of its "
                         "targets) to run this command on one of them");
  auto db = OpenDatabase(ctx->env.database, DirName(g.plan_path), *password);
  if (!db.ok()) return db.status().WithContext("environment '" + ctx->env.name + "'");
  ctx->db = std::move(db).value();
  auto deployer = MakeDeployer(ctx->env.deployer, &ctx->plan.releases);
  if (!deployer.ok()) return deployer.status();
  // The environment's `verify:` checks run after every image swap; the database (owned by the
  // context, like the deployer) answers `version: {sql: ...}` checks.
  ctx->deployer = WithVerification(std::move(deployer).value(), ctx->env.verify, ctx->db.get());
  return ctx;
}

Invocation InvocationFor(const GlobalOptions& g, const Context& ctx) {
  Invocation how{ctx.plan.file, ctx.env.name, g.database.empty() ? "" : RedactUrl(g.database), {}};
  if (!g.actor.empty()) how.options = {"--actor", g.actor};
  return how;
}

Status ShardNeedsFleet(const GlobalOptions& g) {
  return Status::Usage(
      "--shard " + g.shard.Label() +
      " splits a fleet (an environment with "
      "targets: or targets_command:); " +
      (g.database.empty()
           ? "environment " + (g.env.empty() ? std::string("(the default)") : "'" + g.env + "'") +
                 " is one database"
           : std::string("--database names one database")));
}

int ExitCodeFor(const Status& st) {
  switch (st.code()) {
    case Code::kOk:
    case Code::kNothingToDo:
      return 0;
    case Code::kDeclined:
      return 1;
    case Code::kInvalid:
    case Code::kFailed:
    case Code::kLockTimeout:
      return 2;
    case Code::kNeedsHuman:
    case Code::kCancelled:
      return 3;
    case Code::kUsage:
      return 64;
  }
  return 2;
}

namespace {
constexpr std::pair<OutputFormat, const char*> kOutputFormats[] = {{OutputFormat::kText, "text"},
                                                                   {OutputFormat::kJson, "json"}};
}  // namespace

const char* Name(OutputFormat format) { return NameIn(kOutputFormats, format, "text"); }
std::optional<OutputFormat> OutputFormatFromName(std::string_view name) {
  return FromNameIn(kOutputFormats, name);
}

int Fail(const Status& st) {
  const std::string message = MaskSecrets(st.message());
  const int exit_code = ExitCodeFor(st);
  // Nothing to do is a result, not an error: said on stdout (exit 0).
  const bool nothing = st.code() == Code::kNothingToDo;
  if (JsonOutput())
    PrintJsonDocument(
        {{"outcome", OutcomeName(st.code())}, {"exit_code", exit_code}, {"message", message}});
  else if (nothing)
    std::cout << EscapeControls(message, false) << std::endl;
  if (nothing) return exit_code;
  const char* label = "error";
  if (st.code() == Code::kDeclined) label = "note";
  if (st.code() == Code::kNeedsHuman) label = "needs a human";
  if (JsonLogs()) {
    StderrLine(st.code() == Code::kDeclined ? "info" : "error", message,
               {{"outcome", OutcomeName(st.code())}, {"exit_code", exit_code}});
    return exit_code;
  }
  // Each line through EscapeControls (backslashes kept: diagnostics quote them already): a
  // program's output or a value quoted in the message cannot
  // send escape sequences to the terminal.
  std::string shown;
  size_t start = 0;
  for (size_t nl = message.find('\n');; nl = message.find('\n', start)) {
    shown +=
        EscapeControls(message.substr(start, nl == std::string::npos ? nl : nl - start), false);
    if (nl == std::string::npos) break;
    shown += '\n';
    start = nl + 1;
  }
  std::cerr << "orchestrate: " << label << ": " << shown << std::endl;
  return exit_code;
}

void SetUpLogging(const GlobalOptions& g) {
  SetJsonContext(g);
  // _mt: a fleet run (orchestrator/fleet.h) logs from several worker threads at once. Set up
  // again (by `resume`, which runs the stored command), the logger is replaced.
  spdlog::drop("orchestrate");
  auto logger = spdlog::stderr_color_mt("orchestrate");
  if (g.log_format == OutputFormat::kJson) {
    logger->set_formatter(
        std::make_unique<MaskingFormatter>(std::make_unique<JsonLineFormatter>()));
  } else {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<FleetTargetFlag>('*').set_pattern("%^%l%$: %*%v");
    logger->set_formatter(std::make_unique<MaskingFormatter>(std::move(formatter)));
  }
  logger->set_level(g.verbosity < 0   ? spdlog::level::warn
                    : g.verbosity > 0 ? spdlog::level::debug
                                      : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

std::string ActorName(const GlobalOptions& g) {
  if (!g.actor.empty()) return g.actor;
  if (const char* u = std::getenv("USER"); u && *u) return u;
  if (passwd* pw = getpwuid(getuid())) return pw->pw_name;
  return "uid " + std::to_string(getuid());
}

std::string HostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string Printable(const std::string& text) { return EscapeControls(text, true); }

std::string EscapeControls(const std::string& text, bool backslash) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  auto hex = [&](unsigned char c) {
    out += "\\x";
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  };
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\' && backslash) {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      hex(c);
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      // A UTF-8 sequence is copied when it is well formed and not a C1 control (U+0080-U+009F).
      size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
      if (len == 0 || i + len > text.size() ||
          InvalidUtf8At(text.substr(i, len)) != std::string::npos ||
          (c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0)) {
        hex(c);
      } else {
        out.append(text, i, len);
        i += len;
        continue;
      }
    }
    ++i;
  }
  return out;
}

bool Confirm(const GlobalOptions& g, const std::string& question) {
  if (g.yes || !isatty(STDIN_FILENO)) return true;
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
}

}  // namespace orchestrate::cli
