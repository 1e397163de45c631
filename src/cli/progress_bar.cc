#include "cli/progress_bar.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tfhub::cli {

namespace {

constexpr size_t kMaxBarCells = 30;
constexpr size_t kMinBarCells = 10;
constexpr size_t kMaxSamples = 256;
constexpr std::string_view kEraseToEnd = "\033[K";

}  // namespace

std::string FormatBytes(uint64_t bytes) {
  if (bytes < 1000) return std::to_string(bytes) + " B";
  static constexpr const char* kUnits[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
  double value = static_cast<double>(bytes) / 1000;
  size_t unit = 0;
  // 999.96 kB would print as "1000.0 kB": move on to the next unit instead.
  while (value >= 999.95 && unit + 1 < std::size(kUnits)) {
    value /= 1000;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", value, kUnits[unit]);
  return buf;
}

std::string FormatDuration(std::chrono::seconds duration) {
  const long long total = std::max<long long>(0, duration.count());
  const long long h = total / 3600, m = total / 60 % 60, s = total % 60;
  char buf[48];
  if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", h, m, s);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", m, s);
  }
  return buf;
}

std::string RenderProgressLine(const DownloadProgress& progress, std::optional<double> rate, int width) {
  const size_t max_len = width > 1 ? static_cast<size_t>(width - 1) : 0;
  const uint64_t received = progress.bytes_received;
  const std::optional<uint64_t> total = progress.total_bytes;

  std::string left = "  " + FormatBytes(received);
  if (total) left += " / " + FormatBytes(*total);

  std::string right;
  if (rate && *rate >= 0) {
    right += "  " + FormatBytes(static_cast<uint64_t>(*rate)) + "/s";
    if (total && *total >= received) {
      if (*rate > 0) {
        const double eta = std::ceil(static_cast<double>(*total - received) / *rate);
        right += eta < 100.0 * 3600 ? "  ETA " + FormatDuration(std::chrono::seconds(static_cast<long long>(eta)))
                                    : std::string("  ETA --:--");
      } else {
        right += "  ETA --:--";
      }
    }
  }
  const std::string files =
      "  " + std::to_string(progress.files_extracted) + (progress.files_extracted == 1 ? " file" : " files");
  right += files;

  std::string bar;
  if (total && *total > 0) {
    // Sized for the widest received amount and rate, so the bar keeps its
    // width while the numbers change.
    const size_t left_room = std::max(left.size(), std::string_view("  999.9 MB / ").size() + FormatBytes(*total).size());
    const size_t right_room = std::max(right.size(), std::string_view("  999.9 MB/s  ETA 00:00").size() +
                                                       std::max(files.size(), std::string_view("  99999 files").size()));
    const size_t used = left_room + right_room + 4;  // "  [" and "]"
    const size_t cells = used < max_len ? std::min(kMaxBarCells, max_len - used) : 0;
    if (cells >= kMinBarCells) {
      const double fraction = std::min(1.0, static_cast<double>(received) / static_cast<double>(*total));
      const auto filled = static_cast<size_t>(fraction * static_cast<double>(cells));
      std::string inner(cells, ' ');
      if (filled >= cells) {
        inner.assign(cells, '=');
      } else {
        std::fill_n(inner.begin(), filled, '=');
        inner[filled] = '>';
      }
      bar = "  [" + inner + "]";
    }
  }

  std::string line = left + bar + right;
  if (line.size() > max_len) line.resize(max_len);
  return line;
}

ProgressBar::ProgressBar(std::function<void(std::string_view)> write, Options options)
    : write_(std::move(write)), options_(options) {}

void ProgressBar::Update(const DownloadProgress& progress, Clock::time_point now) {
  if (progress.finished) {
    Clear();
    samples_.clear();
    last_draw_.reset();
    return;
  }
  // Fewer bytes than before: the download started over.
  if (!samples_.empty() && progress.bytes_received < samples_.back().second) samples_.clear();
  samples_.emplace_back(now, progress.bytes_received);
  while (samples_.size() > 2 && (now - samples_[1].first >= options_.rate_window || samples_.size() > kMaxSamples)) {
    samples_.pop_front();
  }
  if (last_draw_ && now - *last_draw_ < options_.min_redraw) return;
  last_draw_ = now;
  write_("\r" + RenderProgressLine(progress, rate(), options_.width) + std::string(kEraseToEnd));
  drawn_ = true;
}

void ProgressBar::Clear() {
  if (!drawn_) return;
  write_("\r" + std::string(kEraseToEnd));
  drawn_ = false;
}

std::optional<double> ProgressBar::rate() const {
  if (samples_.size() < 2) return std::nullopt;
  const auto span = samples_.back().first - samples_.front().first;
  if (span < std::chrono::milliseconds(200)) return std::nullopt;
  const double seconds = std::chrono::duration<double>(span).count();
  return static_cast<double>(samples_.back().second - samples_.front().second) / seconds;
}

}  // namespace tfhub::cli
