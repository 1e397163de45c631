#include "cli/interrupts.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <string_view>
#include <thread>

namespace tfhub::cli {

namespace {
std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};
}  // namespace

void InstallInterruptHandler() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (g_interrupted.exchange(true)) _exit(128 + sig);  // second signal: no more waiting
      g_signal = sig;
      // On a terminal, first erase the line: a progress bar may be on it.
      constexpr std::string_view kMsg = "\r\033[Ktfhub: interrupted; stopping and cleaning up (again to exit now)\n";
      constexpr size_t kEraseLine = std::string_view("\r\033[K").size();
      const std::string_view msg = isatty(STDERR_FILENO) ? kMsg : kMsg.substr(kEraseLine);
      if (write(STDERR_FILENO, msg.data(), msg.size()) < 0) {
      }
    }
  }).detach();
}

const std::atomic<bool>* InterruptFlag() { return &g_interrupted; }

int InterruptSignal() { return g_signal.load(); }

}  // namespace tfhub::cli
