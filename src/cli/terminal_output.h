// Where a resolve's progress and log lines go when a person is watching:
// the CLI's (and the Python package's) one way to attach them to
// ResolveOptions, so both draw the same bar under the same conditions.
//
// Contract: AttachOutput() sets options.log and, when a bar is drawn,
// options.progress. A progress bar on stderr is drawn only when stderr is a
// terminal, `quiet` is false and options.log_progress (the reference's log
// lines, TFHUB_DOWNLOAD_PROGRESS) is off. `quiet` also turns log_progress
// off and drops informational log lines (lines starting with "WARNING"
// remain). A log line first erases the bar (the next report redraws it).
//
// Ownership: the callbacks refer to `bar`, which must outlive every use of
// `options` (the resolve call). Thread safety: as ProgressBar: the callbacks
// are called from the resolving thread only.
#pragma once

#include <optional>

#include "cli/progress_bar.h"
#include "tfhub/options.h"

namespace tfhub::cli {

// The terminal's columns for `fd`, 80 when it does not say.
int TerminalColumns(int fd);

void AttachOutput(ResolveOptions& options, bool quiet, std::optional<ProgressBar>& bar);

}  // namespace tfhub::cli
