#include "base/strings.h"

#include <cstdio>
#include <cstring>

namespace tfhub::base {

namespace {
void AppendEscaped(std::string& out, unsigned char c, char quote) {
  switch (c) {
    case '\\': out += "\\\\"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  if (c == static_cast<unsigned char>(quote)) {
    out += '\\';
    out += static_cast<char>(c);
  } else if (c < 0x20 || c == 0x7f) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
  } else {
    out += static_cast<char>(c);
  }
}
}  // namespace

std::string PythonRepr(std::string_view s) {
  // Python prefers single quotes, switching to double quotes when the text
  // holds a single quote and no double quote.
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) AppendEscaped(out, static_cast<unsigned char>(c), quote);
  out += quote;
  return out;
}

std::string PythonBytesRepr(char c) {
  std::string out = "b'";
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x80) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", u);
    out += buf;
  } else {
    AppendEscaped(out, u, '\'');
  }
  out += '\'';
  return out;
}

std::string ReadableBytes(uint64_t n) {
  char buf[64];
  if (n < 1024) {
    std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(n));
  } else if (n < 1048576) {
    std::snprintf(buf, sizeof buf, "%.2fkB", n / 1024.0);
  } else if (n < 1073741824) {
    std::snprintf(buf, sizeof buf, "%.2fMB", n / 1048576.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.2fGB", n / 1073741824.0);
  }
  return buf;
}

std::string_view TrimWhitespace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

std::string HexEncode(std::string_view data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (unsigned char c : data) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string ErrnoText(int err) {
  char buf[256];
  // GNU strerror_r returns the message pointer (may not use buf).
  return strerror_r(err, buf, sizeof buf);
}

}  // namespace tfhub::base
