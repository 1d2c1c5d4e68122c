#include "plans/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace orchestrate {
namespace {

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "is a folder, not a file";
  if (S_ISFIFO(mode))
    return "is a FIFO (named pipe), not a regular file: only regular files are read";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file: only regular files are read";
  if (S_ISCHR(mode) || S_ISBLK(mode))
    return "is a device, not a regular file: only regular files are read";
  return "is not a regular file: only regular files are read";
}

std::string TooLarge() {
  return "is larger than " + std::to_string(kMaxInputFileBytes >> 20) +
         " MiB, the limit for a plan, release manifest or SQL file";
}

}  // namespace

bool ReadInputFile(const std::string& path, std::string* out, std::string* error) {
  // stat before open: opening a FIFO for reading blocks until a writer comes.
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    *error = std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = KindOf(st.st_mode);
    return false;
  }
  if (static_cast<unsigned long long>(st.st_size) > kMaxInputFileBytes) {
    *error = TooLarge();
    return false;
  }
  // O_NONBLOCK: should the path have been swapped for a FIFO since the stat, open returns at once
  // and the fstat below refuses it. open/fstat/read: a plan can list thousands of SQL files, and
  // iostreams cost more per file.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *error = std::strerror(errno);
    return false;
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = KindOf(st.st_mode);
    close(fd);
    return false;
  }
  out->clear();
  if (st.st_size > 0) out->reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = std::strerror(errno);
      close(fd);
      return false;
    }
    if (out->size() + static_cast<size_t>(n) > kMaxInputFileBytes) {  // it grew while read
      *error = TooLarge();
      close(fd);
      out->clear();
      return false;
    }
    out->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

LineCol LineColAt(const std::string& text, size_t offset) {
  LineCol lc;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++lc.line;
      lc.column = 1;
    } else {
      ++lc.column;
    }
  }
  return lc;
}

size_t InvalidUtf8At(const std::string& text) {
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned long cp = 0, min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string::npos;
}

std::string ResolvedPath(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  if (ec) return "";
  auto resolved = std::filesystem::weakly_canonical(abs, ec);
  if (ec) return "";
  return resolved.lexically_normal().string();
}

bool IsInside(const std::string& resolved, const std::string& root) {
  if (root.empty() || resolved.empty()) return false;
  if (root == "/") return resolved[0] == '/';
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  return resolved == r || resolved.compare(0, r.size() + 1, r + "/") == 0;
}

}  // namespace orchestrate
