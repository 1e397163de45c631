#include "gcs/credentials.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "base/rsa_signer.h"
#include "base/strings.h"
#include "net/credential_url.h"
#include "net/http_status.h"

namespace tfhub::gcs {

namespace {

using nlohmann::json;
using std::chrono::system_clock;

constexpr char kDefaultTokenUri[] = "https://oauth2.googleapis.com/token";
constexpr char kScope[] = "https://www.googleapis.com/auth/devstorage.read_write";
constexpr char kJwtBearerGrant[] = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer";
// Lifetime asked for in the JWT (Google's maximum) and assumed for a token
// whose answer has no usable "expires_in".
constexpr std::chrono::seconds kTokenLifetime{3600};
// Longer "expires_in" values are taken as this.
constexpr std::chrono::seconds kMaxExpiresIn{24 * 3600};
// A cached token is replaced when less than this remains of its life (or
// less than half of its life, for tokens issued with under 10 minutes).
constexpr std::chrono::seconds kRefreshMargin{300};
// Key files are a few kB; anything much larger is not one.
constexpr size_t kMaxKeyFileBytes = 1 << 20;
// Token answers are small JSON documents.
constexpr size_t kMaxTokenAnswerBytes = 1 << 20;
// Server-provided error fields quoted in messages are cut to this length.
constexpr size_t kMaxQuotedField = 300;

std::string BearerHeader(const std::string& token) { return "Authorization: Bearer " + token; }

// A token goes into a header line: no control characters, no spaces.
bool IsValidToken(std::string_view token) {
  if (token.empty()) return false;
  for (unsigned char c : token) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

// Parses `text`; on failure `*error` is "syntax error at byte N". The parser's
// own message is not used: it quotes the input, which may hold a secret.
std::optional<json> ParseJson(std::string_view text, std::string* error) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    *error = "syntax error at byte " + std::to_string(e.byte);
  } catch (const json::exception&) {
    *error = "cannot be parsed";
  }
  return std::nullopt;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// The string member `key` of object `j`, if it is one.
std::optional<std::string> StringField(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// A server-provided text for a message: printable ASCII, bounded.
std::string Quoted(std::string text) {
  if (text.size() > kMaxQuotedField) text = text.substr(0, kMaxQuotedField) + "...";
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return text;
}

Result<std::string> ReadKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return InvalidArgumentError("credentials key file " + path + ": cannot read: " + base::ErrnoText(errno));
  }
  std::string text;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return InvalidArgumentError("credentials key file " + path + ": cannot read: " + base::ErrnoText(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxKeyFileBytes) {
      ::close(fd);
      return InvalidArgumentError("credentials key file " + path + ": larger than 1 MiB, not a key file");
    }
  }
  ::close(fd);
  return text;
}

// The token endpoint's or metadata server's answer to a token request.
struct Token {
  std::string access_token;
  std::chrono::seconds expires_in{0};
};

// Reads {"access_token": ..., "expires_in": ...} from a 200 answer. The body
// holds the token: nothing of it goes into errors.
Result<Token> ParseTokenAnswer(const std::string& body, const std::string& what) {
  std::string error;
  std::optional<json> answer = ParseJson(body, &error);
  if (!answer) return UnavailableError(what + ": the answer is not JSON (" + error + ")");
  std::optional<std::string> access_token = StringField(*answer, "access_token");
  if (!access_token) return UnavailableError(what + ": the answer has no access_token");
  if (!IsValidToken(*access_token)) {
    return UnavailableError(what + ": the answer's access_token is empty or has spaces or control characters");
  }
  Token token;
  token.access_token = std::move(*access_token);
  token.expires_in = kTokenLifetime;
  if (auto it = answer->find("expires_in"); it != answer->end() && it->is_number()) {
    const double seconds = it->get<double>();
    if (seconds >= 1) {
      token.expires_in = std::chrono::seconds(static_cast<long long>(std::min(seconds, double(kMaxExpiresIn.count()))));
    }
  }
  return token;
}

// Status for a non-200 answer of a token request: "<what>: HTTP <code>
// <reason>[: <error>[: <error_description>]]" with the OAuth error fields of
// a JSON body (RFC 6749 §5.2); a 3xx says it was a redirect, not followed,
// and where to. 401/403, and 400 that rejects the credentials themselves
// (invalid_grant, invalid_client, unauthorized_client), are
// PermissionDenied; other codes as net::HttpErrorStatus() (5xx/408/429
// Unavailable, other 400 InvalidArgument, 3xx FailedPrecondition).
Status TokenErrorStatus(const std::string& what, const net::HttpResponseHead& head, const std::string& body) {
  std::string message = what + ": HTTP " + std::to_string(head.status);
  const std::string reason(head.reason.empty() || head.reason == std::to_string(head.status)
                               ? net::StandardReasonPhrase(head.status)
                               : std::string_view(head.reason));
  if (!reason.empty()) message += " " + Quoted(reason);
  if (head.status >= 300 && head.status < 400) {
    // Following it would carry the request (a signed JWT) elsewhere.
    message += ": token requests do not follow redirects";
    if (auto location = head.Header("Location")) message += " (to " + Quoted(*location) + ")";
  }
  std::string oauth_error;
  std::string unused;
  if (std::optional<json> answer = ParseJson(body, &unused)) {
    if (auto e = StringField(*answer, "error")) {
      oauth_error = *e;
      message += ": " + Quoted(*e);
      if (auto d = StringField(*answer, "error_description")) message += ": " + Quoted(*d);
    } else if (answer->is_object()) {
      // Google APIs' error document: {"error": {"code", "message", "status"}}.
      auto it = answer->find("error");
      if (it != answer->end() && it->is_object()) {
        if (auto m = StringField(*it, "message")) message += ": " + Quoted(*m);
      }
    }
  }
  const StatusCode code = net::HttpErrorStatus(head.status, head.reason).code();
  if (head.status == 401 || head.status == 403 ||
      (head.status == 400 && (oauth_error == "invalid_grant" || oauth_error == "invalid_client" ||
                              oauth_error == "unauthorized_client"))) {
    return PermissionDeniedError(std::move(message));
  }
  return Status(code, std::move(message));
}

// Sends a token request and reads the answer. Errors start with `what`.
Result<Token> RequestToken(net::HttpClient& http, const net::HttpRequest& request, const std::string& what) {
  auto response = net::SendForString(http, request, kMaxTokenAnswerBytes);
  if (!response.ok()) return response.status().WithPrefix(what);
  if (response->head.status != 200) return TokenErrorStatus(what, response->head, response->body);
  return ParseTokenAnswer(response->body, what);
}

class AnonymousCredentials final : public Credentials {
 public:
  Result<std::string> AuthorizationHeader(net::HttpClient&) override { return std::string(); }
  std::string Describe() const override { return "anonymous"; }
};

class AccessTokenCredentials final : public Credentials {
 public:
  explicit AccessTokenCredentials(std::string token) : token_(std::move(token)) {}
  Result<std::string> AuthorizationHeader(net::HttpClient&) override { return BearerHeader(token_); }
  std::string Describe() const override { return "access token from GOOGLE_OAUTH_ACCESS_TOKEN"; }

 private:
  const std::string token_;
};

// Credentials whose tokens are fetched and cached until shortly before they
// expire. One fetch at a time: callers wait on the mutex meanwhile.
class CachingCredentials : public Credentials {
 public:
  explicit CachingCredentials(std::function<system_clock::time_point()> now) : now_(std::move(now)) {
    if (!now_) now_ = [] { return system_clock::now(); };
  }

  Result<std::string> AuthorizationHeader(net::HttpClient& http) final {
    std::lock_guard<std::mutex> lock(mu_);
    const system_clock::time_point now = now_();
    if (!token_.empty() && now < refresh_at_) return BearerHeader(token_);
    TFHUB_ASSIGN_OR_RETURN(Token token, Fetch(http, now));
    const std::chrono::seconds margin = std::min(kRefreshMargin, token.expires_in / 2);
    token_ = std::move(token.access_token);
    refresh_at_ = now + token.expires_in - margin;
    return BearerHeader(token_);
  }

 protected:
  // Fetches a new token through `http`; `now` is the time of the request.
  virtual Result<Token> Fetch(net::HttpClient& http, system_clock::time_point now) = 0;

 private:
  std::function<system_clock::time_point()> now_;
  std::mutex mu_;
  std::string token_;                     // guarded by mu_; "" until fetched
  system_clock::time_point refresh_at_;  // guarded by mu_
};

struct ServiceAccountKey {
  std::string client_email;
  std::string private_key_id;
  std::string token_uri;
  std::unique_ptr<base::RsaSha256Signer> signer;
};

Result<ServiceAccountKey> LoadServiceAccountKey(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string text, ReadKeyFile(path));
  const std::string where = "credentials key file " + path;
  std::string error;
  std::optional<json> key = ParseJson(text, &error);
  if (!key) return InvalidArgumentError(where + ": not JSON: " + error);
  if (!key->is_object()) return InvalidArgumentError(where + ": not a JSON object");
  if (!key->contains("type")) return InvalidArgumentError(where + ": has no type, expected 'service_account'");
  std::optional<std::string> type = StringField(*key, "type");
  if (!type) return InvalidArgumentError(where + ": type is not a string, expected 'service_account'");
  if (*type != "service_account") {
    return InvalidArgumentError(where + ": type is '" + Quoted(*type) + "', expected 'service_account'");
  }
  ServiceAccountKey out;
  std::optional<std::string> email = StringField(*key, "client_email");
  if (!email || email->empty()) return InvalidArgumentError(where + ": has no client_email");
  out.client_email = std::move(*email);
  std::optional<std::string> pem = StringField(*key, "private_key");
  if (!pem || pem->empty()) return InvalidArgumentError(where + ": has no private_key");
  out.private_key_id = StringField(*key, "private_key_id").value_or("");
  if (key->contains("token_uri")) {
    std::optional<std::string> uri = StringField(*key, "token_uri");
    if (!uri || uri->empty()) return InvalidArgumentError(where + ": token_uri is not a URL string");
    out.token_uri = std::move(*uri);
  } else {
    out.token_uri = kDefaultTokenUri;
  }
  auto signer = base::RsaSha256Signer::FromPem(*pem);
  if (!signer.ok()) {
    if (signer.status().code() != StatusCode::kInvalidArgument) return signer.status().WithPrefix(where);
    // "private_key is not a PEM RSA private key (<libcrypto's reason>)".
    return InvalidArgumentError(where + ": private_key is " + signer.status().message());
  }
  out.signer = std::move(*signer);
  return out;
}

// OAuth 2.0 JWT bearer grant (RFC 7523) with a service-account key.
class ServiceAccountCredentials final : public CachingCredentials {
 public:
  // `endpoint`: where the JWT is sent (the key's token_uri unless
  // overridden), checked by MakeCredentials.
  ServiceAccountCredentials(const CredentialsConfig& config, std::string key_file, ServiceAccountKey key,
                            std::string endpoint)
      : CachingCredentials(config.now),
        key_file_(std::move(key_file)),
        key_(std::move(key)),
        endpoint_(std::move(endpoint)),
        verify_tls_(config.verify_tls),
        ca_file_(config.ca_file) {}

  std::string Describe() const override {
    return "service account " + key_.client_email + " (key file " + key_file_ + ")";
  }

 protected:
  Result<Token> Fetch(net::HttpClient& http, system_clock::time_point now) override {
    const std::string what = "cannot get an access token for " + Describe() + " from " + endpoint_;
    auto assertion = Assertion(now);
    if (!assertion.ok()) return assertion.status().WithPrefix(what);
    net::HttpRequest request;
    request.method = "POST";
    request.url = endpoint_;
    request.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
    // The assertion's alphabet (base64url and '.') needs no form encoding.
    request.body = std::string("grant_type=") + kJwtBearerGrant + "&assertion=" + *assertion;
    request.verify_tls = verify_tls_;
    request.ca_file = ca_file_;
    // A redirect would carry the signed JWT to another endpoint.
    request.follow_redirects = false;
    return RequestToken(http, request, what);
  }

 private:
  // The signed JWT: base64url(header).base64url(claims).base64url(RS256).
  Result<std::string> Assertion(system_clock::time_point now) const {
    json header = {{"alg", "RS256"}, {"typ", "JWT"}};
    if (!key_.private_key_id.empty()) header["kid"] = key_.private_key_id;
    const long long iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const json claims = {{"iss", key_.client_email},
                         {"scope", kScope},
                         {"aud", key_.token_uri},
                         {"iat", iat},
                         {"exp", iat + kTokenLifetime.count()}};
    const std::string signing_input = base::Base64UrlEncode(Dump(header)) + "." + base::Base64UrlEncode(Dump(claims));
    TFHUB_ASSIGN_OR_RETURN(std::string signature, key_.signer->Sign(signing_input));
    return signing_input + "." + base::Base64UrlEncode(signature);
  }

  const std::string key_file_;
  const ServiceAccountKey key_;
  const std::string endpoint_;
  const bool verify_tls_;
  const std::string ca_file_;
};

// The Compute Engine metadata server's token for the instance's default
// service account.
class MetadataServerCredentials final : public CachingCredentials {
 public:
  explicit MetadataServerCredentials(const CredentialsConfig& config)
      : CachingCredentials(config.now),
        url_("http://" + config.metadata_host + "/computeMetadata/v1/instance/service-accounts/default/token") {}

  std::string Describe() const override { return "metadata server"; }

 protected:
  Result<Token> Fetch(net::HttpClient& http, system_clock::time_point) override {
    net::HttpRequest request;
    request.method = "GET";
    request.url = url_;
    request.headers = {"Metadata-Flavor: Google"};
    // Off Google Cloud the host does not exist or does not answer: fail fast.
    request.connect_timeout = std::chrono::seconds(3);
    request.stall_timeout = std::chrono::seconds(10);
    // The metadata server never redirects; following one would hand the
    // Metadata-Flavor request to someone else.
    request.follow_redirects = false;
    return RequestToken(http, request, "cannot get an access token from the metadata server " + url_);
  }

 private:
  const std::string url_;
};

}  // namespace

Result<std::shared_ptr<Credentials>> MakeCredentials(const CredentialsConfig& config) {
  if (config.anonymous) return std::shared_ptr<Credentials>(std::make_shared<AnonymousCredentials>());
  if (!config.access_token.empty()) {
    if (!IsValidToken(config.access_token)) {
      return InvalidArgumentError("GOOGLE_OAUTH_ACCESS_TOKEN has spaces or control characters");
    }
    return std::shared_ptr<Credentials>(std::make_shared<AccessTokenCredentials>(config.access_token));
  }
  if (!config.key_file.empty()) {
    TFHUB_ASSIGN_OR_RETURN(ServiceAccountKey key, LoadServiceAccountKey(config.key_file));
    std::string endpoint = config.token_uri_override.empty() ? key.token_uri : config.token_uri_override;
    if (Status s = net::CheckMaySendCredentials(endpoint); !s.ok()) {
      return InvalidArgumentError("credentials key file " + config.key_file + ": token_uri " + Quoted(endpoint) +
                                  ": " + s.message());
    }
    return std::shared_ptr<Credentials>(
        std::make_shared<ServiceAccountCredentials>(config, config.key_file, std::move(key), std::move(endpoint)));
  }
  if (config.use_metadata_server) {
    return std::shared_ptr<Credentials>(std::make_shared<MetadataServerCredentials>(config));
  }
  return std::shared_ptr<Credentials>(std::make_shared<AnonymousCredentials>());
}

Result<std::shared_ptr<Credentials>> SharedCredentials(const CredentialsConfig& config) {
  // A test's clock makes credentials of their own.
  if (config.now) return MakeCredentials(config);
  const std::string key = std::string(config.anonymous ? "a" : "-") + (config.use_metadata_server ? "m" : "-") +
                          (config.verify_tls ? "v" : "-") + '\0' + config.access_token + '\0' + config.key_file +
                          '\0' + config.metadata_host + '\0' + config.token_uri_override + '\0' + config.ca_file;
  static std::mutex mu;
  static auto* made = new std::map<std::string, std::shared_ptr<Credentials>>();
  std::lock_guard lock(mu);
  if (auto it = made->find(key); it != made->end()) return it->second;
  TFHUB_ASSIGN_OR_RETURN(std::shared_ptr<Credentials> credentials, MakeCredentials(config));
  made->emplace(key, credentials);
  return credentials;
}

}  // namespace tfhub::gcs
