#include "archive/streaming_extractor.h"

#include <mutex>
#include <algorithm>
#include <set>
#include <unordered_map>
#include <vector>

#include "archive/channel.h"
#include "archive/gzip_inflater.h"
#include "archive/parallel_inflate/parallel_gzip_decoder.h"
#include "base/system.h"

namespace tfhub::archive {

namespace {

struct WriteOp {
  enum Kind { kDirectory, kOpen, kData, kClose } kind;
  std::string text;  // relative path, or data for kData
};

constexpr size_t kOpWeight = 64;

}  // namespace

class StreamingExtractor::Impl {
 public:
  Impl(StreamingExtractor* owner, io::FileSystem* fs, std::string dest, Options options)
      : owner_(owner), fs_(fs), dest_(std::move(dest)), options_(options), input_(options.input_buffer_bytes) {
    const size_t n = std::max<size_t>(1, options.writer_threads);
    for (size_t i = 0; i < n; ++i) {
      writers_.push_back(std::make_unique<Writer>(this, std::max<size_t>(1, options.output_buffer_bytes / n)));
    }
    for (auto& w : writers_) w->Start();
    decoder_ = std::thread([this] { RunDecoder(); });
  }

  ~Impl() {
    if (decoder_.joinable()) {
      Fail(AbortedError("extraction cancelled"), Failure::kCancelled);
      Join();
    }
  }

  Failure failure() {
    std::lock_guard lock(mu_);
    return failure_;
  }

  Status Push(std::string_view chunk) {
    if (Status s = FirstError(); !s.ok()) return s;
    pushed_ += chunk.size();
    if (!input_.Push(std::string(chunk), chunk.size())) return FirstError();
    return Status::Ok();
  }

  Result<ExtractResult> Finish() {
    input_.Close();
    Join();
    if (Status s = FirstError(); !s.ok()) return s;
    ExtractResult result;
    for (auto& w : writers_) {
      result.bytes += w->bytes;
      result.sizes.merge(w->sizes);  // disjoint: a path always goes to one writer
    }
    result.files = result.sizes.size();
    result.compressed_bytes = pushed_;
    return result;
  }

 private:
  struct Writer;

  // --- shared -------------------------------------------------------------

  void Fail(Status s, Failure kind) {
    {
      std::lock_guard lock(mu_);
      if (error_.ok()) {
        error_ = std::move(s);
        failure_ = kind;
      }
    }
    input_.Cancel();
    for (auto& w : writers_) w->ops.Cancel();
  }

  Status FirstError() {
    std::lock_guard lock(mu_);
    return error_;
  }

  void Join() {
    if (decoder_.joinable()) decoder_.join();
    for (auto& w : writers_) w->Join();
  }

  // --- decoder thread ------------------------------------------------------

  // The tar byte stream: the pushed chunks, inflated when they are gzip.
  class Source final : public ByteSource {
   public:
    explicit Source(Impl* impl) : impl_(impl), block_(impl->options_.block_bytes) {}

    // Looks at the first bytes; must be called before Next().
    void Sniff() {
      while (current_.size() < 2) {
        auto chunk = impl_->input_.Pop();
        if (!chunk) break;
        current_ += *chunk;
      }
      pending_ = current_;
      gzip_ = GzipInflater::LooksLikeGzip(pending_);
      size_t threads = impl_->options_.decode_threads;
      if (threads == 0) {
        threads = std::min(base::AvailableCpus(), kMaxDefaultDecodeThreads);
      }
      if (gzip_ && threads > 1) {
        parallel_inflate::ParallelGzipDecoder::Options options;
        options.threads = threads;
        options.block_bytes = impl_->options_.block_bytes;
        options.chunk_bytes = impl_->options_.decode_chunk_bytes;
        options.overlap_bytes = std::min<size_t>(options.overlap_bytes, options.chunk_bytes / 2);
        parallel_ = std::make_unique<parallel_inflate::ParallelGzipDecoder>(
            [impl = impl_] { return impl->input_.Pop(); }, std::move(current_), options);
        pending_ = {};
      }
    }

    bool gzip() const { return gzip_; }

    Result<std::string_view> Next() override {
      if (parallel_) return parallel_->Next();
      if (!gzip_) {
        if (!pending_.empty()) {
          std::string_view out = pending_;
          pending_ = {};
          return out;
        }
        auto chunk = impl_->input_.Pop();
        if (!chunk) return std::string_view();
        current_ = std::move(*chunk);
        return std::string_view(current_);
      }
      size_t produced = 0;
      while (produced < block_.size()) {
        if (pending_.empty()) {
          // Block for input only when there is nothing to hand out yet, so
          // a slow network still sees its bytes written promptly.
          auto chunk = produced > 0 ? impl_->input_.TryPop() : impl_->input_.Pop();
          if (!chunk) {
            if (produced > 0) break;
            if (!inflater_.AtMemberBoundary()) {
              return DataLossError("the gzip stream ends before its end (truncated archive)");
            }
            return std::string_view();
          }
          current_ = std::move(*chunk);
          pending_ = current_;
        }
        size_t n = 0;
        const size_t before = pending_.size();
        TFHUB_RETURN_IF_ERROR(inflater_.Inflate(&pending_, block_.data() + produced,
                                                block_.size() - produced, &n));
        if (n == 0 && pending_.size() == before) return InternalError("gzip decoder made no progress");
        produced += n;
      }
      return std::string_view(block_.data(), produced);
    }

   private:
    Impl* impl_;
    std::vector<char> block_;
    std::string current_;
    std::string_view pending_;
    GzipInflater inflater_;
    bool gzip_ = false;
    std::unique_ptr<parallel_inflate::ParallelGzipDecoder> parallel_;  // decode_threads > 1
  };

  // Turns members into writer operations. Each file goes whole to one writer,
  // the writer of its directory: directories are dealt out round robin, so
  // two writers rarely create files in the same directory at once (the
  // kernel serialises creates in one directory on its lock). A name seen
  // before goes to the same writer again, so the last of duplicate members
  // still wins.
  class OpSink final : public EntrySink {
   public:
    explicit OpSink(Impl* impl) : impl_(impl) {}
    Status Directory(const std::string& path) override {
      return Send(*impl_->writers_[Route(path, /*directory=*/true)], {WriteOp::kDirectory, path}, kOpWeight);
    }
    Status BeginFile(const std::string& path) override {
      current_ = impl_->writers_[Route(path, /*directory=*/false)].get();
      return Send(*current_, {WriteOp::kOpen, path}, kOpWeight);
    }
    Status FileData(std::string_view data) override {
      return Send(*current_, {WriteOp::kData, std::string(data)}, data.size() + kOpWeight);
    }
    Status EndFile() override { return Send(*current_, {WriteOp::kClose, {}}, kOpWeight); }

   private:
    size_t Route(const std::string& path, bool directory) {
      if (auto it = routes_.find(path); it != routes_.end()) return it->second;
      if (!directory && impl_->options_.spread_files) {
        routes_.emplace(path, next_);
        const size_t w = next_;
        next_ = (next_ + 1) % impl_->writers_.size();
        return w;
      }
      std::string dir = path;
      if (!directory) {
        const auto slash = path.find_last_of('/');
        dir.resize(slash == std::string::npos ? 0 : slash);
      }
      auto [d, inserted] = routes_.try_emplace(std::move(dir), next_);
      if (inserted) next_ = (next_ + 1) % impl_->writers_.size();
      routes_.try_emplace(path, d->second);
      return d->second;
    }
    static Status Send(Writer& w, WriteOp op, size_t weight) {
      if (!w.ops.Push(std::move(op), weight)) return AbortedError("extraction cancelled");
      return Status::Ok();
    }
    Impl* impl_;
    std::unordered_map<std::string, size_t> routes_;
    size_t next_ = 0;
    Writer* current_ = nullptr;
  };

  void RunDecoder() {
    Source source(this);
    source.Sniff();
    OpSink sink(this);
    bool not_an_archive = false;
    auto stats = ExtractTar(source, sink, /*detect_compression=*/!source.gzip(), options_.limits, &not_an_archive);
    if (!stats.ok()) {
      // A writer's error travels back through the sink: it is already recorded (first wins).
      Fail(stats.status(), not_an_archive ? Failure::kNotAnArchive : Failure::kArchive);
      return;
    }
    // Read the rest of the stream: the tar's zero padding and, for gzip, the
    // trailer whose checksum proves the whole archive arrived intact.
    for (;;) {
      auto block = source.Next();
      if (!block.ok()) {
        Fail(block.status(), Failure::kArchive);
        return;
      }
      if (block->empty()) break;
    }
    for (auto& w : writers_) w->ops.Close();
  }

  // --- writer threads ------------------------------------------------------

  // Creates directories and writes files, in the order its operations come.
  // Parent directories are created on demand (idempotently, so writers may
  // race on a shared parent).
  struct Writer {
    Writer(Impl* owner, size_t capacity) : impl(owner), ops(capacity) {}

    void Start() { thread = std::thread([this] { Run(); }); }
    void Join() {
      if (thread.joinable()) thread.join();
    }

    Status EnsureDirectory(const std::string& rel) {
      if (rel.empty() || created_dirs.count(rel)) return Status::Ok();
      // Spread files: one creation for all writers (each, an upload).
      std::unique_lock<std::mutex> shared;
      std::set<std::string>* created = &created_dirs;
      if (impl->options_.spread_files) {
        shared = std::unique_lock(impl->dirs_mu_);
        created = &impl->shared_dirs_;
        if (created->count(rel)) return Status::Ok();
      }
      TFHUB_RETURN_IF_ERROR(impl->fs_->CreateDirs(io::JoinPath(impl->dest_, rel)));
      std::string p = rel;  // remember it and all its parents
      for (;;) {
        if (!created->insert(p).second) break;
        const auto slash = p.find_last_of('/');
        if (slash == std::string::npos) break;
        p.resize(slash);
      }
      return Status::Ok();
    }

    Status Apply(WriteOp& op) {
      switch (op.kind) {
        case WriteOp::kDirectory:
          return EnsureDirectory(op.text);
        case WriteOp::kOpen: {
          const auto slash = op.text.find_last_of('/');
          if (slash != std::string::npos) TFHUB_RETURN_IF_ERROR(EnsureDirectory(op.text.substr(0, slash)));
          TFHUB_ASSIGN_OR_RETURN(file, impl->fs_->NewWritableFile(io::JoinPath(impl->dest_, op.text)));
          file_path = std::move(op.text);
          file_size = 0;
          return Status::Ok();
        }
        case WriteOp::kData:
          TFHUB_RETURN_IF_ERROR(file->Append(op.text));
          file_size += op.text.size();
          bytes += op.text.size();
          impl->owner_->bytes_extracted_.fetch_add(op.text.size(), std::memory_order_relaxed);
          return Status::Ok();
        case WriteOp::kClose: {
          Status s = file->Close();
          file.reset();
          if (!s.ok()) return s;
          sizes.insert_or_assign(file_path, file_size);
          impl->owner_->files_extracted_.fetch_add(1, std::memory_order_relaxed);
          return Status::Ok();
        }
      }
      return InternalError("unknown write operation");
    }

    void Run() {
      while (auto op = ops.Pop()) {
        if (Status s = Apply(*op); !s.ok()) {
          impl->Fail(std::move(s), Failure::kWrite);
          break;
        }
      }
      file.reset();
    }

    Impl* impl;
    Channel<WriteOp> ops;
    std::thread thread;
    std::set<std::string> created_dirs;
    std::unique_ptr<io::WritableFile> file;
    std::string file_path;
    uint64_t file_size = 0;
    // Results, read by Finish() after the thread is joined.
    std::map<std::string, uint64_t> sizes;
    uint64_t bytes = 0;
  };

  StreamingExtractor* owner_;
  io::FileSystem* fs_;
  const std::string dest_;
  const Options options_;
  Channel<std::string> input_;
  std::mutex mu_;
  Status error_;
  Failure failure_ = Failure::kNone;
  uint64_t pushed_ = 0;
  std::mutex dirs_mu_;                   // spread_files: directories created, for all writers
  std::set<std::string> shared_dirs_;
  std::vector<std::unique_ptr<Writer>> writers_;
  std::thread decoder_;  // last: started after everything above exists
};

StreamingExtractor::StreamingExtractor(io::FileSystem* fs, std::string dest_dir, Options options)
    : impl_(std::make_unique<Impl>(this, fs, std::move(dest_dir), options)) {}

StreamingExtractor::StreamingExtractor(io::FileSystem* fs, std::string dest_dir)
    : StreamingExtractor(fs, std::move(dest_dir), Options{}) {}

StreamingExtractor::~StreamingExtractor() = default;

Status StreamingExtractor::Push(std::string_view chunk) { return impl_->Push(chunk); }

Result<ExtractResult> StreamingExtractor::Finish() { return impl_->Finish(); }

StreamingExtractor::Failure StreamingExtractor::failure() const { return impl_->failure(); }

}  // namespace tfhub::archive
