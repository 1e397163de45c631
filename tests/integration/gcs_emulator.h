// The Cloud Storage emulator the gs:// integration tests talk to: the one
// scripts/test.sh started (TFHUB_TEST_GCS_EMULATOR=http://127.0.0.1:PORT),
// else one started here with scripts/gcs-emulator.sh and stopped at exit.
// Not reachable -> the test fails (never skipped).
//
// Get() also sets STORAGE_EMULATOR_HOST in this process, so options from
// OptionsFromEnvironment() reach the emulator (registry() is built from
// them); Env() gives the same to CLI subprocesses.
#pragma once

#include <memory>
#include <string>

#include "gcs/gcs_client.h"
#include "net/http_client.h"
#include "tfhub/file_system.h"
#include "testing/subprocess.h"

namespace tfhub::itest {

class GcsEmulator {
 public:
  static GcsEmulator& Get();

  const std::string& endpoint() const { return endpoint_; }  // http://127.0.0.1:PORT
  // STORAGE_EMULATOR_HOST for subprocesses.
  test::EnvChanges Env() const;
  // A bucket name of its own for each call (buckets spring into existence).
  std::string NewBucket(const std::string& hint);
  // A client talking straight to the emulator (anonymous).
  gcs::GcsClient& client() { return *client_; }
  // The built-in filesystems, configured from the environment (gs:// is the emulator).
  io::FileSystemRegistry& registry() { return *registry_; }
  // Uploads `data` as gs://bucket/name in one request (any size the emulator takes).
  void Put(const std::string& bucket, const std::string& name, const std::string& data);
  // Uploads every file under the local dir `dir` below gs://bucket/prefix/.
  void PutTree(const std::string& dir, const std::string& bucket, const std::string& prefix);
  // Names of all objects under `prefix`, sorted.
  std::vector<std::string> ObjectNames(const std::string& bucket, const std::string& prefix);

 private:
  GcsEmulator();
  ~GcsEmulator();
  std::string endpoint_;
  long pid_ = 0;  // when started here
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<gcs::GcsClient> client_;
  std::unique_ptr<io::FileSystemRegistry> registry_;
  int buckets_ = 0;
};

}  // namespace tfhub::itest
