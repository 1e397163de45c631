#include "archive/tar_extractor.h"

#include <algorithm>
#include <memory>

#include "archive/libarchive_api.h"
#include "archive/member_name.h"
#include "base/strings.h"

namespace tfhub::archive {

namespace {

struct ReadContext {
  const LibarchiveApi* api;
  ByteSource* source;
  Status status;  // the source's error, if any
};

la_ssize_t ReadCallback(struct archive* a, void* client, const void** buffer) {
  auto* ctx = static_cast<ReadContext*>(client);
  auto block = ctx->source->Next();
  if (!block.ok()) {
    ctx->status = block.status();
    ctx->api->archive_set_error(a, EIO, "%s", ctx->status.message().c_str());
    return -1;
  }
  *buffer = block->data();
  return static_cast<la_ssize_t>(block->size());
}

// The tar type flag Python would print for a refused member.
char TypeFlag(const LibarchiveApi& api, archive_entry* entry) {
  if (api.archive_entry_hardlink(entry) != nullptr) return '1';
  switch (api.archive_entry_filetype(entry)) {
    case AE_IFLNK: return '2';
    case AE_IFCHR: return '3';
    case AE_IFBLK: return '4';
    case AE_IFDIR: return '5';
    case AE_IFIFO: return '6';
    case AE_IFSOCK: return 's';
    default: return '?';
  }
}

struct ArchiveCloser {
  const LibarchiveApi* api;
  void operator()(struct archive* a) const { api->archive_read_free(a); }
};

}  // namespace

Result<TarStats> ExtractTar(ByteSource& source, EntrySink& sink, bool detect_compression,
                            const ExtractLimits& limits, bool* not_an_archive) {
  auto not_a_tar = [&](const char* msg) {
    if (not_an_archive != nullptr) *not_an_archive = true;
    return InvalidArgumentError(std::string("not a tar archive: ") + (msg ? msg : "unrecognized format"));
  };
  TFHUB_ASSIGN_OR_RETURN(const LibarchiveApi* api, Libarchive());
  std::unique_ptr<struct archive, ArchiveCloser> a(api->archive_read_new(), ArchiveCloser{api});
  if (!a) return InternalError("archive_read_new failed");
  api->archive_read_support_format_tar(a.get());
  if (detect_compression) api->archive_read_support_filter_all(a.get());

  ReadContext ctx{api, &source, Status::Ok()};
  // Errors from libarchive: the source's own status wins over its echo.
  auto archive_error = [&](std::string_view what) -> Status {
    if (!ctx.status.ok()) return ctx.status;
    const char* msg = api->archive_error_string(a.get());
    return DataLossError(std::string(what) + ": " + (msg ? msg : "unknown error"));
  };

  if (api->archive_read_open(a.get(), &ctx, nullptr, ReadCallback, nullptr) != ARCHIVE_OK) {
    if (!ctx.status.ok()) return ctx.status;
    return not_a_tar(api->archive_error_string(a.get()));
  }

  TarStats stats;
  for (;;) {
    archive_entry* entry = nullptr;
    const int r = api->archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      if (stats.members == 0 && ctx.status.ok()) return not_a_tar(api->archive_error_string(a.get()));
      return archive_error("damaged tar archive after " + std::to_string(stats.members) + " members");
    }
    if (++stats.members > limits.max_members) {
      return ResourceExhaustedError("archive has more than " + std::to_string(limits.max_members) +
                                    " members (the limit)");
    }
    const char* raw_name = api->archive_entry_pathname_utf8(entry);
    if (raw_name == nullptr) raw_name = api->archive_entry_pathname(entry);
    if (raw_name == nullptr) return InvalidArgumentError("tar member without a name");
    TFHUB_ASSIGN_OR_RETURN(std::string path, NormalizeMemberName(raw_name));

    const char type = TypeFlag(*api, entry);
    if (type == '5') {
      if (!path.empty()) TFHUB_RETURN_IF_ERROR(sink.Directory(path));
      continue;
    }
    if (type != '?' || api->archive_entry_filetype(entry) != AE_IFREG) {
      return InvalidArgumentError("Unexpected object type in tar archive: " + base::PythonBytesRepr(type));
    }
    if (path.empty()) {
      return InvalidArgumentError("Relative path " + base::PythonRepr(raw_name) +
                                  " is invalid: a file cannot replace the module directory.");
    }

    TFHUB_RETURN_IF_ERROR(sink.BeginFile(path));
    ++stats.files;
    uint64_t written = 0;
    // Sparse members: holes become zeros.
    auto pad_to = [&](uint64_t target) -> Status {
      static const char kZeros[64 * 1024] = {};
      while (written < target) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof kZeros, target - written));
        TFHUB_RETURN_IF_ERROR(sink.FileData(std::string_view(kZeros, n)));
        written += n;
        stats.bytes += n;
        if (stats.bytes > limits.max_bytes) {
          return ResourceExhaustedError("archive expands to more than " +
                                        std::to_string(limits.max_bytes) + " bytes (the limit)");
        }
      }
      return Status::Ok();
    };
    for (;;) {
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      const int rd = api->archive_read_data_block(a.get(), &buf, &size, &offset);
      if (rd == ARCHIVE_EOF) break;
      if (rd < ARCHIVE_WARN) return archive_error("damaged tar archive in member '" + path + "'");
      TFHUB_RETURN_IF_ERROR(pad_to(static_cast<uint64_t>(offset)));
      if (size > 0) {
        TFHUB_RETURN_IF_ERROR(sink.FileData(std::string_view(static_cast<const char*>(buf), size)));
        written += size;
        stats.bytes += size;
      }
      if (stats.bytes > limits.max_bytes) {
        return ResourceExhaustedError("archive expands to more than " + std::to_string(limits.max_bytes) +
                                      " bytes (the limit)");
      }
    }
    if (api->archive_entry_size_is_set(entry) && api->archive_entry_size(entry) > 0) {
      TFHUB_RETURN_IF_ERROR(pad_to(static_cast<uint64_t>(api->archive_entry_size(entry))));
    }
    TFHUB_RETURN_IF_ERROR(sink.EndFile());
  }
  if (stats.members == 0) return InvalidArgumentError("the archive is empty");
  return stats;
}

}  // namespace tfhub::archive
