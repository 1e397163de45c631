#include "archive/streaming_extractor.h"

#include <mutex>
#include <set>
#include <vector>

#include "archive/channel.h"
#include "archive/gzip_inflater.h"

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
      : owner_(owner),
        fs_(fs),
        dest_(std::move(dest)),
        options_(options),
        input_(options.input_buffer_bytes),
        ops_(options.output_buffer_bytes) {
    decoder_ = std::thread([this] { RunDecoder(); });
    writer_ = std::thread([this] { RunWriter(); });
  }

  ~Impl() {
    if (decoder_.joinable() || writer_.joinable()) {
      Fail(AbortedError("extraction cancelled"));
      Join();
    }
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
    result_.compressed_bytes = pushed_;
    return std::move(result_);
  }

 private:
  // --- shared -------------------------------------------------------------

  void Fail(Status s) {
    {
      std::lock_guard lock(mu_);
      if (error_.ok()) error_ = std::move(s);
    }
    input_.Cancel();
    ops_.Cancel();
  }

  Status FirstError() {
    std::lock_guard lock(mu_);
    return error_;
  }

  void Join() {
    if (decoder_.joinable()) decoder_.join();
    if (writer_.joinable()) writer_.join();
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
    }

    bool gzip() const { return gzip_; }

    Result<std::string_view> Next() override {
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
  };

  // Turns members into writer operations.
  class OpSink final : public EntrySink {
   public:
    explicit OpSink(Impl* impl) : impl_(impl) {}
    Status Directory(const std::string& path) override { return Send({WriteOp::kDirectory, path}, kOpWeight); }
    Status BeginFile(const std::string& path) override { return Send({WriteOp::kOpen, path}, kOpWeight); }
    Status FileData(std::string_view data) override {
      return Send({WriteOp::kData, std::string(data)}, data.size() + kOpWeight);
    }
    Status EndFile() override { return Send({WriteOp::kClose, {}}, kOpWeight); }

   private:
    Status Send(WriteOp op, size_t weight) {
      if (!impl_->ops_.Push(std::move(op), weight)) return AbortedError("extraction cancelled");
      return Status::Ok();
    }
    Impl* impl_;
  };

  void RunDecoder() {
    Source source(this);
    source.Sniff();
    OpSink sink(this);
    auto stats = ExtractTar(source, sink, /*detect_compression=*/!source.gzip(), options_.limits);
    if (!stats.ok()) {
      Fail(stats.status());
      return;
    }
    // Read the rest of the stream: the tar's zero padding and, for gzip, the
    // trailer whose checksum proves the whole archive arrived intact.
    for (;;) {
      auto block = source.Next();
      if (!block.ok()) {
        Fail(block.status());
        return;
      }
      if (block->empty()) break;
    }
    ops_.Close();
  }

  // --- writer thread -------------------------------------------------------

  Status EnsureDirectory(const std::string& rel) {
    if (rel.empty() || created_dirs_.count(rel)) return Status::Ok();
    TFHUB_RETURN_IF_ERROR(fs_->CreateDirs(io::JoinPath(dest_, rel)));
    // Remember it and all its parents.
    std::string p = rel;
    for (;;) {
      if (!created_dirs_.insert(p).second) break;
      const auto slash = p.find_last_of('/');
      if (slash == std::string::npos) break;
      p.resize(slash);
    }
    return Status::Ok();
  }

  Status Apply(WriteOp& op) {
    switch (op.kind) {
      case WriteOp::kDirectory:
        if (!created_dirs_.count(op.text)) ++result_.directories;
        return EnsureDirectory(op.text);
      case WriteOp::kOpen: {
        const auto slash = op.text.find_last_of('/');
        if (slash != std::string::npos) TFHUB_RETURN_IF_ERROR(EnsureDirectory(op.text.substr(0, slash)));
        TFHUB_ASSIGN_OR_RETURN(file_, fs_->NewWritableFile(io::JoinPath(dest_, op.text)));
        file_path_ = std::move(op.text);
        file_size_ = 0;
        return Status::Ok();
      }
      case WriteOp::kData:
        TFHUB_RETURN_IF_ERROR(file_->Append(op.text));
        file_size_ += op.text.size();
        result_.bytes += op.text.size();
        owner_->bytes_extracted_.fetch_add(op.text.size(), std::memory_order_relaxed);
        return Status::Ok();
      case WriteOp::kClose: {
        Status s = file_->Close();
        file_.reset();
        if (!s.ok()) return s;
        auto [it, inserted] = result_.sizes.insert_or_assign(file_path_, file_size_);
        (void)it;
        if (inserted) ++result_.files;
        return Status::Ok();
      }
    }
    return InternalError("unknown write operation");
  }

  void RunWriter() {
    while (auto op = ops_.Pop()) {
      if (Status s = Apply(*op); !s.ok()) {
        Fail(std::move(s));
        break;
      }
    }
    file_.reset();
  }

  StreamingExtractor* owner_;
  io::FileSystem* fs_;
  const std::string dest_;
  const Options options_;
  Channel<std::string> input_;
  Channel<WriteOp> ops_;
  std::mutex mu_;
  Status error_;
  uint64_t pushed_ = 0;
  // Writer-thread state.
  std::set<std::string> created_dirs_;
  std::unique_ptr<io::WritableFile> file_;
  std::string file_path_;
  uint64_t file_size_ = 0;
  ExtractResult result_;
  std::thread decoder_, writer_;  // last: started after everything above exists
};

StreamingExtractor::StreamingExtractor(io::FileSystem* fs, std::string dest_dir, Options options)
    : impl_(std::make_unique<Impl>(this, fs, std::move(dest_dir), options)) {}

StreamingExtractor::StreamingExtractor(io::FileSystem* fs, std::string dest_dir)
    : StreamingExtractor(fs, std::move(dest_dir), Options{}) {}

StreamingExtractor::~StreamingExtractor() = default;

Status StreamingExtractor::Push(std::string_view chunk) { return impl_->Push(chunk); }

Result<ExtractResult> StreamingExtractor::Finish() { return impl_->Finish(); }

}  // namespace tfhub::archive
