// base::CryptoApi — the libcrypto (OpenSSL 3) functions tfhub uses (digests;
// PEM private keys and RS256 signatures for base/rsa_signer.h), loaded on
// first use (see base/dynamic_library.h for why libcrypto is not linked).
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>
#include <string_view>

#include "tfhub/result.h"

namespace tfhub::base {

struct CryptoApi {
  decltype(&::EVP_MD_CTX_new) EVP_MD_CTX_new;
  decltype(&::EVP_MD_CTX_free) EVP_MD_CTX_free;
  decltype(&::EVP_sha256) EVP_sha256;
  decltype(&::EVP_md5) EVP_md5;
  decltype(&::EVP_DigestInit_ex) EVP_DigestInit_ex;
  decltype(&::EVP_DigestUpdate) EVP_DigestUpdate;
  decltype(&::EVP_DigestFinal_ex) EVP_DigestFinal_ex;
  // Private keys and signatures (base/rsa_signer.h).
  decltype(&::BIO_new_mem_buf) BIO_new_mem_buf;
  decltype(&::BIO_free) BIO_free;
  decltype(&::PEM_read_bio_PrivateKey) PEM_read_bio_PrivateKey;
  decltype(&::EVP_PKEY_free) EVP_PKEY_free;
  decltype(&::EVP_PKEY_get_base_id) EVP_PKEY_get_base_id;
  decltype(&::EVP_DigestSignInit) EVP_DigestSignInit;
  decltype(&::EVP_DigestSign) EVP_DigestSign;
  // The calling thread's error queue, for messages.
  decltype(&::ERR_get_error) ERR_get_error;
  decltype(&::ERR_error_string_n) ERR_error_string_n;
  decltype(&::ERR_clear_error) ERR_clear_error;
};

// Loads libcrypto.so.3 once. Errors: FailedPrecondition when missing.
Result<const CryptoApi*> Crypto();

// An incremental digest (SHA-256 or MD5) through libcrypto's EVP interface.
class Digest {
 public:
  enum class Algorithm { kSha256, kMd5 };

  // Fails (status()) when libcrypto cannot be loaded.
  explicit Digest(Algorithm algorithm);
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  const Status& status() const { return status_; }
  void Update(std::string_view data);
  // The raw digest bytes; the object cannot be updated afterwards.
  Result<std::string> Final();
  // Final(), in lowercase hex.
  Result<std::string> HexDigest();

 private:
  const CryptoApi* api_ = nullptr;
  EVP_MD_CTX* ctx_ = nullptr;
  Status status_;
};

class Sha256 : public Digest {
 public:
  Sha256() : Digest(Algorithm::kSha256) {}
};

class Md5 : public Digest {
 public:
  Md5() : Digest(Algorithm::kMd5) {}
};

}  // namespace tfhub::base
