#include "tests/integration/gcs_emulator.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "net/curl_http_client.h"

namespace tfhub::itest {

GcsEmulator& GcsEmulator::Get() {
  static GcsEmulator* emulator = new GcsEmulator();  // stopped by atexit below
  return *emulator;
}

GcsEmulator::GcsEmulator() {
  const char* given = std::getenv("TFHUB_TEST_GCS_EMULATOR");
  if (given != nullptr && *given != '\0') {
    endpoint_ = given;
  } else {
    auto r = test::RunProcess({TFHUB_SOURCE_DIR "/scripts/gcs-emulator.sh", "start"});
    std::istringstream in(r.out);
    in >> pid_ >> endpoint_;
    if (!r.ok() || pid_ <= 0 || endpoint_.empty()) {
      throw std::runtime_error("cannot start the Cloud Storage emulator: " + r.DebugString());
    }
    static long started = pid_;
    std::atexit([] { ::kill(static_cast<pid_t>(started), SIGTERM); });
  }
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  const std::string host = endpoint_.substr(endpoint_.find("://") + 3);
  ::setenv("STORAGE_EMULATOR_HOST", host.c_str(), 1);
  http_ = net::NewCurlHttpClient();
  gcs::GcsClientOptions options;
  options.endpoint = endpoint_;
  client_ = std::make_unique<gcs::GcsClient>(http_.get(), nullptr, options);
  registry_ = io::MakeFileSystemRegistry(*OptionsFromEnvironment());
  // Fail early and clearly when it does not answer.
  auto probe = client_->List("tfhub-probe", "", "/", 1);
  if (!probe.ok()) throw std::runtime_error("the Cloud Storage emulator at " + endpoint_ + " does not answer: " +
                                            probe.status().message());
}

GcsEmulator::~GcsEmulator() = default;

test::EnvChanges GcsEmulator::Env() const {
  return {{"STORAGE_EMULATOR_HOST", endpoint_.substr(endpoint_.find("://") + 3)},
          {"GOOGLE_APPLICATION_CREDENTIALS", std::nullopt},
          {"GOOGLE_OAUTH_ACCESS_TOKEN", std::nullopt}};
}

std::string GcsEmulator::NewBucket(const std::string& hint) {
  std::string name = "t" + std::to_string(::getpid()) + "-" + std::to_string(++buckets_) + "-";
  for (char c : hint) {
    if (name.size() >= 60) break;
    name.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a')
                   : ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c
                                                                        : '-');
  }
  return name;
}

void GcsEmulator::Put(const std::string& bucket, const std::string& name, const std::string& data) {
  auto r = client_->Insert(gcs::GcsPath{bucket, name}, data);
  if (!r.ok()) throw std::runtime_error("upload to the emulator failed: " + r.status().message());
}

void GcsEmulator::PutTree(const std::string& dir, const std::string& bucket, const std::string& prefix) {
  namespace fs = std::filesystem;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream data;
    data << in.rdbuf();
    Put(bucket, prefix + "/" + fs::relative(entry.path(), dir).string(), data.str());
  }
}

std::vector<std::string> GcsEmulator::ObjectNames(const std::string& bucket, const std::string& prefix) {
  auto list = client_->List(bucket, prefix, "");
  if (!list.ok()) throw std::runtime_error("list failed: " + list.status().message());
  std::vector<std::string> names;
  for (const auto& o : list->objects) names.push_back(o.name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tfhub::itest
