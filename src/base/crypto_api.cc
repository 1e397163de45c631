#include "base/crypto_api.h"

#include "base/dynamic_library.h"
#include "base/strings.h"

namespace tfhub::base {

namespace {
Result<const CryptoApi*> Load() {
  TFHUB_ASSIGN_OR_RETURN(auto lib, DynamicLibrary::Open("libcrypto.so.3", "libssl3"));
  static CryptoApi api;
  TFHUB_BIND(lib, &api, EVP_MD_CTX_new);
  TFHUB_BIND(lib, &api, EVP_MD_CTX_free);
  TFHUB_BIND(lib, &api, EVP_sha256);
  TFHUB_BIND(lib, &api, EVP_md5);
  TFHUB_BIND(lib, &api, EVP_DigestInit_ex);
  TFHUB_BIND(lib, &api, EVP_DigestUpdate);
  TFHUB_BIND(lib, &api, EVP_DigestFinal_ex);
  TFHUB_BIND(lib, &api, BIO_new_mem_buf);
  TFHUB_BIND(lib, &api, BIO_free);
  TFHUB_BIND(lib, &api, PEM_read_bio_PrivateKey);
  TFHUB_BIND(lib, &api, EVP_PKEY_free);
  TFHUB_BIND(lib, &api, EVP_PKEY_get_base_id);
  TFHUB_BIND(lib, &api, EVP_DigestSignInit);
  TFHUB_BIND(lib, &api, EVP_DigestSign);
  TFHUB_BIND(lib, &api, ERR_get_error);
  TFHUB_BIND(lib, &api, ERR_error_string_n);
  TFHUB_BIND(lib, &api, ERR_clear_error);
  return &api;
}
}  // namespace

Result<const CryptoApi*> Crypto() {
  static const Result<const CryptoApi*> api = Load();
  return api;
}

Digest::Digest(Algorithm algorithm) {
  auto api = Crypto();
  if (!api.ok()) {
    status_ = api.status();
    return;
  }
  api_ = *api;
  ctx_ = api_->EVP_MD_CTX_new();
  const EVP_MD* md = algorithm == Algorithm::kSha256 ? api_->EVP_sha256() : api_->EVP_md5();
  if (ctx_ == nullptr || api_->EVP_DigestInit_ex(ctx_, md, nullptr) != 1) {
    status_ = InternalError("cannot initialise a digest");
  }
}

Digest::~Digest() {
  if (ctx_ != nullptr) api_->EVP_MD_CTX_free(ctx_);
}

void Digest::Update(std::string_view data) {
  if (status_.ok() && api_->EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) {
    status_ = InternalError("digest update failed");
  }
}

Result<std::string> Digest::Final() {
  if (!status_.ok()) return status_;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (api_->EVP_DigestFinal_ex(ctx_, digest, &len) != 1) return InternalError("digest final failed");
  return std::string(reinterpret_cast<const char*>(digest), len);
}

Result<std::string> Digest::HexDigest() {
  TFHUB_ASSIGN_OR_RETURN(std::string raw, Final());
  return HexEncode(raw);
}

}  // namespace tfhub::base
