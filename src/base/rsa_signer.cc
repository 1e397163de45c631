#include "base/rsa_signer.h"

#include <climits>

#include "base/crypto_api.h"

namespace tfhub::base {

namespace {

// Never prompt for a passphrase: an encrypted key simply fails to load.
int NoPassphrase(char*, int, int, void*) { return 0; }

// The oldest error on this thread's libcrypto queue (" (error:...)"), or "";
// empties the queue so later calls start clean.
std::string TakeCryptoError(const CryptoApi& api) {
  const unsigned long code = api.ERR_get_error();
  api.ERR_clear_error();
  if (code == 0) return "";
  char text[256];
  api.ERR_error_string_n(code, text, sizeof text);
  return std::string(" (") + text + ")";
}

}  // namespace

Result<std::unique_ptr<RsaSha256Signer>> RsaSha256Signer::FromPem(std::string_view pem) {
  TFHUB_ASSIGN_OR_RETURN(const CryptoApi* api, Crypto());
  if (pem.size() > INT_MAX) return InvalidArgumentError("not a PEM RSA private key (too large)");
  api->ERR_clear_error();
  BIO* bio = api->BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return InternalError("cannot read a private key: out of memory" + TakeCryptoError(*api));
  EVP_PKEY* key = api->PEM_read_bio_PrivateKey(bio, nullptr, &NoPassphrase, nullptr);
  api->BIO_free(bio);
  if (key == nullptr) return InvalidArgumentError("not a PEM RSA private key" + TakeCryptoError(*api));
  if (api->EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    api->EVP_PKEY_free(key);
    return InvalidArgumentError("not a PEM RSA private key (a private key of another type)");
  }
  return std::unique_ptr<RsaSha256Signer>(new RsaSha256Signer(key));
}

RsaSha256Signer::~RsaSha256Signer() {
  // A signer exists only once Crypto() has succeeded.
  if (auto api = Crypto(); api.ok()) (*api)->EVP_PKEY_free(key_);
}

Result<std::string> RsaSha256Signer::Sign(std::string_view data) const {
  TFHUB_ASSIGN_OR_RETURN(const CryptoApi* api, Crypto());
  EVP_MD_CTX* ctx = api->EVP_MD_CTX_new();
  if (ctx == nullptr) return InternalError("cannot sign: out of memory");
  std::string signature;
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  // RSA keys sign with PKCS#1 v1.5 padding by default.
  bool ok = api->EVP_DigestSignInit(ctx, nullptr, api->EVP_sha256(), nullptr, key_) == 1 &&
            api->EVP_DigestSign(ctx, nullptr, &len, in, data.size()) == 1;
  if (ok) {
    signature.resize(len);
    ok = api->EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &len, in, data.size()) == 1;
    signature.resize(len);
  }
  api->EVP_MD_CTX_free(ctx);
  if (!ok) return InternalError("RS256 signing failed" + TakeCryptoError(*api));
  return signature;
}

Result<std::string> RsaSha256Sign(std::string_view pem_private_key, std::string_view data) {
  TFHUB_ASSIGN_OR_RETURN(auto signer, RsaSha256Signer::FromPem(pem_private_key));
  return signer->Sign(data);
}

}  // namespace tfhub::base
