// Helpers for the edge that reads the environment (src/config/ only).
#pragma once

#include <string>

namespace tfhub::config {

// The variable's value, "" when unset.
std::string GetEnv(const char* name);

// TLS settings as every backend takes them: TFHUB_DISABLE_CERT_VALIDATION ==
// "true" (exactly, as Python compares it) turns verification off;
// SSL_CERT_FILE names a CA bundle.
struct TlsSettings {
  bool verify_tls = true;
  std::string ca_file;
};
TlsSettings TlsFromEnvironment();

}  // namespace tfhub::config
