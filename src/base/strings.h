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

// Human-readable errno text: "No such file or directory".
std::string ErrnoText(int err);

}  // namespace tfhub::base
