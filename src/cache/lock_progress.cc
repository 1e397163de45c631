#include "cache/lock_progress.h"

#include <charconv>
#include <vector>

namespace tfhub::cache {

namespace {

constexpr std::string_view kMagic = "tfhub-lock-progress 1";

bool ParseNumber(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 19) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return std::from_chars(text.data(), text.data() + text.size(), *out).ec == std::errc();
}

}  // namespace

std::string FormatLockProgress(const LockProgress& p) {
  return std::string(kMagic) + "\ndone " + std::to_string(p.done) + "\ntotal " + std::to_string(p.total) +
         "\nrate " + std::to_string(p.rate) + "\nseq " + std::to_string(p.seq) + "\nphase " +
         (p.installing ? "install" : "download") + "\n";
}

std::optional<LockProgress> ParseLockProgress(std::string_view text) {
  if (text.size() > kMaxProgressBytes) return std::nullopt;
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;  // always newline-terminated
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  if (lines.size() != 6 || lines[0] != kMagic) return std::nullopt;
  LockProgress p;
  const std::pair<std::string_view, uint64_t*> fields[] = {
      {"done ", &p.done}, {"total ", &p.total}, {"rate ", &p.rate}, {"seq ", &p.seq}};
  for (size_t i = 0; i < 4; ++i) {
    const std::string_view line = lines[i + 1];
    if (!line.starts_with(fields[i].first) || !ParseNumber(line.substr(fields[i].first.size()), fields[i].second)) {
      return std::nullopt;
    }
  }
  if (lines[5] == "phase install") {
    p.installing = true;
  } else if (lines[5] != "phase download") {
    return std::nullopt;
  }
  return p;
}

std::optional<std::chrono::milliseconds> EstimatedRemaining(const LockProgress& p) {
  if (p.installing || (p.total != 0 && p.done >= p.total)) return std::chrono::milliseconds(0);
  if (p.total == 0 || p.rate == 0) return std::nullopt;
  const double seconds = static_cast<double>(p.total - p.done) / static_cast<double>(p.rate);
  if (seconds > 1e7) return std::nullopt;  // months: no useful estimate
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0));
}

ProgressPublisher::ProgressPublisher(const CacheDir& dir, const EntryNames& names, std::string uid,
                                     base::Clock& clock, std::chrono::milliseconds publish_every)
    : dir_(&dir),
      name_(names.progress(uid)),
      clock_(clock),
      publish_every_(publish_every),
      enabled_(dir.fs().RequestsAreBilled()) {}

void ProgressPublisher::Report(uint64_t done, uint64_t total) {
  if (!enabled_ || finished_) return;
  const auto now = clock_.Now();
  if (done < record_.done) {  // started over
    last_write_done_ = 0;
    record_.rate = 0;
  }
  record_.done = done;
  record_.total = total;
  // The second write comes after half the interval: waiters get a rate
  // (an estimate) that much sooner.
  const auto every = record_.seq == 1 ? publish_every_ / 2 : publish_every_;
  if (written_ && now - last_write_ < every) return;
  if (written_) {
    const auto elapsed = std::chrono::duration<double>(now - last_write_).count();
    if (elapsed > 0 && done >= last_write_done_) {
      record_.rate = static_cast<uint64_t>(static_cast<double>(done - last_write_done_) / elapsed);
    }
  }
  last_write_ = now;
  last_write_done_ = done;
  Write();
}

void ProgressPublisher::Installing() {
  if (!enabled_ || finished_) return;
  record_.installing = true;
  last_write_ = clock_.Now();
  Write();
}

void ProgressPublisher::Write() {
  ++record_.seq;
  written_ = true;
  dir_->fs().WriteStringToFile(name_, FormatLockProgress(record_)).IgnoreError();
}

void ProgressPublisher::Finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  if (written_) dir_->fs().DeleteFile(name_).IgnoreError();
}

}  // namespace tfhub::cache
