// Reading the files a plan names (plan.yaml, release manifests, SQL files): regular files only,
// within a size limit, with checks of what they hold (NUL bytes, UTF-8) and of where they are
// (confinement to the plan's folder). Used by manifest.cc; InvalidUtf8At also by the step
// records (render.cc) and the CLI (flags, Printable).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace orchestrate {

// The most a plan file, release manifest or SQL file may hold: 64 MiB. A larger file (or one that
// never ends, such as /dev/zero) is refused rather than read into memory. docs/manifest.md states
// it.
constexpr size_t kMaxInputFileBytes = size_t{64} << 20;

// Reads the regular file `path` (symlinks followed) into *out. False with *error (a phrase such as
// "is a FIFO, not a regular file") for a missing file, a folder, anything but a regular file (a
// FIFO is never opened, so it cannot hang the read), a file larger than kMaxInputFileBytes, or an
// I/O error.
bool ReadInputFile(const std::string& path, std::string* out, std::string* error);

// 1-based line and column of byte `offset` of `text` (the column counts bytes).
struct LineCol {
  int line = 1;
  int column = 1;
};
LineCol LineColAt(const std::string& text, size_t offset);

// The offset of the first byte of `text` that does not belong to well-formed UTF-8 (overlong
// forms, surrogates and code points past U+10FFFF are not), or std::string::npos.
size_t InvalidUtf8At(const std::string& text);

// `path` made absolute, with symlinks resolved as far as the path exists, and "." and ".."
// removed: the file a path really names. Empty when it cannot be resolved.
std::string ResolvedPath(const std::string& path);

// True when the resolved path `resolved` is `root` or lies under it (both resolved).
bool IsInside(const std::string& resolved, const std::string& root);

}  // namespace orchestrate
