// net::MaySendCredentials — which URLs a credential (an Authorization
// header, a signed JWT for a token exchange) may be sent to: https URLs,
// and plain http URLs whose host is this machine (a loopback host: the
// Cloud Storage emulator, tests' fakes). Anything else would put the
// credential on the wire in clear text.
//
// URLs are read the way libcurl reads them, and wherever the two could
// disagree the answer is "not loopback": an authority ("[userinfo@]host
// [:port]", ended by '/', '?' or '#') holding a backslash, a space, a
// control or non-ASCII character or more than one '@', an unclosed IPv6
// '[', a port that is not digits, or an empty host has no host here.
// The scheme is compared without regard to case.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tfhub/status.h"

namespace tfhub::net {

// The host of an absolute URL "scheme://[userinfo@]host[:port][/...]",
// without the brackets of an IPv6 literal; nullopt when the URL has no
// scheme (io::UriScheme) or its authority is malformed or ambiguous (see
// above).
std::optional<std::string> UrlHost(std::string_view url);

// True for "localhost" (any case), an IPv4 address in 127.0.0.0/8 in
// dotted-decimal form (inet_pton's: other spellings such as "127.1" are not
// recognised) and the IPv6 address ::1 in any textual form (no brackets).
bool IsLoopbackHost(std::string_view host);

// True when `url` is https, or http to a loopback host (and UrlHost() can
// tell its host: a malformed URL is refused whatever its scheme).
bool MaySendCredentials(std::string_view url);

// OK when MaySendCredentials(url); else FailedPrecondition "refusing to send
// credentials to <scheme>://<host>[:<port>]: only https, or plain http to a
// loopback host (127.0.0.0/8, ::1, localhost), may carry them". The message
// names the URL's scheme, host and port only (no userinfo, path or query).
Status CheckMaySendCredentials(std::string_view url);

}  // namespace tfhub::net
