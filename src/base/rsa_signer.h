// base::RsaSha256Signer — RSASSA-PKCS1-v1_5 signatures with SHA-256 ("RS256",
// RFC 7518 §3.3; what Google service-account JWTs use) made with a PEM RSA
// private key, through libcrypto (base/crypto_api.h: loaded on first use).
//
// Contract:
//  * Only unencrypted RSA keys are accepted, in PEM: PKCS#8 ("BEGIN PRIVATE
//    KEY", as in service-account key files) or PKCS#1 ("BEGIN RSA PRIVATE
//    KEY"). An encrypted key is rejected; nothing ever prompts for a
//    passphrase.
//  * Error messages never contain the key (nor any part of it): they carry
//    what went wrong and libcrypto's error text only.
//
// Thread safety: a signer may be used by several threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tfhub/result.h"

typedef struct evp_pkey_st EVP_PKEY;  // <openssl/types.h>

namespace tfhub::base {

class RsaSha256Signer {
 public:
  // Parses `pem`. Errors: InvalidArgument "not a PEM RSA private key (...)"
  // when it is not one (garbage, another key type, encrypted);
  // FailedPrecondition when libcrypto cannot be loaded.
  static Result<std::unique_ptr<RsaSha256Signer>> FromPem(std::string_view pem);

  ~RsaSha256Signer();
  RsaSha256Signer(const RsaSha256Signer&) = delete;
  RsaSha256Signer& operator=(const RsaSha256Signer&) = delete;

  // The raw signature of `data` (as many bytes as the key's modulus).
  // Errors: Internal when libcrypto fails.
  Result<std::string> Sign(std::string_view data) const;

 private:
  explicit RsaSha256Signer(EVP_PKEY* key) : key_(key) {}
  EVP_PKEY* key_;
};

// FromPem(pem_private_key), then Sign(data).
Result<std::string> RsaSha256Sign(std::string_view pem_private_key, std::string_view data);

}  // namespace tfhub::base
