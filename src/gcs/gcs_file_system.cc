#include "gcs/gcs_file_system.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>

#include "base/crc32c.h"
#include "base/parallel.h"
#include "net/goog_hash.h"

namespace tfhub::gcs {

namespace {

class GcsRandomAccessFile final : public io::RandomAccessFile {
 public:
  GcsRandomAccessFile(GcsClient* client, GcsPath path, ObjectMetadata meta, const GcsFileSystemOptions& options)
      : client_(client), path_(std::move(path)), meta_(std::move(meta)), options_(options) {}

  uint64_t Size() const override { return meta_.size; }

  Result<std::string_view> ReadAt(uint64_t offset, size_t n, char* scratch) const override {
    if (offset > meta_.size || n > meta_.size - offset) {
      return OutOfRangeError("read of " + std::to_string(n) + " bytes at offset " + std::to_string(offset) + " of " +
                             path_.Uri() + ", which has " + std::to_string(meta_.size) + " bytes");
    }
    if (n <= options_.parallel_read_threshold) {
      TFHUB_RETURN_IF_ERROR(client_->ReadRange(path_, meta_.generation, offset, n, scratch));
      return std::string_view(scratch, n);
    }
    // Parts on the download's event loop (net::FetchParts), pinned to the
    // generation seen at open, copied into `scratch` as they come in order.
    class IntoScratch final : public io::StreamSink {
     public:
      IntoScratch(char* dest, size_t n) : dest_(dest), n_(n) {}
      Status OnStart(const io::StreamInfo&) override { return Status::Ok(); }
      Status OnData(std::string_view data) override {
        if (data.size() > n_ - at_) return DataLossError("more bytes than asked for");
        std::memcpy(dest_ + at_, data.data(), data.size());
        at_ += data.size();
        return Status::Ok();
      }
      size_t at() const { return at_; }

     private:
      char* dest_;
      size_t n_;
      size_t at_ = 0;
    } into(scratch, n);
    TFHUB_ASSIGN_OR_RETURN(net::HttpRequest request, client_->MediaRequest(path_, meta_.generation));
    const net::PinnedResource object{request.url, meta_.size, /*validator=*/""};
    bool changed = false;
    Status s =
        net::FetchParts(request, object, offset, offset + n, options_.stream, /*checksum_parts=*/false, into, &changed);
    if (changed) {
      return DataLossError("Cloud Storage read " + path_.Uri() + ": generation " + std::to_string(meta_.generation) +
                           " is gone (the object was replaced or deleted while it was read): " + s.message());
    }
    TFHUB_RETURN_IF_ERROR(s);
    if (into.at() != n) {
      return DataLossError("Cloud Storage read " + path_.Uri() + ": " + std::to_string(into.at()) + " of " +
                           std::to_string(n) + " bytes at offset " + std::to_string(offset));
    }
    return std::string_view(scratch, n);
  }

 private:
  GcsClient* client_;
  GcsPath path_;
  ObjectMetadata meta_;
  GcsFileSystemOptions options_;
};

bool IsNotFound(const Status& s) { return s.code() == StatusCode::kNotFound; }

// A token that tells this writer's parts from another's of the same name.
std::string PartToken() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  const uint64_t v = (uint64_t{rd()} << 32 ^ rd()) + counter.fetch_add(1);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::optional<uint32_t> ReportedCrc(const ObjectMetadata& m) { return net::DecodeObjectHashes(m.crc32c, "").crc32c; }

class GcsWritableFile final : public io::WritableFile {
 public:
  GcsWritableFile(GcsClient* client, GcsPath path, const GcsFileSystemOptions& options,
                  std::shared_ptr<GcsFileSystem::PartBudget> budget)
      : client_(client), path_(std::move(path)), options_(options), budget_(std::move(budget)) {}
  ~GcsWritableFile() override {
    if (!closed_ && !parts_.empty()) {
      // Abandoned: nothing is composed, and the parts go.
      closed_ = true;
      JoinParts();
      DeleteTemporaries().IgnoreError();
      return;
    }
    Close().IgnoreError();
  }

  Status Append(std::string_view data) override {
    if (closed_) return FailedPreconditionError("append to closed file " + path_.Uri());
    if (Status s = FirstPartError(); !s.ok()) return s;
    buffer_.append(data);
    if (composite()) {
      const size_t part = PartBytes();
      // Up to simple_upload_limit it may still be one upload; past it, parts.
      while (buffer_.size() >= part && (!parts_.empty() || buffer_.size() > options_.simple_upload_limit)) {
        std::string piece = buffer_.substr(0, part);
        buffer_.erase(0, part);
        StartPart(std::move(piece));
      }
      return FirstPartError();
    }
    if (session_.empty() && buffer_.size() > options_.simple_upload_limit) {
      TFHUB_ASSIGN_OR_RETURN(session_, client_->StartResumableUpload(path_));
    }
    const size_t chunk = std::max<size_t>(256 << 10, options_.upload_chunk / (256 << 10) * (256 << 10));
    int stuck = 0;  // rounds in a row in which the service kept nothing
    while (!session_.empty() && buffer_.size() > chunk) {
      if (stuck >= 10) {
        return DataLossError("Cloud Storage upload " + path_.Uri() + ": the service keeps no data (stuck at byte " +
                             std::to_string(sent_) + ")");
      }
      TFHUB_ASSIGN_OR_RETURN(uint64_t persisted,
                             client_->UploadChunk(path_, session_, sent_, std::string_view(buffer_).substr(0, chunk),
                                                  /*final=*/false));
      if (persisted < sent_ || persisted > sent_ + chunk) {
        return DataLossError("Cloud Storage upload " + path_.Uri() + ": the service reports " +
                             std::to_string(persisted) + " bytes persisted after " + std::to_string(sent_ + chunk) +
                             " were sent");
      }
      stuck = persisted == sent_ ? stuck + 1 : 0;
      buffer_.erase(0, persisted - sent_);  // the rest is sent again
      sent_ = persisted;
    }
    return Status::Ok();
  }

  Status Close() override {
    if (closed_) return Status::Ok();
    closed_ = true;
    if (composite() && !parts_.empty()) return CloseComposite();
    if (session_.empty()) return client_->Insert(path_, buffer_).status();
    // The last piece; the service may keep less than sent: resend the rest.
    for (int round = 0; round < 100; ++round) {
      TFHUB_ASSIGN_OR_RETURN(uint64_t persisted, client_->UploadChunk(path_, session_, sent_, buffer_, /*final=*/true));
      const uint64_t total = sent_ + buffer_.size();
      if (persisted == total) return Status::Ok();
      if (persisted < sent_ || persisted > total) break;
      buffer_.erase(0, persisted - sent_);
      sent_ = persisted;
    }
    return DataLossError("Cloud Storage upload " + path_.Uri() + " did not complete");
  }

 private:
  // One part of a composite upload, uploaded by its own thread.
  struct Part {
    std::string name;
    uint64_t size = 0;
    uint32_t crc = 0;
    int64_t generation = 0;
    bool uploaded = false;
    Status status;
    std::atomic<bool> done{false};  // status is final
    std::thread thread;
  };

  bool composite() const { return options_.composite_uploads; }
  size_t PartBytes() const { return std::max<size_t>(256 << 10, options_.composite_part); }

  std::string PartName(const std::string& what) {
    if (token_.empty()) token_ = options_.part_token ? options_.part_token() : PartToken();
    return path_.object + ".tfhub-part-" + token_ + "-" + what;
  }

  void StartPart(std::string data) {
    budget_->Acquire();  // blocks while as many part buffers are in flight as allowed
    auto part = std::make_unique<Part>();
    part->name = PartName(std::to_string(parts_.size()));
    part->size = data.size();
    Part* p = part.get();
    parts_.push_back(std::move(part));
    p->thread = std::thread([this, p, data = std::move(data)]() mutable {
      p->status = UploadPart(*p, data);
      std::string().swap(data);
      p->done.store(true, std::memory_order_release);
      budget_->Release();
    });
  }

  Status UploadPart(Part& p, std::string_view data) {
    if (checksums_) p.crc = base::crc32c::Value(data);
    auto meta = client_->Insert(GcsPath{path_.bucket, p.name}, data, /*if_generation_match=*/0);
    if (!meta.ok()) return meta.status().WithPrefix("part " + p.name + " of " + path_.Uri());
    p.uploaded = true;
    p.generation = meta->generation;
    if (meta->size != 0 && meta->size != p.size) {
      return DataLossError("Cloud Storage upload " + path_.Uri() + ": part " + p.name + " holds " +
                           std::to_string(meta->size) + " bytes, not the " + std::to_string(p.size) + " sent");
    }
    if (checksums_) {
      if (auto crc = ReportedCrc(*meta); crc && *crc != p.crc) {
        return DataLossError("Cloud Storage upload " + path_.Uri() + ": part " + p.name +
                             " has another CRC32C than the bytes sent");
      }
    }
    return Status::Ok();
  }

  Status FirstPartError() {
    for (const auto& p : parts_) {
      if (p->done.load(std::memory_order_acquire) && !p->status.ok()) return p->status;
    }
    return Status::Ok();
  }

  void JoinParts() {
    for (auto& p : parts_) {
      if (p->thread.joinable()) p->thread.join();
    }
  }

  // Deletes the parts and intermediate composites that exist.
  Status DeleteTemporaries() {
    std::vector<std::string> names;
    for (const auto& p : parts_) {
      if (p->uploaded) names.push_back(p->name);
    }
    names.insert(names.end(), composed_.begin(), composed_.end());
    return base::ForEachParallel(names.size(), options_.parallelism, [&](size_t i) {
      Status s = client_->Delete(GcsPath{path_.bucket, names[i]});
      return IsNotFound(s) ? Status::Ok() : s;
    });
  }

  Status CloseComposite() {
    // The last part goes up with the others still in flight (unless one
    // has failed already).
    Status s = FirstPartError();
    if (s.ok() && !buffer_.empty()) StartPart(std::move(buffer_));
    buffer_.clear();
    JoinParts();
    if (s.ok()) s = Compose();
    Status cleanup = DeleteTemporaries();
    if (!s.ok()) return s;
    return cleanup.WithPrefix("Cloud Storage upload " + path_.Uri() + ": the parts could not be deleted");
  }

  Status Compose() {
    for (const auto& p : parts_) {
      if (!p->status.ok()) return p->status;
    }
    struct Source {
      GcsClient::ComposeSource object;
      uint64_t size;
      uint32_t crc;
    };
    std::vector<Source> sources;
    for (const auto& p : parts_) sources.push_back({{p->name, p->generation}, p->size, p->crc});
    auto combine = [&](const std::vector<Source>& group) {
      uint32_t crc = group[0].crc;
      uint64_t size = group[0].size;
      for (size_t i = 1; i < group.size(); ++i) {
        crc = base::crc32c::Combine(crc, group[i].crc, group[i].size);
        size += group[i].size;
      }
      return Source{{}, size, crc};
    };
    auto compose = [&](const std::vector<Source>& group, const GcsPath& dest) -> Result<Source> {
      std::vector<GcsClient::ComposeSource> objects;
      for (const Source& s : group) objects.push_back(s.object);
      Source want = combine(group);
      TFHUB_ASSIGN_OR_RETURN(ObjectMetadata meta, client_->Compose(dest, objects));
      want.object = {dest.object, meta.generation};
      std::string wrong;
      if (meta.size != want.size) wrong = "holds " + std::to_string(meta.size) + " bytes, not " + std::to_string(want.size);
      if (auto crc = ReportedCrc(meta); checksums_ && crc && *crc != want.crc) wrong = "has another CRC32C than its parts";
      if (!wrong.empty()) {
        if (dest.object == path_.object) client_->Delete(dest).IgnoreError();
        return DataLossError("Cloud Storage upload " + path_.Uri() + ": the object composed as " + dest.Uri() + " " +
                             wrong);
      }
      return want;
    };
    constexpr size_t kMaxSources = 32;
    for (int stage = 0; sources.size() > kMaxSources; ++stage) {
      const size_t groups = (sources.size() + kMaxSources - 1) / kMaxSources;
      std::vector<Source> next(groups);
      std::vector<std::string> names(groups);
      for (size_t g = 0; g < groups; ++g) {
        names[g] = PartName("c" + std::to_string(stage) + "-" + std::to_string(g));
      }
      std::mutex mu;
      Status s = base::ForEachParallel(groups, options_.parallelism, [&](size_t g) {
        std::vector<Source> group(sources.begin() + g * kMaxSources,
                                  sources.begin() + std::min(sources.size(), (g + 1) * kMaxSources));
        auto r = compose(group, GcsPath{path_.bucket, names[g]});
        {
          std::lock_guard lock(mu);
          composed_.push_back(names[g]);  // deleted at the end, whether or not it exists
        }
        if (!r.ok()) return r.status();
        next[g] = std::move(*r);
        return Status::Ok();
      });
      if (!s.ok()) return s;
      sources = std::move(next);
    }
    return compose(sources, path_).status();
  }

  GcsClient* client_;
  GcsPath path_;
  GcsFileSystemOptions options_;
  std::shared_ptr<GcsFileSystem::PartBudget> budget_;
  const bool checksums_ = base::crc32c::Init().ok();
  std::string buffer_;
  std::string session_;
  uint64_t sent_ = 0;  // bytes the service has persisted
  bool closed_ = false;
  std::string token_;
  std::vector<std::unique_ptr<Part>> parts_;
  std::vector<std::string> composed_;  // intermediate composites
};


}  // namespace

GcsFileSystem::GcsFileSystem(ClientFactory make_client, GcsFileSystemOptions options)
    : make_client_(std::move(make_client)),
      options_(options),
      part_budget_(std::make_shared<PartBudget>(options.upload_parts_in_flight)) {}

Result<GcsClient*> GcsFileSystem::Client() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!client_) client_.emplace(make_client_());
  if (!client_->ok()) return client_->status();
  return client_->value().get();
}

Result<io::FileInfo> GcsFileSystem::Stat(const std::string& uri) {
  TFHUB_ASSIGN_OR_RETURN(GcsClient * client, Client());
  TFHUB_ASSIGN_OR_RETURN(GcsPath path, ParseGcsPath(uri));
  io::FileInfo info;
  if (!path.object.empty() && path.object.back() != '/') {
    auto meta = client->GetMetadata(path);
    if (meta.ok()) {
      info.type = io::FileType::kFile;
      info.size = meta->size;
      return info;
    }
    if (!IsNotFound(meta.status())) return meta.status();
  }
  auto list = client->List(path.bucket, DirPrefix(path.object), "/", 1);
  if (!list.ok()) {
    if (IsNotFound(list.status())) return info;  // no such bucket
    return list.status();
  }
  if (!list->objects.empty() || !list->prefixes.empty() || path.object.empty()) info.type = io::FileType::kDirectory;
  return info;
}

Result<std::vector<std::string>> GcsFileSystem::ListDir(const std::string& uri) {
  TFHUB_ASSIGN_OR_RETURN(GcsClient * client, Client());
  TFHUB_ASSIGN_OR_RETURN(GcsPath path, ParseGcsPath(uri));
  const std::string prefix = DirPrefix(path.object);
  TFHUB_ASSIGN_OR_RETURN(ListResult list, client->List(path.bucket, prefix, "/"));
  if (!path.object.empty() && list.objects.empty() && list.prefixes.empty()) {
    return NotFoundError(uri + ": no such directory");
  }
  std::vector<std::string> names;
  for (const auto& o : list.objects) {
    if (o.name.size() > prefix.size()) names.push_back(o.name.substr(prefix.size()));  // not the placeholder
  }
  for (const auto& p : list.prefixes) {
    std::string name = p.substr(prefix.size());
    if (!name.empty() && name.back() == '/') name.pop_back();
    if (!name.empty()) names.push_back(std::move(name));
  }
  return names;
}

Status GcsFileSystem::CreateDirs(const std::string& uri) {
  TFHUB_ASSIGN_OR_RETURN(GcsClient * client, Client());
  TFHUB_ASSIGN_OR_RETURN(GcsPath path, ParseGcsPath(uri));
  if (path.object.empty()) return Status::Ok();
  path.object = DirPrefix(path.object);
  return client->Insert(path, "").status();
}

Status GcsFileSystem::DeleteFile(const std::string& uri) {
  TFHUB_ASSIGN_OR_RETURN(GcsClient * client, Client());
  TFHUB_ASSIGN_OR_RETURN(GcsPath path, ParseGcsPath(uri));
  return client->Delete(path);
}

Status GcsFileSystem::DeleteRecursively(const std::string& uri) {
  TFHUB_ASSIGN_OR_RETURN(GcsClient * client, Client());
  TFHUB_ASSIGN_OR_RETURN(GcsPath path, ParseGcsPath(uri));
  if (path.object.empty() || path.object == "/") {
    return InvalidArgumentError("refusing to delete the whole bucket " + uri);
  }
  if (path.object.back() != '/') {
    Status s = client->Delete(path);
    if (!s.ok() && !IsNotFound(s)) return s;
  }
  const std::string prefix = DirPrefix(path.object);
  TFHUB_ASSIGN_OR_RETURN(ListResult list, client->List(path.bucket, prefix, ""));
  return base::ForEachParallel(list.objects.size(), options_.parallelism, [&](size_t i) {
    Status s = client->Delete(GcsPath{path.bucket, list.objects[i].name});
    return IsNotFound(s) ? Status::Ok() : s;
  });
}

Status GcsFileSystem::RenameImpl(const std::string& from_uri, const std::string& to_uri, bool no_replace) {
  TFHUB_ASSIGN_OR_RETURN(GcsClient * client, Client());
  TFHUB_ASSIGN_OR_RETURN(GcsPath from, ParseGcsPath(from_uri));
  TFHUB_ASSIGN_OR_RETURN(GcsPath to, ParseGcsPath(to_uri));
  if (from.object.empty() || to.object.empty()) return InvalidArgumentError("cannot rename a bucket: " + from_uri);
  const std::optional<int64_t> precondition = no_replace ? std::optional<int64_t>(0) : std::nullopt;
  TFHUB_ASSIGN_OR_RETURN(io::FileInfo info, Stat(from_uri));
  if (info.type == io::FileType::kNotFound) return NotFoundError("cannot rename " + from_uri + ": it does not exist");
  if (no_replace) {
    TFHUB_ASSIGN_OR_RETURN(io::FileInfo target, Stat(to_uri));
    if (target.type != io::FileType::kNotFound) {
      return AlreadyExistsError("cannot rename " + from_uri + " to " + to_uri + ": the target exists");
    }
  }
  if (info.type == io::FileType::kFile) {
    TFHUB_RETURN_IF_ERROR(client->Rewrite(from, to, precondition).status());
    return client->Delete(from);
  }
  const std::string from_prefix = DirPrefix(from.object);
  const std::string to_prefix = DirPrefix(to.object);
  TFHUB_ASSIGN_OR_RETURN(ListResult list, client->List(from.bucket, from_prefix, ""));
  TFHUB_RETURN_IF_ERROR(base::ForEachParallel(list.objects.size(), options_.parallelism, [&](size_t i) {
    const std::string& name = list.objects[i].name;
    return client->Rewrite(GcsPath{from.bucket, name}, GcsPath{to.bucket, to_prefix + name.substr(from_prefix.size())},
                           precondition)
        .status();
  }));
  return base::ForEachParallel(list.objects.size(), options_.parallelism, [&](size_t i) {
    Status s = client->Delete(GcsPath{from.bucket, list.objects[i].name});
    return IsNotFound(s) ? Status::Ok() : s;
  });
}

Status GcsFileSystem::RenameNoReplace(const std::string& from, const std::string& to) {
  return RenameImpl(from, to, /*no_replace=*/true);
}

Status GcsFileSystem::Rename(const std::string& from, const std::string& to) {
  return RenameImpl(from, to, /*no_replace=*/false);
}

Result<std::unique_ptr<io::RandomAccessFile>> GcsFileSystem::NewRandomAccessFile(const std::string& uri) {
  TFHUB_ASSIGN_OR_RETURN(GcsClient * client, Client());
  TFHUB_ASSIGN_OR_RETURN(GcsPath path, ParseGcsPath(uri));
  TFHUB_ASSIGN_OR_RETURN(ObjectMetadata meta, client->GetMetadata(path));
  return std::unique_ptr<io::RandomAccessFile>(
      std::make_unique<GcsRandomAccessFile>(client, std::move(path), std::move(meta), options_));
}

Status GcsFileSystem::ReadStream(const std::string& uri, io::StreamSink& sink) {
  TFHUB_ASSIGN_OR_RETURN(GcsClient * client, Client());
  TFHUB_ASSIGN_OR_RETURN(GcsPath path, ParseGcsPath(uri));
  const net::ParallelGetOptions& parts = options_.stream;
  constexpr int kStarts = 3;
  for (int start = 1;; ++start) {
    TFHUB_ASSIGN_OR_RETURN(ObjectMetadata meta, client->GetMetadata(path));
    if (!meta.content_encoding.empty() || parts.connections <= 1 || meta.size <= parts.part_bytes) {
      return client->Stream(path, meta.generation, sink);
    }
    const net::GoogHash hashes = net::DecodeObjectHashes(meta.crc32c, meta.md5);
    io::StreamInfo info;
    info.size = meta.size;
    info.crc32c = hashes.crc32c;
    info.md5 = hashes.md5;
    TFHUB_RETURN_IF_ERROR(sink.OnStart(info));
    TFHUB_ASSIGN_OR_RETURN(net::HttpRequest request, client->MediaRequest(path, meta.generation));
    const net::PinnedResource object{request.url, meta.size, /*validator=*/""};  // pinned by &generation=
    bool changed = false;
    Status s = net::FetchParts(request, object, 0, meta.size, parts, hashes.crc32c.has_value(), sink, &changed);
    if (s.ok() || !changed) return s;  // the sink's errors unchanged; a part's names its URL
    if (start == kStarts) {
      return DataLossError("Cloud Storage read " + uri + ": the object was replaced while it was read, " +
                           std::to_string(kStarts) + " times: " + s.message());
    }
    if (parts.log) parts.log("Starting the read of " + uri + " over: " + s.message());
  }
}

Result<std::unique_ptr<io::WritableFile>> GcsFileSystem::NewWritableFile(const std::string& uri) {
  TFHUB_ASSIGN_OR_RETURN(GcsClient * client, Client());
  TFHUB_ASSIGN_OR_RETURN(GcsPath path, ParseGcsPath(uri));
  if (path.object.empty()) return InvalidArgumentError("cannot write to a bucket: " + uri);
  return std::unique_ptr<io::WritableFile>(std::make_unique<GcsWritableFile>(client, std::move(path), options_, part_budget_));
}

Status GcsFileSystem::CreateExclusive(const std::string& uri, std::string_view content) {
  TFHUB_ASSIGN_OR_RETURN(GcsClient * client, Client());
  TFHUB_ASSIGN_OR_RETURN(GcsPath path, ParseGcsPath(uri));
  auto existing = client->GetMetadata(path);
  if (existing.ok()) return AlreadyExistsError(uri + " already exists");
  if (!IsNotFound(existing.status())) return existing.status();
  auto created = client->Insert(path, content, /*if_generation_match=*/0);
  if (created.ok()) return Status::Ok();
  if (created.status().code() != StatusCode::kAlreadyExists) return created.status();
  // Our own earlier attempt may have succeeded before its answer was lost.
  auto now = client->ReadToString(path);
  if (now.ok() && *now == content) return Status::Ok();
  return created.status();
}

Result<std::string> GcsFileSystem::ReadFileToString(const std::string& uri, uint64_t max_bytes) {
  TFHUB_ASSIGN_OR_RETURN(GcsClient * client, Client());
  TFHUB_ASSIGN_OR_RETURN(GcsPath path, ParseGcsPath(uri));
  TFHUB_ASSIGN_OR_RETURN(std::string content, client->ReadToString(path));
  if (content.size() > max_bytes) {
    return FailedPreconditionError("'" + uri + "' has " + std::to_string(content.size()) +
                                   " bytes, more than such a file holds (" + std::to_string(max_bytes) + ")");
  }
  return content;
}

Result<std::vector<io::TreeEntry>> GcsFileSystem::ListTree(const std::string& uri) {
  TFHUB_ASSIGN_OR_RETURN(GcsClient * client, Client());
  TFHUB_ASSIGN_OR_RETURN(GcsPath path, ParseGcsPath(uri));
  const std::string prefix = DirPrefix(path.object);
  TFHUB_ASSIGN_OR_RETURN(ListResult list, client->List(path.bucket, prefix, ""));
  if (list.objects.empty() && !path.object.empty()) return NotFoundError(uri + ": no such directory");
  std::vector<io::TreeEntry> out;
  for (const auto& o : list.objects) {
    if (o.name.size() <= prefix.size() || o.name.back() == '/') continue;  // directory placeholders
    out.push_back({o.name.substr(prefix.size()), o.size});
  }
  return out;
}

}  // namespace tfhub::gcs
