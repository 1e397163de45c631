#include "archive/parallel_inflate/parallel_gzip_decoder.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "archive/gzip_inflater.h"
#include "archive/parallel_inflate/block_finder.h"
#include "archive/parallel_inflate/chunk_decoder.h"
#include "archive/parallel_inflate/crc32.h"
#include "archive/parallel_inflate/gzip_header.h"
#include "archive/parallel_inflate/isal_stream.h"
#include "archive/parallel_inflate/windowless_decoder.h"

namespace tfhub::archive::parallel_inflate {

namespace {

constexpr char kTruncated[] = "the gzip stream ends before its end (truncated archive)";

// Buffers of released chunks, reused by the next ones: memory already
// touched costs no page faults (fresh multi-MiB allocations cost about as
// much in the kernel as the decoding saves).
class BufferPool {
 public:
  explicit BufferPool(size_t limit) : limit_(limit) {}
  std::string TakeData() {
    std::lock_guard lock(mu_);
    if (data_.empty()) return std::string();
    std::string s = std::move(data_.back());
    data_.pop_back();
    s.clear();
    return s;
  }
  ChunkOutput TakeOutput() {
    std::lock_guard lock(mu_);
    if (outputs_.empty()) return ChunkOutput();
    ChunkOutput out = std::move(outputs_.back());
    outputs_.pop_back();
    return out;
  }
  void Put(std::string data, ChunkOutput out) {
    std::lock_guard lock(mu_);
    if (data.capacity() > 0 && data_.size() < limit_) data_.push_back(std::move(data));
    if ((out.bytes || out.symbols.capacity() > 0) && outputs_.size() < limit_) outputs_.push_back(std::move(out));
  }

 private:
  std::mutex mu_;
  const size_t limit_;
  std::vector<std::string> data_;
  std::vector<ChunkOutput> outputs_;
};

struct Chunk {
  ~Chunk() {
    if (pool) pool->Put(std::move(data), std::move(out));
  }
  std::shared_ptr<BufferPool> pool;
  uint64_t index = 0;
  uint64_t offset = 0;  // stream offset of data[0]
  std::string data;     // own bytes, then (unless last) overlap bytes of the next chunk
  size_t own = 0;
  bool last = false;
  // Set by the worker, read once done.
  bool done = false;
  std::optional<uint64_t> start_bit;  // stream bit where its decoding began
  uint64_t end_bit = 0;               // stream bit where it ended (out.end != kFailed)
  ChunkOutput out;

  const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(data.data()); }
  size_t region() const { return last ? data.size() : own; }  // bytes of the stream it owns
};

}  // namespace

class ParallelGzipDecoder::Impl {
 public:
  Impl(Pull pull, std::string initial, Options options)
      : o_(options), pull_(std::move(pull)), initial_(std::move(initial)) {
    o_.chunk_bytes = std::max<size_t>(o_.chunk_bytes, 1024);
    o_.overlap_bytes = std::clamp<size_t>(o_.overlap_bytes, 1024, o_.chunk_bytes);
    o_.block_bytes = std::max<size_t>(o_.block_bytes, 1 << 17);
    if (o_.max_chunks_in_flight == 0) o_.max_chunks_in_flight = o_.threads + 1;
    o_.max_chunks_in_flight = std::max<size_t>(o_.max_chunks_in_flight, 3);
    ok_ = crc32::Init().ok();
    pool_ = std::make_shared<BufferPool>(o_.max_chunks_in_flight + 1);
    feeder_ = std::thread([this] { Feed(); });
    for (size_t i = 0; i < std::max<size_t>(1, o_.threads); ++i) workers_.emplace_back([this] { Work(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    feeder_.join();
    for (auto& w : workers_) w.join();
  }

  Result<std::string_view> Next();
  size_t parallel() const { return chunks_parallel_; }
  size_t sequential() const { return chunks_sequential_; }

 private:
  enum class Mode { kInit, kParallel, kSequential, kTrailer, kTail, kEnd };

  // --- feeder and workers ---------------------------------------------------

  void Feed() {
    // Pieces are copied once, into the chunk being filled (allocated at its
    // full size); only the overlap is copied again, into the next chunk.
    const size_t want = o_.chunk_bytes + o_.overlap_bytes;
    std::string carry = std::move(initial_);  // stream bytes after `current`
    size_t carry_pos = 0;
    std::string current = pool_->TakeData();
    current.reserve(want);
    uint64_t offset = 0;
    bool eof = false;
    // Makes carry non-empty unless the input has ended.
    auto refill = [&] {
      while (!eof && carry_pos >= carry.size()) {
        auto piece = pull_();
        if (!piece) {
          eof = true;
        } else {
          carry = std::move(*piece);
          carry_pos = 0;
        }
      }
    };
    for (uint64_t index = 0;; ++index) {
      while (current.size() < want) {
        refill();
        if (carry_pos >= carry.size()) break;  // end of input
        const size_t n = std::min(want - current.size(), carry.size() - carry_pos);
        current.append(carry, carry_pos, n);
        carry_pos += n;
      }
      refill();  // is there more after this chunk?
      const bool last = carry_pos >= carry.size();
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || chunks_.size() < o_.max_chunks_in_flight; });
      if (stop_) return;
      lock.unlock();
      auto c = std::make_shared<Chunk>();
      c->pool = pool_;
      c->index = index;
      c->offset = offset;
      if (last) {
        c->last = true;
        c->data = std::move(current);
        c->own = c->data.size();
      } else {
        std::string next = pool_->TakeData();
        next.reserve(want);
        next.append(current, o_.chunk_bytes, std::string::npos);
        c->data = std::move(current);
        c->own = o_.chunk_bytes;
        current = std::move(next);
      }
      offset += c->own;
      lock.lock();
      if (index == 0) {
        // Small inputs, and headers out of the ordinary, go to GzipInflater.
        const auto header = ParseGzipHeader(c->bytes(), c->own);
        parallel_ = ok_ && header && !c->last && o_.threads > 1;
        if (header) header_bits_ = 8 * *header;
      }
      chunks_.push_back(c);
      ++chunks_made_;
      if (parallel_ && speculate_) tasks_.push_back(c);
      else c->done = true;
      if (c->last) input_done_ = true;
      lock.unlock();
      cv_.notify_all();
      if (c->last) return;
    }
  }

  void Work() {
    for (;;) {
      std::shared_ptr<Chunk> c;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
        if (stop_) return;
        c = tasks_.front();
        tasks_.pop_front();
      }
      if (speculate_.load()) Decode(*c);
      {
        std::lock_guard lock(mu_);
        c->done = true;
      }
      cv_.notify_all();
    }
  }

  // Chunk `index`'s first block, from its first min(T, size) bytes.
  std::optional<uint64_t> FindStart(uint64_t index, const uint8_t* data, size_t size) {
    {
      std::lock_guard lock(mu_);
      if (auto it = starts_.find(index); it != starts_.end()) return it->second;
    }
    size = std::min(size, o_.overlap_bytes);
    const size_t search = o_.overlap_bytes > (128 << 10) ? o_.overlap_bytes - (64 << 10) : o_.overlap_bytes / 2;
    const auto found = FindBlockStart(data, size, search);
    std::lock_guard lock(mu_);
    starts_.emplace(index, found);
    if (starts_.size() > 64) starts_.erase(starts_.begin());
    return found;
  }

  void Decode(Chunk& c) {
    std::optional<uint64_t> start;
    if (c.index == 0) start = header_bits_;
    else start = FindStart(c.index, c.bytes(), c.data.size());
    if (!start) return;
    std::optional<uint64_t> stop;
    if (!c.last) {
      const auto next = FindStart(c.index + 1, c.bytes() + c.own, c.data.size() - c.own);
      if (!next) return;
      stop = 8 * static_cast<uint64_t>(c.own) + *next;
    }
    static const uint8_t kEmpty = 0;
    c.out = DecodeChunk(c.bytes(), c.data.size(), *start, stop, c.index == 0 ? &kEmpty : nullptr, 0,
                        4 * o_.chunk_bytes + (1 << 20), pool_->TakeOutput());
    c.start_bit = 8 * c.offset + *start;
    c.end_bit = 8 * c.offset + c.out.end_bit;
  }

  // --- consumer helpers -----------------------------------------------------

  // Chunk `index` once it exists (and, if wait_done, is decoded); nullptr
  // past the last chunk.
  std::shared_ptr<Chunk> GetChunk(uint64_t index, bool wait_done) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] {
      if (stop_ || (input_done_ && index >= chunks_made_)) return true;
      if (index >= chunks_made_) return false;
      return !wait_done || Find(index)->done;
    });
    if (index >= chunks_made_ || stop_) return nullptr;
    return Find(index);
  }
  std::shared_ptr<Chunk> Find(uint64_t index) {  // REQUIRES: mu_ held, chunk kept
    return chunks_[index - chunks_.front()->index];
  }
  // Drops chunks before `index`.
  void Release(uint64_t index) {
    {
      std::lock_guard lock(mu_);
      while (!chunks_.empty() && chunks_.front()->index < index) chunks_.pop_front();
    }
    cv_.notify_all();
  }

  void Account(const uint8_t* p, size_t n) {
    crc_ = crc32::Extend(crc_, p, n);
    isize_ += n;
    Remember(p, n);
  }
  void Remember(const uint8_t* p, size_t n) {  // the window: last 32 KiB of output
    if (n >= kWindowSize) {
      window_.assign(p + n - kWindowSize, p + n);
      return;
    }
    window_.insert(window_.end(), p, p + n);
    if (window_.size() > kWindowSize) window_.erase(window_.begin(), window_.end() - kWindowSize);
  }

  Result<std::string_view> UseChunk(std::shared_ptr<Chunk> chunk);
  void StartSequential(Chunk& c);
  Result<std::string_view> SequentialStep();
  Status ReadTrailer();
  Result<std::string_view> TailStep();

  Options o_;
  Pull pull_;
  std::string initial_;
  bool ok_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool input_done_ = false;
  uint64_t chunks_made_ = 0;
  std::deque<std::shared_ptr<Chunk>> chunks_;  // from the consumer's front on
  std::deque<std::shared_ptr<Chunk>> tasks_;
  std::map<uint64_t, std::optional<uint64_t>> starts_;
  bool parallel_ = false;  // set with chunk 0
  uint64_t header_bits_ = 0;
  std::atomic<bool> speculate_{true};
  std::shared_ptr<BufferPool> pool_;
  std::thread feeder_;
  std::vector<std::thread> workers_;

  // Consumer state (Next()'s thread only).
  Mode mode_ = Mode::kInit;
  uint64_t front_ = 0;     // next chunk to use in kParallel
  uint64_t position_ = 0;  // stream bit up to which the output is known
  uint32_t crc_ = 0;
  uint64_t isize_ = 0;
  std::vector<uint8_t> window_;
  std::shared_ptr<Chunk> held_;  // the chunk whose output is being handed out
  std::vector<uint8_t> resolved_;
  std::string_view second_;
  std::vector<uint8_t> block_;
  IsalStream seq_;
  uint64_t seq_base_bit_ = 0;  // stream bit of seq_'s first fed byte
  uint64_t seq_chunk_ = 0;
  size_t seq_pos_ = 0;
  std::optional<uint64_t> seq_attempt_;  // a later chunk's start to confirm
  GzipInflater tail_;
  uint64_t tail_chunk_ = 0;
  size_t tail_pos_ = 0;
  size_t chunks_parallel_ = 0;
  size_t chunks_sequential_ = 0;
  size_t failed_in_a_row_ = 0;
  static constexpr size_t kMaxFailuresInARow = 4;
};

Result<std::string_view> ParallelGzipDecoder::Impl::Next() {
  if (!second_.empty()) {
    const auto v = second_;
    second_ = {};
    return v;
  }
  held_.reset();
  for (;;) {
    switch (mode_) {
      case Mode::kInit: {
        if (!GetChunk(0, false)) return DataLossError(kTruncated);
        if (!parallel_) {
          mode_ = Mode::kTail;  // all through GzipInflater, from the first byte
          break;
        }
        position_ = header_bits_;
        mode_ = Mode::kParallel;
        break;
      }
      case Mode::kParallel: {
        auto c = GetChunk(front_, true);
        if (!c) return DataLossError(kTruncated);
        if (c->out.end != ChunkOutput::kFailed && c->start_bit == position_) {
          auto v = UseChunk(c);
          if (!v.ok() || !v->empty()) return v;
          if (mode_ == Mode::kParallel && !held_) StartSequential(*c);  // markers not resolvable
          break;
        }
        StartSequential(*c);
        break;
      }
      case Mode::kSequential: {
        auto v = SequentialStep();
        if (!v.ok() || !v->empty()) return v;
        break;
      }
      case Mode::kTrailer:
        TFHUB_RETURN_IF_ERROR(ReadTrailer());
        break;
      case Mode::kTail: {
        auto v = TailStep();
        if (!v.ok() || !v->empty() || mode_ == Mode::kEnd) return v;
        break;
      }
      case Mode::kEnd:
        return std::string_view();
    }
  }
}

// Hands out a speculatively decoded chunk that starts where the output stands.
Result<std::string_view> ParallelGzipDecoder::Impl::UseChunk(std::shared_ptr<Chunk> chunk) {
  Chunk& c = *chunk;
  ChunkOutput& out = c.out;
  resolved_.resize(out.symbols.size());
  if (!ResolveMarkers(out.symbols.data(), out.symbols.size(), window_.data(), window_.size(), resolved_.data())) {
    return std::string_view();  // caller decodes it sequentially
  }
  ++chunks_parallel_;
  failed_in_a_row_ = 0;
  Account(resolved_.data(), resolved_.size());
  crc_ = crc32::Combine(crc_, out.bytes_crc, out.bytes_size);
  isize_ += out.bytes_size;
  Remember(out.bytes.get(), out.bytes_size);
  position_ = c.end_bit;
  held_ = std::move(chunk);
  if (out.end == ChunkOutput::kFinal) {
    mode_ = Mode::kTrailer;
  } else {
    front_ = c.index + 1;
    Release(front_);
  }
  const std::string_view a(reinterpret_cast<const char*>(resolved_.data()), resolved_.size());
  const std::string_view b(reinterpret_cast<const char*>(out.bytes.get()), out.bytes_size);
  if (a.empty()) return b;
  second_ = b;
  return a;
}

void ParallelGzipDecoder::Impl::StartSequential(Chunk& c) {
  ++chunks_sequential_;
  // Speculation that keeps failing only costs the workers' CPU: stop it,
  // and decode the rest of the member with ISA-L alone.
  if (++failed_in_a_row_ >= kMaxFailuresInARow) speculate_ = false;
  const uint64_t rel = position_ - 8 * c.offset;  // within c: position_ is c's start
  seq_.Start(c.bytes()[rel / 8], static_cast<int>(rel % 8), window_.data(), window_.size());
  seq_base_bit_ = 8 * (c.offset + rel / 8);
  seq_chunk_ = c.index;
  seq_pos_ = rel / 8 + 1;
  seq_attempt_.reset();
  mode_ = Mode::kSequential;
}

// Decodes with ISA-L from the last confirmed boundary, a block of output at
// a time, until a later chunk's start is confirmed or the member ends.
Result<std::string_view> ParallelGzipDecoder::Impl::SequentialStep() {
  block_.resize(o_.block_bytes);
  size_t produced = 0;
  auto corrupt = [](int rc) { return DataLossError("corrupt gzip stream (igzip error " + std::to_string(rc) + ")"); };
  auto finish_block = [&]() -> std::string_view {
    Account(block_.data(), produced);
    return std::string_view(reinterpret_cast<const char*>(block_.data()), produced);
  };
  for (;;) {
    auto c = GetChunk(seq_chunk_, false);
    if (!c) return InternalError("parallel gzip: chunk missing");
    size_t limit = c->region();
    if (seq_attempt_) limit = std::min<size_t>(limit, *seq_attempt_ / 8 - c->offset);
    if (seq_pos_ < limit) {
      if (produced == block_.size()) return finish_block();
      const auto step = seq_.Decode(c->bytes() + seq_pos_, limit - seq_pos_, block_.data() + produced,
                                    block_.size() - produced);
      if (step.rc < 0) return corrupt(step.rc);
      seq_pos_ += step.consumed;
      produced += step.produced;
      if (seq_.Finished()) {
        position_ = seq_base_bit_ + seq_.Position();
        mode_ = Mode::kTrailer;
        return finish_block();
      }
      continue;
    }
    // All input up to `limit` is fed: let ISA-L finish what it holds.
    if (block_.size() - produced < (1 << 16)) return finish_block();
    const auto flush = seq_.Decode(nullptr, 0, block_.data() + produced, block_.size() - produced);
    if (flush.rc < 0) return corrupt(flush.rc);
    produced += flush.produced;
    if (seq_.Finished()) {
      position_ = seq_base_bit_ + seq_.Position();
      mode_ = Mode::kTrailer;
      return finish_block();
    }
    if (flush.produced > 0) continue;
    if (seq_attempt_) {
      // Is the next chunk's start a block boundary of the real decoding?
      const uint64_t s = *seq_attempt_;
      const uint64_t rel = s - seq_base_bit_;
      bool ok;
      size_t extra = 0;
      if (s % 8 == 0) {
        ok = seq_.AtBoundary(rel);
      } else {
        seq_.Snapshot();
        const uint8_t masked = IsalStream::MaskedByte(c->bytes()[s / 8 - c->offset], static_cast<int>(s % 8));
        const auto step = seq_.Decode(&masked, 1, block_.data() + produced, block_.size() - produced);
        extra = step.produced;
        ok = step.rc >= 0 && step.consumed == 1 && seq_.AtBoundary(rel);
        if (!ok && step.rc >= 0 && step.consumed == 1 && seq_.Finished() && seq_.Position() <= rel) {
          // The final block ended before s: those bits were all real.
          produced += extra;
          position_ = seq_base_bit_ + seq_.Position();
          mode_ = Mode::kTrailer;
          return finish_block();
        }
        if (!ok) seq_.Restore();
      }
      seq_attempt_.reset();
      if (ok) {
        produced += extra;  // none: a boundary ends the output before it
        position_ = s;
        front_ = seq_chunk_;
        Release(front_);
        mode_ = Mode::kParallel;
        return finish_block();
      }
      continue;
    }
    // The chunk's bytes are all fed: on to the next one.
    auto next = GetChunk(seq_chunk_ + 1, true);
    if (!next) {
      if (produced > 0) return finish_block();
      return DataLossError(kTruncated);
    }
    seq_chunk_ = next->index;
    seq_pos_ = 0;
    Release(seq_chunk_);
    if (next->out.end != ChunkOutput::kFailed && next->start_bit) seq_attempt_ = *next->start_bit;
  }
}

// Checks the member's CRC-32 and length, then continues with GzipInflater.
Status ParallelGzipDecoder::Impl::ReadTrailer() {
  speculate_ = false;  // what follows is decoded sequentially
  const uint64_t start = (position_ + 7) / 8;
  uint8_t trailer[8];
  size_t got = 0;
  uint64_t index;  // the first chunk still held: the trailer is in it or after
  std::shared_ptr<Chunk> c;
  {
    std::lock_guard lock(mu_);
    index = chunks_.empty() ? chunks_made_ : chunks_.front()->index;
  }
  uint64_t at = start;
  for (;; ++index) {
    c = GetChunk(index, false);
    if (!c) break;
    const uint64_t end = c->offset + c->region();
    while (got < 8 && at < end) {
      if (at >= c->offset) trailer[got++] = c->bytes()[at - c->offset];
      ++at;
    }
    if (got == 8 || at < end) break;
  }
  if (got < 8) return DataLossError(kTruncated);
  uint32_t crc = 0, size = 0;
  for (int i = 3; i >= 0; --i) {
    crc = crc << 8 | trailer[i];
    size = size << 8 | trailer[4 + i];
  }
  if (crc != crc_ || size != static_cast<uint32_t>(isize_)) {
    return DataLossError("gzip checksum mismatch: the archive is corrupt");
  }
  tail_.ContinueAfterMember();
  if (c && at < c->offset + c->region()) {
    tail_chunk_ = c->index;
    tail_pos_ = at - c->offset;
  } else {
    tail_chunk_ = index + (c ? 1 : 0);
    tail_pos_ = 0;
  }
  mode_ = Mode::kTail;
  return Status::Ok();
}

// GzipInflater over the remaining bytes (further members, or everything).
Result<std::string_view> ParallelGzipDecoder::Impl::TailStep() {
  block_.resize(o_.block_bytes);
  size_t produced = 0;
  for (;;) {
    auto c = GetChunk(tail_chunk_, false);
    if (!c) {
      if (produced > 0) break;
      if (!tail_.AtMemberBoundary()) return DataLossError(kTruncated);
      mode_ = Mode::kEnd;
      return std::string_view();
    }
    if (tail_pos_ >= c->region()) {
      ++tail_chunk_;
      tail_pos_ = 0;
      Release(tail_chunk_);
      continue;
    }
    if (produced == block_.size()) break;
    std::string_view in(c->data.data() + tail_pos_, c->region() - tail_pos_);
    const size_t before = in.size();
    size_t n = 0;
    TFHUB_RETURN_IF_ERROR(tail_.Inflate(&in, reinterpret_cast<char*>(block_.data()) + produced,
                                        block_.size() - produced, &n));
    if (n == 0 && in.size() == before) return InternalError("gzip decoder made no progress");
    tail_pos_ += before - in.size();
    produced += n;
  }
  return std::string_view(reinterpret_cast<const char*>(block_.data()), produced);
}

ParallelGzipDecoder::ParallelGzipDecoder(Pull pull, std::string initial, Options options)
    : impl_(std::make_unique<Impl>(std::move(pull), std::move(initial), options)) {}
ParallelGzipDecoder::~ParallelGzipDecoder() = default;
Result<std::string_view> ParallelGzipDecoder::Next() { return impl_->Next(); }
size_t ParallelGzipDecoder::chunks_parallel() const { return impl_->parallel(); }
size_t ParallelGzipDecoder::chunks_sequential() const { return impl_->sequential(); }

}  // namespace tfhub::archive::parallel_inflate
