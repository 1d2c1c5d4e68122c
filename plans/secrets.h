// The secrets this process knows, and the one function that masks them. Secrets are what must
// never leave the process in clear: database passwords (in a URL, from `password_env`, from
// PGPASSWORD) and the values of a deployer's `secret_env` variables.
//
// Who fills it: the composition root (orchestrator/cli/context.cc), as soon as it knows the
// environment, before any database is opened or program run. Who applies it: every place where
// text leaves the process: the log sink, Fail(), the journal's error/command/reason columns, and
// what the process runner captures from child programs (and the argv it shows).
//
// Also the names of environment variables that child programs must not inherit (PGPASSWORD, and
// the variable named by an environment's `password_env`).
//
// Thread-safe: fleet workers mask concurrently while the root may still register.
#pragma once

#include <string>
#include <vector>

namespace orchestrate {

// Remembers `value` as a secret (ignored when empty). Its JSON-escaped spelling is remembered
// too, so that a secret holding `"` or `\` is also masked inside JSON text.
void RegisterSecret(const std::string& value);

// `text` with every registered secret replaced by "***" (longest secrets first, so that a secret
// containing another is masked whole).
std::string MaskSecrets(std::string text);

// Every registered secret (with its spellings), longest first.
std::vector<std::string> RegisteredSecrets();

// Children get no variable of this name (ignored when empty). PGPASSWORD is always withheld.
void WithholdFromChildren(const std::string& variable);
// The names of the variables withheld from child programs.
std::vector<std::string> VariablesWithheldFromChildren();

// Forgets every registered secret and withheld variable (but PGPASSWORD). For tests.
void ForgetSecretsForTesting();

}  // namespace orchestrate
