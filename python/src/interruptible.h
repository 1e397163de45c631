// Runs blocking tfhub work from Python without holding the GIL, and lets
// Ctrl-C cancel it.
//
// Contract: RunInterruptible(work) calls work(cancel) on a new thread (all
// asynchronous signals blocked there, so they reach Python's own handler
// on the main thread and never interrupt the work's system calls). The
// calling thread releases the GIL and waits in 100 ms slices; between
// slices it takes the GIL briefly and runs PyErr_CheckSignals(). When that
// reports an exception (KeyboardInterrupt from SIGINT, or whatever a Python
// signal handler raised), *cancel becomes true, the work is waited for
// (tfhub stops within about a second, removing its temp dir and lock) and
// the Python exception is raised; the work's result is dropped. Otherwise
// the work's result is returned, or its C++ exception rethrown.
//
// Requires the GIL on entry. Python signal handlers only run on the main
// thread; called from another thread, the work is not cancellable
// (PyErr_CheckSignals() does nothing there).
#pragma once

#include <pybind11/pybind11.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

namespace tfhub::python {

namespace internal {
inline void BlockAsyncSignals() {
  sigset_t set;
  sigfillset(&set);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS}) sigdelset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}
}  // namespace internal

template <typename F>
auto RunInterruptible(F&& work) -> decltype(work(static_cast<const std::atomic<bool>*>(nullptr))) {
  using T = decltype(work(static_cast<const std::atomic<bool>*>(nullptr)));
  std::atomic<bool> cancel{false};
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::optional<T> result;
  std::exception_ptr error;
  bool interrupted = false;
  {
    pybind11::gil_scoped_release release;
    std::thread worker([&] {
      internal::BlockAsyncSignals();
      try {
        result.emplace(work(&cancel));
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mu);
      done = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    while (!done) {
      cv.wait_for(lock, std::chrono::milliseconds(100));
      if (done || interrupted) continue;
      lock.unlock();
      {
        pybind11::gil_scoped_acquire gil;
        // The exception stays set in this thread's state until raised below.
        if (PyErr_CheckSignals() != 0) interrupted = true;
      }
      if (interrupted) cancel.store(true);
      lock.lock();
    }
    lock.unlock();
    worker.join();
  }
  if (interrupted) throw pybind11::error_already_set();
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

}  // namespace tfhub::python
