// Small string helpers shared across layers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tfhub::base {

// Python's repr() of a str, as used in the reference's error messages:
// 'abc', "it's", '\x00', '\n'. Non-ASCII UTF-8 bytes are kept as they are.
std::string PythonRepr(std::string_view s);

// `s` made safe to show on a terminal: C0 control characters and DEL as
// \n, \r, \t or \xNN, C1 control characters (U+0080..U+009F) as \u00NN,
// bytes that are not valid UTF-8 as \xNN; everything else (printable ASCII,
// valid UTF-8 text, backslashes) is kept as it is. For whatever came from
// disk or the network before it is printed.
std::string EscapeForTerminal(std::string_view s);

// EscapeForTerminal() of each line of `text`, keeping the '\n's between
// them: for multi-line output whose own formatting is printable.
std::string EscapeLinesForTerminal(std::string_view text);

// True when EscapeForTerminal(s) == s.
bool IsTerminalSafe(std::string_view s);

// Python's repr() of a one-byte bytes object: b'2', b'\x00'.
std::string PythonBytesRepr(char c);

// tensorflow_hub's tf_utils.bytes_to_readable_str(n, include_b=True):
// "512B", "7.23kB", "1.50MB", "2.00GB".
std::string ReadableBytes(uint64_t n);

// Strips ASCII whitespace at both ends.
std::string_view TrimWhitespace(std::string_view s);

// Lowercase hex of `data`.
std::string HexEncode(std::string_view data);

// Standard base64 (RFC 4648, with padding) decoded; nullopt if malformed.
std::optional<std::string> Base64Decode(std::string_view text);

// Standard base64 with padding.
std::string Base64Encode(std::string_view data);

// base64url (RFC 4648 §5: '-' and '_' for '+' and '/') without '=' padding,
// as JSON Web Tokens use it (RFC 7515 §2).
std::string Base64UrlEncode(std::string_view data);

// Base64UrlEncode() reversed; nullopt if malformed: '=' padding, the
// standard alphabet's '+' or '/', other non-alphabet bytes, or a length of
// 4n+1. (Unused bits of the last character are not checked.)
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Human-readable errno text: "No such file or directory".
std::string ErrnoText(int err);

}  // namespace tfhub::base
