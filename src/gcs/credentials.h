// gcs::Credentials — where the "Authorization" header of Cloud Storage
// requests comes from. Four kinds, chosen once from CredentialsConfig (read at
// the edge, config/env_config.cc, into ResolveOptions::gcs; gcs/gcs_config.h):
//   1. an access token given directly (GOOGLE_OAUTH_ACCESS_TOKEN);
//   2. a service-account key file (GOOGLE_APPLICATION_CREDENTIALS): a JWT
//      signed with RS256 (OpenSSL) is exchanged at the key's token_uri for
//      an access token (OAuth 2.0 JWT bearer grant);
//   3. the metadata server, when running on Google Cloud
//      (http://metadata.google.internal/computeMetadata/v1/instance/
//      service-accounts/default/token, header "Metadata-Flavor: Google";
//      a 3 s connect timeout, redirects not followed);
//   4. anonymous (public buckets, the emulator): no header at all.
//
// Where credentials may go: token requests never follow redirects (a 3xx
// answer is an error, below), and the service-account JWT is sent only to
// an https token_uri or a plain http one on a loopback host (see
// net/credential_url.h; checked by MakeCredentials). The metadata server is
// plain http by design: no credential is sent to it, only the
// "Metadata-Flavor: Google" header.
//
// Kinds 2 and 3 fetch a token on the first AuthorizationHeader() call (not
// at construction) and cache it; it is fetched again once less than 5
// minutes of its life remain (less than half, for a token issued with under
// 10 minutes). A failed fetch caches nothing: the next call tries again.
// The HttpClient each call is given carries the token requests and decides
// about retries (net/retrying_http_client.h); the credentials keep none.
//
// Service-account token exchange (kind 2):
//   POST <token_uri>  Content-Type: application/x-www-form-urlencoded
//   grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer
//   &assertion=<base64url(header).base64url(claims).base64url(RS256 sig)>
// header {"alg":"RS256","typ":"JWT","kid":<private_key_id, if any>}, claims
// {"iss":<client_email>,"scope":".../auth/devstorage.read_write",
// "aud":<the key file's token_uri>,"iat":now,"exp":now+3600}.
// Both kinds read {"access_token","expires_in"} from a 200 answer (a missing
// expires_in counts as 3600 s).
//
// Errors of AuthorizationHeader() (kinds 2 and 3) start "cannot get an
// access token for <Describe()> from <token endpoint>" or "cannot get an
// access token from the metadata server <url>", and then give the
// transport error (its code kept) or "HTTP <status> <reason>" with the
// answer's OAuth "error" and "error_description" fields. Codes: 401, 403
// and a 400 rejecting the credentials themselves (invalid_grant,
// invalid_client, unauthorized_client) → PermissionDenied; other statuses as
// net::HttpErrorStatus() (408/429/5xx → Unavailable, i.e. retryable; other
// 400 → InvalidArgument; 404 → NotFound; 3xx → FailedPrecondition, saying
// that token requests do not follow redirects and naming the Location); a
// 200 answer that is not JSON or has no usable access_token → Unavailable.
//
// Thread safety: safe for concurrent use; a token is fetched by one caller
// at a time (the others wait for it) and cached as above.
// Secrets (tokens, keys, assertions) never appear in errors or logs.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "net/http_client.h"
#include "tfhub/result.h"

namespace tfhub::gcs {

class Credentials {
 public:
  virtual ~Credentials() = default;
  // The header line to add ("Authorization: Bearer <token>"), or "" for
  // anonymous access; a token is fetched through `http` when one is needed.
  // Errors name the credential source (key file path, token endpoint, HTTP
  // status) but never a secret.
  virtual Result<std::string> AuthorizationHeader(net::HttpClient& http) = 0;
  // For messages: "anonymous", "access token from GOOGLE_OAUTH_ACCESS_TOKEN",
  // "service account a@b (key file /p)", "metadata server". No secrets.
  virtual std::string Describe() const = 0;
};

struct CredentialsConfig {
  std::string access_token;      // GOOGLE_OAUTH_ACCESS_TOKEN
  std::string key_file;          // GOOGLE_APPLICATION_CREDENTIALS
  // Forced: no credentials at all, whatever else is set (the emulator:
  // STORAGE_EMULATOR_HOST; a token or key file set beside it is not used).
  bool anonymous = false;
  bool use_metadata_server = false;  // on Google Cloud (see MakeCredentials)
  std::string metadata_host = "metadata.google.internal";  // GCE_METADATA_HOST
  // Token endpoint override (tests); empty: the key file's token_uri.
  std::string token_uri_override;
  bool verify_tls = true;
  std::string ca_file;
  // For tests: the clock used for "iat"/"exp" and token expiry.
  std::function<std::chrono::system_clock::time_point()> now;
};

// Builds the credentials `config` asks for: anonymous if forced (nothing
// else is looked at), else a direct token, else a key file, else the
// metadata server if enabled, else anonymous. No request is made here.
// A key file is read and parsed here (which loads libcrypto): a missing,
// unreadable or malformed file (not JSON, type not "service_account", no
// client_email, no private_key, a private_key that is not an unencrypted
// PEM RSA key, a token_uri that is not a string) is an InvalidArgument
// error "credentials key file <path>: <problem>"; nothing of the file's
// content is quoted. So is a token endpoint (the token_uri, or
// token_uri_override) that is neither https nor http to a loopback host:
// "credentials key file <path>: token_uri <uri>: refusing to send
// credentials to ..." (the token_uri, no secret, is the one part of the
// file quoted). A direct token with spaces or control characters is
// InvalidArgument too.
Result<std::shared_ptr<Credentials>> MakeCredentials(const CredentialsConfig& config);

// MakeCredentials(config), made once per process and configuration and then
// shared (with its cached token) by every caller that asks with an equal
// configuration: a service running many resolves fetches one token, not one
// per resolve. Thread-safe. A failure is not cached.
Result<std::shared_ptr<Credentials>> SharedCredentials(const CredentialsConfig& config);

}  // namespace tfhub::gcs
