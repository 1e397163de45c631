// Test-support: building tar / tar.gz archives for tests.
//
// Two ways:
//  * MakeTarWithGnuTar*: the real GNU tar (via RunProcess), for archives as
//    real publishers make them. Compression is chosen from out_path's
//    suffix: ".tar.gz"/".tgz" -> gzip, ".tar" -> none, ".tar.bz2" -> bzip2,
//    ".tar.xz" -> xz; anything else throws. Throws std::runtime_error with
//    tar's stderr if tar fails.
//  * ArchiveWriter: a byte-exact tar serializer for crafted and hostile
//    archives. Names and link targets are written VERBATIM (e.g. "../x",
//    "/abs", "a/../../x", "./", "" ) - nothing is normalised, so it can
//    produce entries that a safe extractor must reject. Headers are POSIX
//    ustar; names that do not fit are carried in pax 'x' headers (kPax,
//    default), GNU ././@LongLink 'L'/'K' entries (kGnu), or rejected with
//    std::runtime_error (kUstar, after trying the ustar prefix split).
//    Output is deterministic (fixed mtime/uid/gid unless set) and padded to
//    GNU tar's 10240-byte record. Gzip compression (optional) is done with
//    libarchive's gzip filter without timestamp, so output is reproducible.
//  * Gzip()/Gunzip(): raw gzip helpers; ReadArchive(): list an archive's
//    members with libarchive (format/compression auto-detected), to check
//    what was built.
#ifndef TFHUB_TESTING_ARCHIVE_BUILDER_H_
#define TFHUB_TESTING_ARCHIVE_BUILDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tfhub::test {

// Runs: tar -c [-z|-j|-J] -f out_path [extra_args...] -C src_dir .
// (members are therefore named "./", "./a", "./dir/b", ...).
void MakeTarWithGnuTar(const std::string& src_dir, const std::string& out_path,
                       const std::vector<std::string>& extra_args = {});
// Runs: tar -c [-z|-j|-J] -f out_path [extra_args...] -C src_dir -- members...
void MakeTarWithGnuTarMembers(const std::string& src_dir,
                              const std::string& out_path,
                              const std::vector<std::string>& members,
                              const std::vector<std::string>& extra_args = {});

enum class TarFormat {
  kUstar,  // plain ustar only; over-long names throw
  kPax,    // ustar + pax extended headers when needed (like `tar --format=pax`)
  kGnu,    // GNU header magic + ././@LongLink for long names
};

// One tar header, fully controllable. Typeflags: '0' file, '1' hard link,
// '2' symlink, '3' char device, '4' block device, '5' directory, '6' FIFO,
// 'x' pax header, 'g' pax global header, 'L'/'K' GNU long name/link, or any
// other byte.
struct TarEntry {
  char typeflag = '0';
  std::string name;
  std::string linkname;
  std::string content;  // data written after the header (padded to 512)
  uint32_t mode = 0644;
  uint32_t uid = 1000;
  uint32_t gid = 1000;
  std::string uname = "tfhub";
  std::string gname = "tfhub";
  int64_t mtime = 1700000000;
  uint32_t devmajor = 0;
  uint32_t devminor = 0;
  // Header size field; defaults to content.size(). Set it to lie (e.g. a
  // header claiming more data than the archive holds).
  std::optional<uint64_t> declared_size;
  // Extra pax records ("key", "value") emitted in an 'x' header before this
  // entry (any format). Added to the automatic path/linkpath records.
  std::vector<std::pair<std::string, std::string>> pax_records;
};

class ArchiveWriter {
 public:
  explicit ArchiveWriter(bool gzip = false, TarFormat format = TarFormat::kPax);

  void AddFile(const std::string& name, const std::string& content,
               uint32_t mode = 0644);
  void AddDir(const std::string& name, uint32_t mode = 0755);
  void AddSymlink(const std::string& name, const std::string& target);
  void AddHardlink(const std::string& name, const std::string& target);
  void AddFifo(const std::string& name);
  void AddCharDevice(const std::string& name, uint32_t major = 1,
                     uint32_t minor = 3);
  void AddBlockDevice(const std::string& name, uint32_t major = 7,
                      uint32_t minor = 0);
  // A header with an arbitrary typeflag and optional data.
  void AddRaw(char typeflag, const std::string& name,
              const std::string& content = "");
  // Full control over one entry.
  void AddEntry(const TarEntry& entry);
  // Appends bytes verbatim to the (uncompressed) tar stream, e.g. garbage.
  void AppendRawBytes(const std::string& bytes);

  // Returns the archive (gzip-compressed if requested). With
  // write_end_marker=false the two zero end blocks and record padding are
  // omitted (a "truncated" archive). The writer must not be used afterwards.
  std::string Finish(bool write_end_marker = true);

 private:
  void WriteHeader(const TarEntry& e, char typeflag, const std::string& name,
                   const std::string& linkname, uint64_t size);
  void WriteData(const std::string& data);

  bool gzip_;
  TarFormat format_;
  std::string tar_;
  bool finished_ = false;
};

// gzip-compress / decompress a byte string (single member, no timestamp).
std::string Gzip(const std::string& data);
std::string Gunzip(const std::string& data);

struct ArchiveMember {
  std::string name;      // pathname as stored
  char type = '0';       // '0' file, '1' hardlink, '2' symlink, '3' chr,
                         // '4' blk, '5' dir, '6' fifo, '?' other
  std::string linkname;  // symlink or hardlink target
  uint64_t size = 0;
  uint32_t mode = 0;     // permission bits
  std::string content;   // regular files only
};
// Reads all members of an archive held in memory (tar, tar.gz, ...) with
// libarchive. Throws std::runtime_error on a malformed archive.
std::vector<ArchiveMember> ReadArchive(const std::string& bytes);

}  // namespace tfhub::test

#endif  // TFHUB_TESTING_ARCHIVE_BUILDER_H_
