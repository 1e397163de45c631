// base::CryptoApi — the libcrypto (OpenSSL 3) digests tfhub uses, loaded on
// first use (see base/dynamic_library.h for why libcrypto is not linked).
#pragma once

#include <openssl/evp.h>

#include <string>
#include <string_view>

#include "tfhub/result.h"

namespace tfhub::base {

struct CryptoApi {
  decltype(&::EVP_MD_CTX_new) EVP_MD_CTX_new;
  decltype(&::EVP_MD_CTX_free) EVP_MD_CTX_free;
  decltype(&::EVP_sha256) EVP_sha256;
  decltype(&::EVP_DigestInit_ex) EVP_DigestInit_ex;
  decltype(&::EVP_DigestUpdate) EVP_DigestUpdate;
  decltype(&::EVP_DigestFinal_ex) EVP_DigestFinal_ex;
};

// Loads libcrypto.so.3 once. Errors: FailedPrecondition when missing.
Result<const CryptoApi*> Crypto();

// Incremental SHA-256.
class Sha256 {
 public:
  // Fails (status()) when libcrypto cannot be loaded.
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  const Status& status() const { return status_; }
  void Update(std::string_view data);
  // Lowercase hex digest; the object cannot be updated afterwards.
  Result<std::string> HexDigest();

 private:
  const CryptoApi* api_ = nullptr;
  EVP_MD_CTX* ctx_ = nullptr;
  Status status_;
};

}  // namespace tfhub::base
