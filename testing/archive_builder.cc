#include "testing/archive_builder.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "testing/subprocess.h"

namespace tfhub::test {
namespace {

constexpr size_t kBlock = 512;
constexpr size_t kRecord = 20 * kBlock;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> CompressionFlags(const std::string& out_path) {
  if (EndsWith(out_path, ".tar.gz") || EndsWith(out_path, ".tgz")) return {"-z"};
  if (EndsWith(out_path, ".tar.bz2")) return {"-j"};
  if (EndsWith(out_path, ".tar.xz")) return {"-J"};
  if (EndsWith(out_path, ".tar")) return {};
  throw std::runtime_error("MakeTarWithGnuTar: cannot infer compression from '" +
                           out_path + "' (want .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz)");
}

void RunTar(const std::string& src_dir, const std::string& out_path,
            const std::vector<std::string>& members,
            const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv = {"tar", "-c"};
  for (const std::string& f : CompressionFlags(out_path)) argv.push_back(f);
  argv.push_back("-f");
  argv.push_back(out_path);
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  argv.push_back("-C");
  argv.push_back(src_dir);
  argv.push_back("--");
  argv.insert(argv.end(), members.begin(), members.end());
  ProcessResult r = RunProcess(argv);
  if (!r.ok()) {
    std::string cmd;
    for (const std::string& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw std::runtime_error("tar failed: " + cmd + "\n" + r.DebugString());
  }
}

// Writes `value` as zero-padded octal in a field of `width` bytes (width-1
// digits + NUL).
void PutOctal(char* field, size_t width, uint64_t value, const char* what) {
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + (value & 7)));
    value >>= 3;
  } while (value != 0);
  if (digits.size() > width - 1) {
    throw std::runtime_error(std::string("ArchiveWriter: value too large for ") + what);
  }
  std::memset(field, '0', width - 1);
  std::memcpy(field + (width - 1 - digits.size()), digits.data(), digits.size());
  field[width - 1] = '\0';
}

// Copies up to `width` bytes (no NUL needed when exactly full).
void PutString(char* field, size_t width, const std::string& s) {
  std::memcpy(field, s.data(), std::min(width, s.size()));
}

// Splits `name` into ustar prefix (<=155) and name (<=100) at a '/'.
bool UstarSplit(const std::string& name, std::string* prefix, std::string* rest) {
  if (name.size() <= 100) {
    prefix->clear();
    *rest = name;
    return true;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '/') continue;
    if (i <= 155 && name.size() - i - 1 <= 100 && name.size() - i - 1 > 0) {
      *prefix = name.substr(0, i);
      *rest = name.substr(i + 1);
      return true;
    }
  }
  return false;
}

std::string PaxRecord(const std::string& key, const std::string& value) {
  // "LEN key=value\n" where LEN counts the whole record including itself.
  size_t base = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t len = base + 1;
  while (std::to_string(len).size() + base != len) ++len;
  return std::to_string(len) + " " + key + "=" + value + "\n";
}

la_ssize_t AppendToString(struct archive*, void* client, const void* buf,
                          size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

[[noreturn]] void ThrowArchive(struct archive* a, const std::string& what) {
  std::string msg = what + ": " +
                    (archive_error_string(a) ? archive_error_string(a) : "unknown error");
  throw std::runtime_error(msg);
}

}  // namespace

void MakeTarWithGnuTar(const std::string& src_dir, const std::string& out_path,
                       const std::vector<std::string>& extra_args) {
  RunTar(src_dir, out_path, {"."}, extra_args);
}

void MakeTarWithGnuTarMembers(const std::string& src_dir,
                              const std::string& out_path,
                              const std::vector<std::string>& members,
                              const std::vector<std::string>& extra_args) {
  RunTar(src_dir, out_path, members, extra_args);
}

ArchiveWriter::ArchiveWriter(bool gzip, TarFormat format)
    : gzip_(gzip), format_(format) {}

void ArchiveWriter::AddFile(const std::string& name, const std::string& content,
                            uint32_t mode) {
  TarEntry e;
  e.typeflag = '0';
  e.name = name;
  e.content = content;
  e.mode = mode;
  AddEntry(e);
}

void ArchiveWriter::AddDir(const std::string& name, uint32_t mode) {
  TarEntry e;
  e.typeflag = '5';
  e.name = name;
  e.mode = mode;
  AddEntry(e);
}

void ArchiveWriter::AddSymlink(const std::string& name, const std::string& target) {
  TarEntry e;
  e.typeflag = '2';
  e.name = name;
  e.linkname = target;
  e.mode = 0777;
  AddEntry(e);
}

void ArchiveWriter::AddHardlink(const std::string& name, const std::string& target) {
  TarEntry e;
  e.typeflag = '1';
  e.name = name;
  e.linkname = target;
  AddEntry(e);
}

void ArchiveWriter::AddFifo(const std::string& name) {
  TarEntry e;
  e.typeflag = '6';
  e.name = name;
  AddEntry(e);
}

void ArchiveWriter::AddCharDevice(const std::string& name, uint32_t major,
                                  uint32_t minor) {
  TarEntry e;
  e.typeflag = '3';
  e.name = name;
  e.devmajor = major;
  e.devminor = minor;
  AddEntry(e);
}

void ArchiveWriter::AddBlockDevice(const std::string& name, uint32_t major,
                                   uint32_t minor) {
  TarEntry e;
  e.typeflag = '4';
  e.name = name;
  e.devmajor = major;
  e.devminor = minor;
  AddEntry(e);
}

void ArchiveWriter::AddRaw(char typeflag, const std::string& name,
                           const std::string& content) {
  TarEntry e;
  e.typeflag = typeflag;
  e.name = name;
  e.content = content;
  AddEntry(e);
}

void ArchiveWriter::AppendRawBytes(const std::string& bytes) {
  if (finished_) throw std::runtime_error("ArchiveWriter used after Finish()");
  tar_ += bytes;
}

void ArchiveWriter::WriteData(const std::string& data) {
  tar_ += data;
  size_t rem = data.size() % kBlock;
  if (rem != 0) tar_.append(kBlock - rem, '\0');
}

void ArchiveWriter::WriteHeader(const TarEntry& e, char typeflag,
                                const std::string& name,
                                const std::string& linkname, uint64_t size) {
  char h[kBlock];
  std::memset(h, 0, sizeof(h));
  std::string prefix, rest = name;
  if (format_ != TarFormat::kGnu && !UstarSplit(name, &prefix, &rest)) {
    rest = name.substr(0, 100);  // caller made sure a long form exists
    prefix.clear();
  }
  PutString(h + 0, 100, rest);
  PutOctal(h + 100, 8, e.mode & 07777, "mode");
  PutOctal(h + 108, 8, e.uid, "uid");
  PutOctal(h + 116, 8, e.gid, "gid");
  PutOctal(h + 124, 12, size, "size");
  PutOctal(h + 136, 12, static_cast<uint64_t>(e.mtime < 0 ? 0 : e.mtime), "mtime");
  h[156] = typeflag;
  PutString(h + 157, 100, linkname);
  if (format_ == TarFormat::kGnu) {
    std::memcpy(h + 257, "ustar  ", 8);  // "ustar" ' ' ' ' '\0'
  } else {
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
  }
  PutString(h + 265, 31, e.uname);
  PutString(h + 297, 31, e.gname);
  PutOctal(h + 329, 8, e.devmajor, "devmajor");
  PutOctal(h + 337, 8, e.devminor, "devminor");
  if (format_ != TarFormat::kGnu) PutString(h + 345, 155, prefix);
  // Checksum: computed with the field as spaces; 6 octal digits, NUL, ' '.
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (size_t i = 0; i < kBlock; ++i) sum += static_cast<unsigned char>(h[i]);
  PutOctal(h + 148, 7, sum, "checksum");
  h[155] = ' ';
  tar_.append(h, kBlock);
}

void ArchiveWriter::AddEntry(const TarEntry& e) {
  if (finished_) throw std::runtime_error("ArchiveWriter used after Finish()");
  std::string dummy1, dummy2;
  const bool name_fits = format_ == TarFormat::kGnu
                             ? e.name.size() <= 100
                             : UstarSplit(e.name, &dummy1, &dummy2);
  const bool link_fits = e.linkname.size() <= 100;

  std::vector<std::pair<std::string, std::string>> pax;
  if (format_ == TarFormat::kPax) {
    if (!name_fits) pax.emplace_back("path", e.name);
    if (!link_fits) pax.emplace_back("linkpath", e.linkname);
  } else if (format_ == TarFormat::kUstar && (!name_fits || !link_fits)) {
    throw std::runtime_error("ArchiveWriter(kUstar): name or link too long: '" +
                             e.name + "' -> '" + e.linkname + "'");
  } else if (format_ == TarFormat::kGnu) {
    TarEntry ll;
    ll.mode = 0;
    ll.uid = ll.gid = 0;
    ll.uname = ll.gname = "root";
    ll.mtime = 0;
    if (!link_fits) {
      WriteHeader(ll, 'K', "././@LongLink", "", e.linkname.size() + 1);
      WriteData(e.linkname + std::string(1, '\0'));
    }
    if (!name_fits) {
      WriteHeader(ll, 'L', "././@LongLink", "", e.name.size() + 1);
      WriteData(e.name + std::string(1, '\0'));
    }
  }
  pax.insert(pax.end(), e.pax_records.begin(), e.pax_records.end());
  if (!pax.empty()) {
    std::string records;
    for (const auto& [k, v] : pax) records += PaxRecord(k, v);
    std::string base = e.name;
    while (!base.empty() && base.back() == '/') base.pop_back();
    base = base.substr(base.rfind('/') == std::string::npos ? 0 : base.rfind('/') + 1);
    std::string pax_name = ("./PaxHeaders/" + base).substr(0, 100);
    TarEntry x = e;
    x.mode = 0644;
    // The pax header itself must be written in ustar form.
    TarFormat saved = format_;
    if (format_ == TarFormat::kGnu) format_ = TarFormat::kPax;
    WriteHeader(x, 'x', pax_name, "", records.size());
    format_ = saved;
    WriteData(records);
  }
  WriteHeader(e, e.typeflag, e.name, e.linkname.substr(0, 100),
              e.declared_size.value_or(e.content.size()));
  WriteData(e.content);
}

std::string ArchiveWriter::Finish(bool write_end_marker) {
  if (finished_) throw std::runtime_error("ArchiveWriter::Finish called twice");
  finished_ = true;
  if (write_end_marker) {
    tar_.append(2 * kBlock, '\0');
    size_t rem = tar_.size() % kRecord;
    if (rem != 0) tar_.append(kRecord - rem, '\0');
  }
  return gzip_ ? Gzip(tar_) : tar_;
}

std::string Gzip(const std::string& data) {
  std::string out;
  struct archive* a = archive_write_new();
  if (a == nullptr) throw std::runtime_error("archive_write_new failed");
  try {
    if (archive_write_add_filter_gzip(a) != ARCHIVE_OK) ThrowArchive(a, "gzip filter");
    if (archive_write_set_filter_option(a, "gzip", "timestamp", nullptr) != ARCHIVE_OK) {
      ThrowArchive(a, "gzip !timestamp");
    }
    if (archive_write_set_format_raw(a) != ARCHIVE_OK) ThrowArchive(a, "raw format");
    archive_write_set_bytes_per_block(a, 0);  // no blocking/padding
    if (archive_write_open(a, &out, nullptr, AppendToString, nullptr) != ARCHIVE_OK) {
      ThrowArchive(a, "open");
    }
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_pathname(entry, "data");
    archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
    int rc = archive_write_header(a, entry);
    archive_entry_free(entry);
    if (rc != ARCHIVE_OK) ThrowArchive(a, "write header");
    size_t off = 0;
    while (off < data.size()) {
      la_ssize_t n = archive_write_data(a, data.data() + off, data.size() - off);
      if (n <= 0) ThrowArchive(a, "write data");
      off += static_cast<size_t>(n);
    }
    if (archive_write_close(a) != ARCHIVE_OK) ThrowArchive(a, "close");
  } catch (...) {
    archive_write_free(a);
    throw;
  }
  archive_write_free(a);
  return out;
}

std::string Gunzip(const std::string& data) {
  struct archive* a = archive_read_new();
  if (a == nullptr) throw std::runtime_error("archive_read_new failed");
  std::string out;
  try {
    archive_read_support_filter_gzip(a);
    archive_read_support_format_raw(a);
    archive_read_support_format_empty(a);  // gzip of ""
    if (archive_read_open_memory(a, data.data(), data.size()) != ARCHIVE_OK) {
      ThrowArchive(a, "Gunzip open");
    }
    if (archive_filter_code(a, 0) != ARCHIVE_FILTER_GZIP) {
      throw std::runtime_error("Gunzip: input is not gzip");
    }
    struct archive_entry* entry;
    int rc = archive_read_next_header(a, &entry);
    if (rc != ARCHIVE_OK && rc != ARCHIVE_EOF) ThrowArchive(a, "Gunzip header");
    char buf[65536];
    while (rc == ARCHIVE_OK) {
      la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
      if (n < 0) ThrowArchive(a, "Gunzip data");
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
  } catch (...) {
    archive_read_free(a);
    throw;
  }
  archive_read_free(a);
  return out;
}

std::vector<ArchiveMember> ReadArchive(const std::string& bytes) {
  struct archive* a = archive_read_new();
  if (a == nullptr) throw std::runtime_error("archive_read_new failed");
  std::vector<ArchiveMember> members;
  try {
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    if (archive_read_open_memory(a, bytes.data(), bytes.size()) != ARCHIVE_OK) {
      ThrowArchive(a, "ReadArchive open");
    }
    for (;;) {
      struct archive_entry* entry;
      int rc = archive_read_next_header(a, &entry);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) ThrowArchive(a, "ReadArchive header");
      ArchiveMember m;
      const char* name = archive_entry_pathname(entry);
      m.name = name ? name : "";
      m.size = static_cast<uint64_t>(archive_entry_size(entry));
      m.mode = static_cast<uint32_t>(archive_entry_perm(entry));
      const char* hard = archive_entry_hardlink(entry);
      const char* sym = archive_entry_symlink(entry);
      if (hard != nullptr) {
        m.type = '1';
        m.linkname = hard;
      } else {
        switch (archive_entry_filetype(entry)) {
          case AE_IFREG: m.type = '0'; break;
          case AE_IFLNK: m.type = '2'; m.linkname = sym ? sym : ""; break;
          case AE_IFCHR: m.type = '3'; break;
          case AE_IFBLK: m.type = '4'; break;
          case AE_IFDIR: m.type = '5'; break;
          case AE_IFIFO: m.type = '6'; break;
          default: m.type = '?'; break;
        }
      }
      if (m.type == '0') {
        char buf[65536];
        for (;;) {
          la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
          if (n < 0) ThrowArchive(a, "ReadArchive data of '" + m.name + "'");
          if (n == 0) break;
          m.content.append(buf, static_cast<size_t>(n));
        }
      }
      members.push_back(std::move(m));
    }
  } catch (...) {
    archive_read_free(a);
    throw;
  }
  archive_read_free(a);
  return members;
}

}  // namespace tfhub::test
