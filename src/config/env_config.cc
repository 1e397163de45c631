// The only place tfhub reads environment variables. Everything below the
// edge receives a ResolveOptions.
#include <unistd.h>
#include <sys/stat.h>

#include <cctype>
#include <climits>
#include <cstdlib>

#include <fstream>

#include "config/env.h"
#include "config/flags.h"
#include "tfhub/options.h"

namespace tfhub {

namespace config {

std::string GetEnv(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::optional<std::string> NormalizeSha256Pin(std::string_view text) {
  if (text.size() != 64 || text.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
    return std::nullopt;
  }
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

TlsSettings TlsFromEnvironment() {
  TlsSettings tls;
  tls.verify_tls = GetEnv("TFHUB_DISABLE_CERT_VALIDATION") != "true";
  tls.ca_file = GetEnv("SSL_CERT_FILE");
  return tls;
}

}  // namespace config

namespace {
using config::GetEnv;

// The whole number `value` of the variable `name`, within [min, max]; else
// InvalidArgument "NAME: invalid value 'VALUE': expected <expected>".
Result<long long> WholeNumber(const char* name, const std::string& value, long long min, long long max,
                              const char* expected) {
  char* end = nullptr;
  const long long n = std::strtoll(value.c_str(), &end, 10);
  if (*end != '\0' || n < min || n > max) {
    return InvalidArgumentError(std::string(name) + ": invalid value '" + value + "': expected " + expected);
  }
  return n;
}

bool OnGoogleCloud() {
  std::ifstream in("/sys/class/dmi/id/product_name");
  std::string line;
  std::getline(in, line);
  return line.rfind("Google", 0) == 0;
}

CloudStorageOptions CloudStorageFromEnvironment() {
  CloudStorageOptions gcs;
  gcs.emulator_host = GetEnv("STORAGE_EMULATOR_HOST");
  gcs.access_token = GetEnv("GOOGLE_OAUTH_ACCESS_TOKEN");
  gcs.key_file = GetEnv("GOOGLE_APPLICATION_CREDENTIALS");
  gcs.metadata_host = GetEnv("GCE_METADATA_HOST");
  if (gcs.metadata_host.empty() && gcs.emulator_host.empty() && gcs.access_token.empty() && gcs.key_file.empty() &&
      OnGoogleCloud()) {
    gcs.metadata_host = "metadata.google.internal";
  }
  return gcs;
}

bool IsWritableDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
         ::access(path.c_str(), W_OK | X_OK) == 0;
}
}  // namespace

std::string_view LoadFormatName(LoadFormat format) {
  switch (format) {
    case LoadFormat::kAuto: return "AUTO";
    case LoadFormat::kCompressed: return "COMPRESSED";
    case LoadFormat::kUncompressed: return "UNCOMPRESSED";
  }
  return "AUTO";
}

Result<LoadFormat> ParseLoadFormat(std::string_view text) {
  for (LoadFormat f : {LoadFormat::kAuto, LoadFormat::kCompressed, LoadFormat::kUncompressed}) {
    if (text == LoadFormatName(f)) return f;
  }
  return InvalidArgumentError("invalid model load format '" + std::string(text) +
                              "': valid values are AUTO, COMPRESSED and UNCOMPRESSED");
}

std::string DefaultCacheDir() {
  // tempfile.gettempdir(): the first usable of $TMPDIR, $TEMP, $TMP, then
  // the platform's usual places, then the current directory.
  std::string temp;
  for (const char* name : {"TMPDIR", "TEMP", "TMP"}) {
    std::string v = GetEnv(name);
    if (!v.empty() && IsWritableDir(v)) {
      temp = v;
      break;
    }
  }
  if (temp.empty()) {
    for (const char* dir : {"/tmp", "/var/tmp", "/usr/tmp"}) {
      if (IsWritableDir(dir)) {
        temp = dir;
        break;
      }
    }
  }
  if (temp.empty()) temp = ".";
  while (temp.size() > 1 && temp.back() == '/') temp.pop_back();
  return temp + "/tfhub_modules";
}

Result<ResolveOptions> OptionsFromEnvironment() { return config::OptionsFromEnvironmentAndFlags({}); }

Result<ResolveOptions> config::OptionsFromEnvironmentAndFlags(const CommandLineFlags& flags) {
  return OptionsFromEnvironment(flags, {});
}

Result<ResolveOptions> config::OptionsFromEnvironmentAndExplicitSettings(const ExplicitSettings& settings) {
  return OptionsFromEnvironment({}, settings);
}

Result<ResolveOptions> config::OptionsFromEnvironment(const CommandLineFlags& flags, const ExplicitSettings& explicit_settings) {
  ResolveOptions options;

  if (explicit_settings.cache_dir) {
    options.cache_dir = *explicit_settings.cache_dir;
  } else if (std::string env = GetEnv("TFHUB_CACHE_DIR"); !env.empty()) {
    options.cache_dir = env;
  } else {
    options.cache_dir = flags.tfhub_cache_dir;  // empty: DefaultCacheDir() when needed
  }

  if (explicit_settings.load_format) {
    auto f = ParseLoadFormat(*explicit_settings.load_format);
    if (!f.ok()) return f.status().WithPrefix("load_format");
    options.load_format = *f;
  } else if (std::string env = GetEnv("TFHUB_MODEL_LOAD_FORMAT"); !env.empty()) {
    auto f = ParseLoadFormat(env);
    if (!f.ok()) return f.status().WithPrefix("TFHUB_MODEL_LOAD_FORMAT");
    options.load_format = *f;
  } else if (!flags.tfhub_model_load_format.empty()) {
    auto f = ParseLoadFormat(flags.tfhub_model_load_format);
    if (!f.ok()) return f.status().WithPrefix("--tfhub_model_load_format");
    options.load_format = *f;
  }

  const config::TlsSettings tls = config::TlsFromEnvironment();
  options.verify_tls = tls.verify_tls;
  options.ca_file = tls.ca_file;
  if (std::string env = GetEnv("TFHUB_LOCK_TIMEOUT_SEC"); !env.empty()) {
    TFHUB_ASSIGN_OR_RETURN(const long long secs,
                           WholeNumber("TFHUB_LOCK_TIMEOUT_SEC", env, 1, LLONG_MAX,
                                       "a whole number of seconds greater than 0"));
    options.lock_timeout = std::chrono::seconds(secs);
  }
  if (std::string env = GetEnv("TFHUB_DOWNLOAD_CONNECTIONS"); !env.empty()) {
    TFHUB_ASSIGN_OR_RETURN(const long long n,
                           WholeNumber("TFHUB_DOWNLOAD_CONNECTIONS", env, 1, 64, "a whole number from 1 to 64"));
    options.download_connections = static_cast<int>(n);
  }
  if (std::string env = GetEnv("TFHUB_DECODE_THREADS"); !env.empty()) {
    TFHUB_ASSIGN_OR_RETURN(const long long n, WholeNumber("TFHUB_DECODE_THREADS", env, 0, 256,
                                                          "a whole number from 0 (one per core) to 256"));
    options.decode_threads = static_cast<int>(n);
  }
  options.log_progress = !GetEnv("TFHUB_DOWNLOAD_PROGRESS").empty();

  options.gcs = CloudStorageFromEnvironment();
  options.offline = flags.offline;
  if (explicit_settings.offline) {
    options.offline = *explicit_settings.offline;
  } else if (std::string env = GetEnv("TFHUB_OFFLINE"); !env.empty()) {
    std::string lower;
    for (char c : env) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") {
      options.offline = true;
    } else if (lower != "0" && lower != "false" && lower != "no" && lower != "off") {
      return InvalidArgumentError("TFHUB_OFFLINE: invalid value '" + env +
                                  "': expected 1, true, yes or on (or 0, false, no, off)");
    }
  }
  return options;
}

}  // namespace tfhub
