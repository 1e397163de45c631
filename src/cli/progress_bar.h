// The CLI's progress bar for downloads: one line on a terminal, redrawn in
// place with '\r', e.g.
//   "  123.4 MB / 1.0 GB  [=====>          ]  45.6 MB/s  ETA 0:12  1234 files"
// and, when the archive's size is unknown, bytes, rate and files only.
//
// Pure formatting and throttling: the caller decides whether there is a
// terminal (the CLI draws only when stderr is one, without --quiet and
// without TFHUB_DOWNLOAD_PROGRESS's log lines) and supplies the clock, so
// everything here is testable without a terminal or a sleep.
//
// Thread safety: none; use one ProgressBar from one thread at a time (the
// resolving thread calls ResolveOptions::progress and ::log).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "tfhub/options.h"

namespace tfhub::cli {

// "0 B", "999 B", "1.0 kB", "123.4 MB", "1.0 GB" (decimal units).
std::string FormatBytes(uint64_t bytes);

// "0:07", "12:34", "1:02:03".
std::string FormatDuration(std::chrono::seconds duration);

// The bar's text for one report (no '\r', no escape sequences), at most
// `width` - 1 characters so the terminal never wraps it. `rate` in bytes per
// second; without one neither rate nor ETA is shown.
std::string RenderProgressLine(const DownloadProgress& progress, std::optional<double> rate, int width);

class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    int width = 80;                               // the terminal's columns
    std::chrono::milliseconds min_redraw{100};    // between two redraws
    std::chrono::milliseconds rate_window{3000};  // the rate is averaged over this
  };

  // `write` receives the bytes for the terminal (the CLI: stderr).
  explicit ProgressBar(std::function<void(std::string_view)> write) : ProgressBar(std::move(write), Options{}) {}
  ProgressBar(std::function<void(std::string_view)> write, Options options);

  // Takes a report at time `now`: redraws the line if the last redraw is at
  // least min_redraw ago; a finished report clears it instead.
  void Update(const DownloadProgress& progress, Clock::time_point now);

  // Erases the line if one is drawn ("\r", ESC[K), leaving the cursor at the
  // start of the empty line, so whatever comes next is not mixed with it.
  void Clear();

  bool drawn() const { return drawn_; }

  // Bytes per second received over the last rate_window, once samples span
  // at least a fifth of a second; else none.
  std::optional<double> rate() const;

 private:
  std::function<void(std::string_view)> write_;
  Options options_;
  bool drawn_ = false;
  std::optional<Clock::time_point> last_draw_;
  std::deque<std::pair<Clock::time_point, uint64_t>> samples_;  // (time, bytes_received)
};

}  // namespace tfhub::cli
