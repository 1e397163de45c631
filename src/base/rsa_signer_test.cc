#include "base/rsa_signer.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>

namespace tfhub::base {
namespace {

// Test keys come from OpenSSL itself (linked into the test binary).
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

enum class PemFormat { kPkcs8, kTraditional, kEncryptedPkcs8 };

std::string ToPem(EVP_PKEY* key, PemFormat format) {
  BIO* bio = BIO_new(BIO_s_mem());
  int ok = 0;
  switch (format) {
    case PemFormat::kPkcs8:
      ok = PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case PemFormat::kTraditional:
      ok = PEM_write_bio_PrivateKey_traditional(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case PemFormat::kEncryptedPkcs8: {
      char pass[] = "passphrase";
      ok = PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), pass, 10, nullptr, nullptr);
      break;
    }
  }
  EXPECT_EQ(ok, 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

// One 2048-bit key for the whole suite (generation takes a moment).
EVP_PKEY* TestKey() {
  static EVP_PKEY* key = EVP_RSA_gen(2048);
  return key;
}

bool Verifies(EVP_PKEY* key, const std::string& data, const std::string& signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                   reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

TEST(RsaSignerTest, Pkcs8SignatureVerifiesWithThePublicKey) {
  ASSERT_NE(TestKey(), nullptr);
  const std::string pem = ToPem(TestKey(), PemFormat::kPkcs8);
  ASSERT_NE(pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  auto signature = RsaSha256Sign(pem, "header.claims");
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  EXPECT_EQ(signature->size(), 256u);
  EXPECT_TRUE(Verifies(TestKey(), "header.claims", *signature));
  EXPECT_FALSE(Verifies(TestKey(), "header.claimz", *signature));
}

TEST(RsaSignerTest, Pkcs1PemIsAcceptedAndSigningIsDeterministic) {
  const std::string pem = ToPem(TestKey(), PemFormat::kTraditional);
  ASSERT_NE(pem.find("-----BEGIN RSA PRIVATE KEY-----"), std::string::npos);
  auto signer = RsaSha256Signer::FromPem(pem);
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  auto a = (*signer)->Sign("data");
  auto b = (*signer)->Sign("data");
  ASSERT_TRUE(a.ok() && b.ok());
  // PKCS#1 v1.5 (RS256), not PSS: the same input gives the same signature.
  EXPECT_EQ(*a, *b);
  EXPECT_TRUE(Verifies(TestKey(), "data", *a));
  auto empty = (*signer)->Sign("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(Verifies(TestKey(), "", *empty));
}

TEST(RsaSignerTest, GarbageIsInvalidArgument) {
  for (const std::string& pem : {std::string(), std::string("not a key"),
                                std::string("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n")}) {
    auto signer = RsaSha256Signer::FromPem(pem);
    ASSERT_FALSE(signer.ok());
    EXPECT_EQ(signer.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(signer.status().message().rfind("not a PEM RSA private key", 0), 0u) << signer.status().message();
    EXPECT_EQ(signer.status().message().find("c2VjcmV0"), std::string::npos);
  }
}

TEST(RsaSignerTest, DamagedKeyErrorDoesNotQuoteTheKey) {
  std::string pem = ToPem(TestKey(), PemFormat::kPkcs8);
  const size_t body = pem.find('\n') + 1;
  const std::string line = pem.substr(body, 64);
  pem[body + 200] = pem[body + 200] == 'A' ? 'B' : 'A';
  pem.erase(body + 300, 40);
  auto signer = RsaSha256Signer::FromPem(pem);
  ASSERT_FALSE(signer.ok());
  EXPECT_EQ(signer.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(signer.status().message().find(line.substr(0, 16)), std::string::npos);
}

TEST(RsaSignerTest, EncryptedKeyIsRejectedWithoutPrompting) {
  const std::string pem = ToPem(TestKey(), PemFormat::kEncryptedPkcs8);
  ASSERT_NE(pem.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  auto signer = RsaSha256Signer::FromPem(pem);
  ASSERT_FALSE(signer.ok());
  EXPECT_EQ(signer.status().code(), StatusCode::kInvalidArgument);
}

TEST(RsaSignerTest, OtherKeyTypesAreRejected) {
  Pkey ec(EVP_EC_gen("P-256"));
  ASSERT_NE(ec, nullptr);
  auto signer = RsaSha256Signer::FromPem(ToPem(ec.get(), PemFormat::kPkcs8));
  ASSERT_FALSE(signer.ok());
  EXPECT_EQ(signer.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(signer.status().message().find("another type"), std::string::npos) << signer.status().message();
}

}  // namespace
}  // namespace tfhub::base
