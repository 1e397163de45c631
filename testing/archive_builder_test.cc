#include "testing/archive_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <stdexcept>

#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace tfhub::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<std::string> Names(const std::vector<ArchiveMember>& members) {
  std::vector<std::string> names;
  for (const auto& m : members) names.push_back(m.name);
  return names;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

class ArchiveBuilderTest : public ::testing::Test {
 protected:
  // Writes bytes to a file and lists it with GNU tar (-P: keep names as-is).
  ProcessResult TarList(const std::string& bytes, const std::string& flags = "-tvPf") {
    std::string path = dir_.Sub("listed.tar");
    WriteStringToFile(path, bytes);
    return RunProcess({"tar", flags, path}, {{"LC_ALL", "C"}, {"TZ", "UTC"}});
  }
  TempDir dir_;
};

TEST_F(ArchiveBuilderTest, GnuTarGzOfDirectory) {
  WriteStringToFile(dir_.Sub("src/saved_model.pb"), "pb");
  WriteStringToFile(dir_.Sub("src/variables/variables.index"), "idx");
  MakeTarWithGnuTar(dir_.Sub("src"), dir_.Sub("m.tar.gz"), {"--sort=name"});
  std::string bytes = ReadFileToString(dir_.Sub("m.tar.gz"));
  ASSERT_GE(bytes.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0x8b);
  auto members = ReadArchive(bytes);
  EXPECT_THAT(Names(members), ElementsAre("./", "./saved_model.pb", "./variables/",
                                          "./variables/variables.index"));
  EXPECT_EQ(members[1].content, "pb");
  EXPECT_EQ(members[2].type, '5');
}

TEST_F(ArchiveBuilderTest, GnuTarPlainWithMembers) {
  WriteStringToFile(dir_.Sub("src/a.txt"), "a");
  WriteStringToFile(dir_.Sub("src/b.txt"), "b");
  MakeTarWithGnuTarMembers(dir_.Sub("src"), dir_.Sub("m.tar"), {"b.txt"},
                           {"--owner=0", "--group=0"});
  std::string bytes = ReadFileToString(dir_.Sub("m.tar"));
  EXPECT_EQ(bytes.size() % 10240, 0u);
  auto members = ReadArchive(bytes);
  ASSERT_THAT(Names(members), ElementsAre("b.txt"));
  EXPECT_EQ(members[0].content, "b");
}

TEST_F(ArchiveBuilderTest, GnuTarFailuresThrowWithStderr) {
  EXPECT_THROW(MakeTarWithGnuTar(dir_.path(), dir_.Sub("x.zip")), std::runtime_error);
  try {
    MakeTarWithGnuTarMembers(dir_.path(), dir_.Sub("x.tar"), {"missing-member"});
    FAIL() << "expected throw";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("missing-member"));
    EXPECT_THAT(e.what(), HasSubstr("Cannot stat"));
  }
}

TEST_F(ArchiveBuilderTest, WriterEntryTypesAreListedByGnuTar) {
  ArchiveWriter w;
  w.AddDir("d/");
  w.AddFile("d/f.txt", "hello", 0600);
  w.AddSymlink("d/sym", "f.txt");
  w.AddHardlink("d/hard", "d/f.txt");
  w.AddFifo("d/fifo");
  w.AddCharDevice("d/null", 1, 3);
  w.AddBlockDevice("d/loop", 7, 0);
  std::string bytes = w.Finish();
  EXPECT_EQ(bytes.size() % 10240, 0u);
  ProcessResult r = TarList(bytes);
  ASSERT_TRUE(r.ok()) << r.DebugString();
  auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 7u) << r.out;
  EXPECT_THAT(lines[0], StartsWith("drwxr-xr-x tfhub/tfhub"));
  EXPECT_THAT(lines[0], HasSubstr(" d/"));
  EXPECT_THAT(lines[1], ::testing::MatchesRegex("-rw------- tfhub/tfhub +5 .* d/f\\.txt"));
  EXPECT_THAT(lines[1], HasSubstr(" d/f.txt"));
  EXPECT_THAT(lines[2], StartsWith("lrwxrwxrwx"));
  EXPECT_THAT(lines[2], HasSubstr("d/sym -> f.txt"));
  EXPECT_THAT(lines[3], StartsWith("hrw-r--r--"));
  EXPECT_THAT(lines[3], HasSubstr("d/hard link to d/f.txt"));
  EXPECT_THAT(lines[4], StartsWith("prw-r--r--"));
  EXPECT_THAT(lines[5], StartsWith("crw-r--r--"));
  EXPECT_THAT(lines[5], HasSubstr("1,3"));
  EXPECT_THAT(lines[6], StartsWith("brw-r--r--"));

  auto members = ReadArchive(bytes);
  ASSERT_EQ(members.size(), 7u);
  std::string types;
  for (const auto& m : members) types += m.type;
  EXPECT_EQ(types, "5021634");
  EXPECT_EQ(members[1].content, "hello");
  EXPECT_EQ(members[1].mode, 0600u);
  EXPECT_EQ(members[2].linkname, "f.txt");
  EXPECT_EQ(members[3].linkname, "d/f.txt");
}

TEST_F(ArchiveBuilderTest, HostileNamesAreWrittenVerbatim) {
  ArchiveWriter w;
  const std::vector<std::string> names = {"../x", "/abs", "a/../../x", "",
                                          "a//b", "x/./y"};
  for (const auto& n : names) w.AddFile(n, "data:" + n);
  w.AddDir("./");
  w.AddSymlink("evil", "/etc/passwd");
  w.AddHardlink("evil2", "../../outside");
  std::string bytes = w.Finish();
  // Verify the raw header name fields directly (no reader normalisation).
  for (size_t i = 0; i < names.size(); ++i) {
    // Each small file = 1 header + 1 data block.
    std::string field = bytes.substr(i * 1024, 100);
    EXPECT_EQ(std::string(field.c_str()), names[i]);
  }
  auto members = ReadArchive(bytes);
  ASSERT_EQ(members.size(), names.size() + 3);
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(members[i].name, names[i]);
    EXPECT_EQ(members[i].content, "data:" + names[i]);
  }
  EXPECT_EQ(members[names.size()].name, "./");
  EXPECT_EQ(members[names.size() + 1].linkname, "/etc/passwd");
  EXPECT_EQ(members[names.size() + 2].linkname, "../../outside");
  ProcessResult r = TarList(bytes, "-tPf");
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_THAT(Lines(r.out), ElementsAre("../x", "/abs", "a/../../x", "", "a//b",
                                        "x/./y", "./", "evil", "evil2"));
}

TEST_F(ArchiveBuilderTest, LongNamesInEachFormat) {
  const std::string long_name = std::string(150, 'n') + "/" + std::string(120, 'm');
  const std::string long_target = std::string(130, 't');
  for (TarFormat format : {TarFormat::kPax, TarFormat::kGnu}) {
    ArchiveWriter w(false, format);
    w.AddFile(long_name, "long");
    w.AddSymlink("s", long_target);
    std::string bytes = w.Finish();
    auto members = ReadArchive(bytes);
    ASSERT_EQ(members.size(), 2u);
    EXPECT_EQ(members[0].name, long_name);
    EXPECT_EQ(members[0].content, "long");
    EXPECT_EQ(members[1].linkname, long_target);
    ProcessResult r = TarList(bytes, "-tPf");
    ASSERT_TRUE(r.ok()) << r.DebugString();
    EXPECT_THAT(Lines(r.out), ElementsAre(long_name, "s"));
  }
  // ustar: splittable names use the prefix field; others throw.
  ArchiveWriter ustar(false, TarFormat::kUstar);
  const std::string split = std::string(120, 'p') + "/" + std::string(90, 'q');
  ustar.AddFile(split, "x");
  EXPECT_THAT(Names(ReadArchive(ustar.Finish())), ElementsAre(split));
  ArchiveWriter ustar2(false, TarFormat::kUstar);
  EXPECT_THROW(ustar2.AddFile(std::string(150, 'z'), "x"), std::runtime_error);
}

TEST_F(ArchiveBuilderTest, GzipOutputIsDeterministicAndReadable) {
  auto build = [] {
    ArchiveWriter w(/*gzip=*/true);
    w.AddDir("m/");
    w.AddFile("m/saved_model.pb", std::string(100000, 'p'));
    return w.Finish();
  };
  std::string a = build();
  std::string b = build();
  EXPECT_EQ(a, b);
  ASSERT_GE(a.size(), 10u);
  EXPECT_EQ(static_cast<unsigned char>(a[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(a[1]), 0x8b);
  EXPECT_EQ(a.substr(4, 4), std::string(4, '\0'));  // MTIME = 0
  ProcessResult r = TarList(a, "-tzf");
  ASSERT_TRUE(r.ok()) << r.DebugString();
  EXPECT_THAT(Lines(r.out), ElementsAre("m/", "m/saved_model.pb"));
  auto members = ReadArchive(a);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[1].content, std::string(100000, 'p'));
}

TEST_F(ArchiveBuilderTest, GzipRoundTrip) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>(i * 7);
  std::string z = Gzip(data);
  EXPECT_EQ(Gunzip(z), data);
  EXPECT_EQ(Gunzip(Gzip("")), "");
  EXPECT_THROW(Gunzip("not gzip at all"), std::runtime_error);
  WriteStringToFile(dir_.Sub("d.gz"), z);
  ProcessResult r = RunProcess({"gzip", "-dc", dir_.Sub("d.gz")});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(r.out, data);
}

TEST_F(ArchiveBuilderTest, LyingSizesAndTruncation) {
  ArchiveWriter w;
  TarEntry e;
  e.name = "big";
  e.content = "only this";
  e.declared_size = 1 << 20;
  w.AddEntry(e);
  std::string bytes = w.Finish(/*write_end_marker=*/false);
  EXPECT_EQ(bytes.size(), 1024u);
  EXPECT_FALSE(TarList(bytes).ok());
  EXPECT_THROW(ReadArchive(bytes), std::runtime_error);

  ArchiveWriter garbage;
  garbage.AddFile("ok", "fine");
  garbage.AppendRawBytes(std::string(512, 'G'));
  EXPECT_FALSE(TarList(garbage.Finish()).ok());
}

TEST_F(ArchiveBuilderTest, CustomPaxRecordsAndRawTypes) {
  ArchiveWriter w;
  TarEntry e;
  e.name = "short";
  e.content = "c";
  e.pax_records = {{"path", "overridden/by/pax"}};
  w.AddEntry(e);
  w.AddRaw('V', "volume-label");
  std::string bytes = w.Finish();
  EXPECT_EQ(ReadArchive(bytes)[0].name, "overridden/by/pax");
  EXPECT_EQ(bytes[156], 'x');
}

}  // namespace
}  // namespace tfhub::test
