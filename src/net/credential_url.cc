#include "net/credential_url.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

#include "tfhub/file_system.h"

namespace tfhub::net {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The parts of an absolute URL this file looks at.
struct Authority {
  std::string_view scheme;
  std::string_view host;      // without IPv6 brackets
  std::string_view host_port;  // as written, userinfo dropped
};

// Nullopt for a URL without a scheme ("[A-Za-z][A-Za-z0-9+.-]*://") or with
// a malformed or ambiguous authority (see the header).
std::optional<Authority> ParseAuthority(std::string_view url) {
  Authority out;
  out.scheme = io::UriScheme(url);
  if (out.scheme.empty()) return std::nullopt;
  std::string_view authority = url.substr(out.scheme.size() + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  for (char ch : authority) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '\\') return std::nullopt;
  }
  if (const size_t at = authority.find('@'); at != std::string_view::npos) {
    if (authority.find('@', at + 1) != std::string_view::npos) return std::nullopt;
    authority.remove_prefix(at + 1);
  }
  out.host_port = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return std::nullopt;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::string> UrlHost(std::string_view url) {
  const std::optional<Authority> a = ParseAuthority(url);
  if (!a) return std::nullopt;
  return std::string(a->host);
}

bool IsLoopbackHost(std::string_view host) {
  if (EqualsIgnoreCase(host, "localhost")) return true;
  const std::string text(host);  // inet_pton wants a terminated string
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return reinterpret_cast<const unsigned char*>(&v4.s_addr)[0] == 127;
  }
  in6_addr v6{};
  return ::inet_pton(AF_INET6, text.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

bool MaySendCredentials(std::string_view url) {
  const std::optional<Authority> a = ParseAuthority(url);
  if (a && EqualsIgnoreCase(a->scheme, "https")) return true;
  return a && EqualsIgnoreCase(a->scheme, "http") && IsLoopbackHost(a->host);
}

Status CheckMaySendCredentials(std::string_view url) {
  if (MaySendCredentials(url)) return Status::Ok();
  const std::optional<Authority> a = ParseAuthority(url);
  const std::string where =
      a ? std::string(a->scheme) + "://" + std::string(a->host_port) : std::string("a URL whose host cannot be told");
  return FailedPreconditionError("refusing to send credentials to " + where +
                                 ": only https, or plain http to a loopback host (127.0.0.0/8, ::1, localhost), "
                                 "may carry them");
}

}  // namespace tfhub::net
