#include "cli/terminal_output.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <iostream>
#include <string_view>

#include "base/system.h"

namespace tfhub::cli {

int TerminalColumns(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

void AttachOutput(ResolveOptions& options, bool quiet, std::optional<ProgressBar>& bar) {
  if (quiet) options.log_progress = false;
  if (!quiet && !options.log_progress && isatty(STDERR_FILENO)) {
    bar.emplace([](std::string_view text) { std::cerr << text << std::flush; },
                ProgressBar::Options{.width = TerminalColumns(STDERR_FILENO)});
    options.progress = [&bar](const DownloadProgress& progress) { bar->Update(progress, ProgressBar::Clock::now()); };
  }
  options.log = [&bar, quiet](std::string_view line) {
    if (quiet && !line.starts_with("WARNING")) return;
    if (bar) bar->Clear();
    base::WriteLineToStderr(line);
  };
}

}  // namespace tfhub::cli
