// Ctrl-C and SIGTERM for the CLI: the first one asks the resolve in progress
// to stop (ResolveOptions::cancel), which cuts the download and removes the
// temp dir and the own lock; a second one exits at once.
#pragma once

#include <atomic>

namespace tfhub::cli {

// Blocks SIGINT and SIGTERM in the calling thread — call it first in main(),
// before any other thread exists, so every thread inherits the mask — and
// handles them on a dedicated thread with sigwait() (no async-signal-safety
// concerns: cleanup runs on ordinary threads).
void InstallInterruptHandler();

// Becomes true at the first SIGINT/SIGTERM.
const std::atomic<bool>* InterruptFlag();

// The signal that set the flag, or 0.
int InterruptSignal();

}  // namespace tfhub::cli
