// gs:// end to end, against the Cloud Storage emulator (a real, third-party
// implementation of the JSON API): gs:// archives and directories as
// handles, UNCOMPRESSED mode's 303 to a gs:// location, a cache dir on
// gs:// shared by several resolvers, and models loaded from gs://.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/sha1.h"
#include "cli_env.h"
#include "gcs_emulator.h"
#include "served_models.h"
#include "savedmodel/test_counting_file_system.h"
#include "testing/archive_builder.h"
#include "testing/fake_http_server.h"
#include "testing/random_bytes.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"
#include "tfhub/file_system.h"
#include "tfhub/saved_model.h"

namespace tfhub::itest {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kModel[] = "tf2_half_plus_two_cpu";

class GcsTest : public ::testing::Test {
 protected:
  GcsTest() : emulator_(GcsEmulator::Get()) {
    bucket_ = emulator_.NewBucket(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  test::ProcessResult Tfhub(std::vector<std::string> args, test::EnvChanges env = {}) {
    return test::RunProcess(CliArgs(std::move(args)), Env(std::move(env)));
  }
  std::vector<std::string> CliArgs(std::vector<std::string> args) {
    args.insert(args.begin(), TFHUB_CLI_PATH);
    return args;
  }
  test::EnvChanges Env(test::EnvChanges env) {
    test::EnvChanges all = CleanCliEnv();
    for (auto& [k, v] : emulator_.Env()) all[k] = v;
    for (auto& [k, v] : env) all[k] = v;
    return all;
  }

  // The fixture model as a .tar.gz made by GNU tar.
  std::string ModelArchive() {
    const std::string path = dir_.Sub("model.tar.gz");
    test::MakeTarWithGnuTar(ServedModels::ModelDir(kModel), path, {"-z"});
    return test::ReadFileToString(path);
  }

  GcsEmulator& emulator_;
  std::string bucket_;
  test::TempDir dir_{"tfhub_gcs"};
};

TEST_F(GcsTest, ArchiveHandleIsExtractedIntoALocalCache) {
  emulator_.Put(bucket_, "models/half.tar.gz", ModelArchive());
  const std::string handle = "gs://" + bucket_ + "/models/half.tar.gz";
  auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", dir_.Sub("cache")}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  const std::string module = dir_.Sub("cache/" + base::Sha1Hex(handle));
  EXPECT_EQ(r.out, module + "\n");
  EXPECT_EQ(TreeWithContents(module), TreeWithContents(ServedModels::ModelDir(kModel)));
  EXPECT_THAT(test::ReadFileToString(module + ".descriptor.txt"), HasSubstr("Module: " + handle + "\n"));

  // A missing archive: the error names it, the cache is left as it was.
  auto missing = Tfhub({"resolve", "gs://" + bucket_ + "/models/nope.tgz"}, {{"TFHUB_CACHE_DIR", dir_.Sub("cache")}});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("gs://" + bucket_ + "/models/nope.tgz"));
  EXPECT_THAT(missing.err, HasSubstr("404"));
  EXPECT_EQ(test::ListDir(dir_.Sub("cache")).size(), 2u);  // the first module and its descriptor
}

TEST_F(GcsTest, ALargeArchiveComesInPartsOverSeveralConnections) {
  // 13 MiB of incompressible data: several parts, each a ranged read of
  // the generation the metadata named, checked against its crc32c.
  test::ArchiveWriter w(/*gzip=*/true);
  w.AddFile("saved_model.pb", "big");
  const std::string data = test::RandomBytes(13 << 20, 5);
  w.AddFile("variables/variables.data-00000-of-00001", data);
  emulator_.Put(bucket_, "models/big.tar.gz", w.Finish());
  const std::string handle = "gs://" + bucket_ + "/models/big.tar.gz";
  for (const char* connections : {"4", "1"}) {
    const std::string cache = dir_.Sub(std::string("cache") + connections);
    auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", cache}, {"TFHUB_DOWNLOAD_CONNECTIONS", connections}});
    ASSERT_TRUE(r.ok()) << connections << " connections: " << r.DebugString();
    EXPECT_THAT(r.err, Not(HasSubstr("over")));  // no start-over
    const std::string module = cache + "/" + base::Sha1Hex(handle);
    EXPECT_TRUE(test::ReadFileToString(module + "/variables/variables.data-00000-of-00001") == data);
  }
}

TEST_F(GcsTest, DirectoryHandleIsReturnedUnchangedAndLoadsFromGcs) {
  emulator_.PutTree(ServedModels::ModelDir(kModel), bucket_, "dirs/half");
  const std::string handle = "gs://" + bucket_ + "/dirs/half";
  auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", dir_.Sub("never")}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, handle + "\n");
  EXPECT_FALSE(test::PathExists(dir_.Sub("never")));

  auto missing = Tfhub({"resolve", "gs://" + bucket_ + "/dirs/nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("gs://" + bucket_ + "/dirs/nope does not exist."));

  // The model is read where it lies (issue: load from gs://).
  auto show = Tfhub({"show", handle});
  ASSERT_TRUE(show.ok()) << show.DebugString();
  EXPECT_THAT(show.out, HasSubstr("serving_default"));
  auto tensor = Tfhub({"show", handle, "--tensor", "a/.ATTRIBUTES/VARIABLE_VALUE"});
  ASSERT_TRUE(tensor.ok()) << tensor.DebugString();
  EXPECT_THAT(tensor.out, HasSubstr("0.5"));
}

TEST_F(GcsTest, LibraryLoadsASavedModelFromGcsReadingOnlyWhatItUses) {
  emulator_.PutTree(ServedModels::ModelDir(kModel), bucket_, "lib/half");
  const std::string dir = "gs://" + bucket_ + "/lib/half";
  auto counting = std::make_shared<savedmodel::testing::CountingFileSystem>(GcsEmulator::Get().registry().ForUri(dir).value());
  LoadOptions options;
  options.file_system = counting;
  auto model = SavedModel::Open(dir, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_FALSE((*model)->signatures().empty());
  // Opening reads saved_model.pb and the index, never the data shard.
  for (const auto& r : counting->reads()) EXPECT_THAT(r.path, Not(HasSubstr("variables.data"))) << r.path;

  counting->Clear();
  const std::string name = "a/.ATTRIBUTES/VARIABLE_VALUE";
  auto a = (*model)->ReadVariable(name);
  ASSERT_TRUE(a.ok()) << a.status().message();
  uint64_t data_bytes = 0;
  for (const auto& r : counting->reads()) {
    EXPECT_THAT(r.path, HasSubstr("variables.data-00000-of-00001"));
    data_bytes += r.n;
  }
  EXPECT_EQ(data_bytes, 4u);  // one float32: its own byte range only
  for (const auto& v : (*model)->variables()) {
    auto t = (*model)->ReadVariable(v.name);
    EXPECT_TRUE(t.ok()) << v.name << ": " << t.status().message();
  }
}

TEST_F(GcsTest, UncompressedFollowsThe303ToGcsWithoutACache) {
  emulator_.PutTree(ServedModels::ModelDir(kModel), bucket_, "unc/half");
  const std::string location = "gs://" + bucket_ + "/unc/half";
  test::FakeHttpServer server;
  server.SetRoute("/models/half", test::FakeResponse::Status(303, "See Other", location + "\n"));
  server.SetRoute("/models/plain", test::FakeResponse::Ok("not a location"));
  server.SetRoute("/models/notgs", test::FakeResponse::Status(303, "See Other", "file:///etc/passwd"));
  server.SetRoute("/models/gone", test::FakeResponse::Status(303, "See Other", "gs://" + bucket_ + "/unc/gone"));
  const test::EnvChanges env = {{"TFHUB_MODEL_LOAD_FORMAT", "UNCOMPRESSED"}, {"TFHUB_CACHE_DIR", dir_.Sub("never")}};

  auto r = Tfhub({"resolve", server.url("/models/half")}, env);
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, location + "\n");
  ASSERT_EQ(server.Requests().size(), 1u);
  EXPECT_EQ(server.Requests()[0].target, "/models/half?tf-hub-format=uncompressed");
  EXPECT_FALSE(test::PathExists(dir_.Sub("never")));

  auto flag = Tfhub({"--tfhub_model_load_format", "UNCOMPRESSED", "resolve", server.url("/models/half")},
                    {{"TFHUB_CACHE_DIR", dir_.Sub("never")}});
  EXPECT_EQ(flag.out, location + "\n") << flag.DebugString();

  auto show = Tfhub({"show", server.url("/models/half")}, env);
  ASSERT_TRUE(show.ok()) << show.DebugString();
  EXPECT_THAT(show.out, HasSubstr("serving_default"));

  auto plain = Tfhub({"resolve", server.url("/models/plain")}, env);
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_THAT(plain.err, HasSubstr("Expected 303 See other HTTP response but received code 200"));
  auto notgs = Tfhub({"resolve", server.url("/models/notgs")}, env);
  EXPECT_THAT(notgs.err, HasSubstr("Expected server to return a GCS location but received file:///etc/passwd"));
  auto missing = Tfhub({"resolve", server.url("/models/nothere")}, env);
  EXPECT_THAT(missing.err, HasSubstr("received code 404"));
  auto gone = Tfhub({"resolve", server.url("/models/gone")}, env);
  EXPECT_THAT(gone.err, HasSubstr("gs://" + bucket_ + "/unc/gone does not exist."));
  EXPECT_FALSE(test::PathExists(dir_.Sub("never")));
}

TEST_F(GcsTest, CacheDirOnGcsIsFilledOnceAndHit) {
  ServedModels& served = ServedModels::Get();
  served.nginx().ClearAccessLog();
  const std::string handle = served.url(std::string("/models/") + kModel + ".tar.gz");
  const std::string cache = "gs://" + bucket_ + "/tfhub-modules-cache";
  const std::string sha1 = base::Sha1Hex(handle);

  auto first = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", cache}});
  ASSERT_TRUE(first.ok()) << first.DebugString();
  EXPECT_EQ(first.out, cache + "/" + sha1 + "\n");
  auto second = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", cache}});
  ASSERT_TRUE(second.ok()) << second.DebugString();
  EXPECT_EQ(second.out, first.out);
  ASSERT_TRUE(served.nginx().WaitForAccessLogLines(1));
  EXPECT_EQ(served.nginx().AccessLog().size(), 1u);

  // Exactly the module and its descriptor: no lock, no temp dir left.
  const auto names = emulator_.ObjectNames(bucket_, "tfhub-modules-cache/");
  EXPECT_THAT(names, Contains("tfhub-modules-cache/" + sha1 + ".descriptor.txt"));
  EXPECT_THAT(names, Contains("tfhub-modules-cache/" + sha1 + "/saved_model.pb"));
  for (const auto& n : names) {
    EXPECT_THAT(n, Not(HasSubstr(".lock"))) << n;
    EXPECT_THAT(n, Not(HasSubstr(".tmp"))) << n;
  }
  auto descriptor = emulator_.client().ReadToString(gcs::GcsPath{bucket_, "tfhub-modules-cache/" + sha1 + ".descriptor.txt"});
  ASSERT_TRUE(descriptor.ok());
  EXPECT_THAT(*descriptor, HasSubstr("Module: " + handle + "\n"));

  // The cached module loads from gs:// too.
  auto show = Tfhub({"show", handle}, {{"TFHUB_CACHE_DIR", cache}});
  EXPECT_TRUE(show.ok()) << show.DebugString();
  EXPECT_EQ(served.nginx().AccessLog().size(), 1u);

  // The cache tools work on a bucket as on a disk.
  auto list = Tfhub({"cache", "list", "--json"}, {{"TFHUB_CACHE_DIR", cache}});
  ASSERT_TRUE(list.ok()) << list.DebugString();
  const auto listed = nlohmann::json::parse(list.out);
  ASSERT_EQ(listed["entries"].size(), 1u) << list.out;
  EXPECT_EQ(listed["entries"][0]["handle"], handle);
  EXPECT_EQ(listed["entries"][0]["state"], "complete");
  auto verify = Tfhub({"cache", "verify"}, {{"TFHUB_CACHE_DIR", cache}});
  EXPECT_TRUE(verify.ok()) << verify.DebugString();
  auto rm = Tfhub({"cache", "rm", sha1}, {{"TFHUB_CACHE_DIR", cache}});
  ASSERT_TRUE(rm.ok()) << rm.DebugString();
  for (const auto& n : emulator_.ObjectNames(bucket_, "tfhub-modules-cache/")) {
    EXPECT_THAT(n, Not(HasSubstr(sha1))) << n;
  }
}

// A module of many files and large ones filled into a gs:// cache dir:
// files over 8 MiB (which once failed: the emulator commits a resumable
// upload at its first chunk) go up as one request below the part size and
// as parts composed into the object above it; many files at once. Every
// object lands byte-exact, and no part is left behind.
TEST_F(GcsTest, ManyFilesAndLargeOnesLandByteExactInAGcsCache) {
  test::ArchiveWriter w(/*gzip=*/true);
  std::map<std::string, std::string> files;
  files["saved_model.pb"] = "pb";
  for (int i = 0; i < 120; ++i) {
    files["assets/f" + std::to_string(i) + ".txt"] = test::RandomBytes(1000 + 37 * static_cast<size_t>(i), i);
  }
  files["variables/nine_mib"] = test::RandomBytes((9 << 20) + 5, 91);             // one request
  files["variables/variables.data-00000-of-00001"] = test::RandomBytes((37 << 20) + 3, 92);  // 3 parts
  for (const auto& [name, data] : files) w.AddFile(name, data);
  emulator_.Put(bucket_, "models/many.tar.gz", w.Finish());
  const std::string handle = "gs://" + bucket_ + "/models/many.tar.gz";
  const std::string cache = "gs://" + bucket_ + "/cache";

  auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", cache}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  const std::string prefix = "cache/" + base::Sha1Hex(handle) + "/";
  EXPECT_EQ(r.out, "gs://" + bucket_ + "/" + prefix.substr(0, prefix.size() - 1) + "\n");
  for (const auto& [name, data] : files) {
    auto got = emulator_.client().ReadToString(gcs::GcsPath{bucket_, prefix + name}, 64 << 20);
    ASSERT_TRUE(got.ok()) << name << ": " << got.status().ToString();
    EXPECT_TRUE(*got == data) << name << " differs (" << got->size() << " bytes, " << data.size() << " written)";
  }
  for (const auto& n : emulator_.ObjectNames(bucket_, "cache/")) {
    EXPECT_THAT(n, Not(HasSubstr(".tfhub-part-"))) << n;
    EXPECT_THAT(n, Not(HasSubstr(".tmp"))) << n;
  }
}

TEST_F(GcsTest, ConcurrentResolversIntoAGcsCacheDownloadOnce) {
  test::FakeHttpServer server;
  test::FakeResponse slow = test::FakeResponse::Ok(ModelArchive());
  slow.bytes_per_second = slow.body.size();  // about a second
  server.SetRoute("/slow.tar.gz", slow);
  const std::string handle = server.url("/slow.tar.gz");
  const std::string cache = "gs://" + bucket_ + "/shared";
  const std::string sha1 = base::Sha1Hex(handle);

  test::Process first;
  first.Start(CliArgs({"resolve", handle}), Env({{"TFHUB_CACHE_DIR", cache}}));
  // Start the second once the first holds the lock (observed on gs://).
  io::FileSystem* fs = GcsEmulator::Get().registry().ForUri(cache).value();
  bool locked = false;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
       !locked && std::chrono::steady_clock::now() < deadline;) {
    auto info = fs->Stat(cache + "/" + sha1 + ".lock");
    locked = info.ok() && info->type == io::FileType::kFile;
    if (!locked) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a condition
  }
  ASSERT_TRUE(locked) << "the first resolver never took the lock";
  test::Process second;
  second.Start(CliArgs({"resolve", handle}), Env({{"TFHUB_CACHE_DIR", cache}}));

  const auto a = first.Wait();
  const auto b = second.Wait();
  ASSERT_TRUE(a.ok()) << a.DebugString();
  ASSERT_TRUE(b.ok()) << b.DebugString();
  EXPECT_EQ(a.out, cache + "/" + sha1 + "\n");
  EXPECT_EQ(b.out, a.out);
  EXPECT_EQ(server.RequestCount("/slow.tar.gz"), 1u);
  for (const auto& n : emulator_.ObjectNames(bucket_, "shared/")) {
    EXPECT_THAT(n, Not(HasSubstr(".lock"))) << n;
    EXPECT_THAT(n, Not(HasSubstr(".tmp"))) << n;
    EXPECT_THAT(n, Not(HasSubstr(".progress"))) << n;  // the holder's progress record
  }
}

// A holder that published progress once and then went silent (killed on
// another host) is taken over after the lock timeout on gs:// too, and its
// lock, temp dir and progress record go.
TEST_F(GcsTest, SilentHolderOfAGcsLockIsTakenOverAfterTheTimeout) {
  test::FakeHttpServer server;
  server.SetRoute("/m.tar.gz", test::FakeResponse::Ok(ModelArchive()));
  const std::string handle = server.url("/m.tar.gz");
  const std::string sha1 = base::Sha1Hex(handle);
  const std::string uid(32, 'd');
  emulator_.Put(bucket_, "c/" + sha1 + ".lock", "otherhost.42." + uid);
  emulator_.Put(bucket_, "c/" + sha1 + "." + uid + ".progress",
                "tfhub-lock-progress 1\ndone 10\ntotal 1000\nrate 5\nseq 2\nphase download\n");
  emulator_.Put(bucket_, "c/" + sha1 + "." + uid + ".tmp/stale", "s");
  const std::string cache = "gs://" + bucket_ + "/c";
  auto r = Tfhub({"resolve", handle}, {{"TFHUB_CACHE_DIR", cache}, {"TFHUB_LOCK_TIMEOUT_SEC", "1"}});
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_EQ(r.out, cache + "/" + sha1 + "\n");
  EXPECT_THAT(r.err, HasSubstr("due to inactivity"));
  EXPECT_EQ(server.RequestCount("/m.tar.gz"), 1u);
  for (const auto& n : emulator_.ObjectNames(bucket_, "c/")) {
    EXPECT_THAT(n, Not(HasSubstr(".lock"))) << n;
    EXPECT_THAT(n, Not(HasSubstr(".tmp"))) << n;
    EXPECT_THAT(n, Not(HasSubstr(".progress"))) << n;
  }
}

// What is particular to gs:// (the generic contract is checked by the
// conformance suite, file_system_conformance_test.cc): names that need
// escaping, large reads split into parallel parts, placeholders deleted.
TEST_F(GcsTest, FileSystemOperationsAgainstTheEmulator) {
  io::FileSystem* fs = GcsEmulator::Get().registry().ForUri("gs://" + bucket_).value();
  const std::string root = "gs://" + bucket_ + "/fs";
  ASSERT_TRUE(fs->CreateDirs(root + "/d").ok());
  ASSERT_TRUE(fs->WriteStringToFile(root + "/d/a b#?.txt", "hello").ok());
  EXPECT_EQ(fs->Stat(root + "/d/a b#?.txt")->size, 5u);
  EXPECT_THAT(*fs->ListDir(root + "/d"), ElementsAre("a b#?.txt"));
  ASSERT_TRUE(fs->RenameNoReplace(root + "/d", root + "/e").ok());
  EXPECT_EQ(*fs->ReadFileToString(root + "/e/a b#?.txt"), "hello");

  // A read bigger than one part goes out as parallel ranged reads.
  std::string big(20 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  emulator_.Put(bucket_, "fs/big", big);
  auto file = fs->NewRandomAccessFile(root + "/big");
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ((*file)->Size(), big.size());
  std::string scratch(big.size(), '\0');
  auto got = (*file)->ReadAt(0, big.size(), scratch.data());
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_TRUE(*got == big);
  auto tail = (*file)->ReadAt(big.size() - 10, 10, scratch.data());
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(*tail, big.substr(big.size() - 10));

  // Directory placeholders go too.
  ASSERT_TRUE(fs->DeleteRecursively(root).ok());
  EXPECT_THAT(emulator_.ObjectNames(bucket_, "fs/"), IsEmpty());
}

}  // namespace
}  // namespace tfhub::itest
