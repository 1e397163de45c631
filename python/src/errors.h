// tfhub.Error from C++: a non-OK tfhub::Status becomes the Python exception
// of its code (python/tfhub/errors.py maps codes to classes).
//
// Contract: StatusError carries a Status out of binding code; the
// translator registered by RegisterStatusTranslator() turns it into
// tfhub.errors.from_status(code_name, message) raised in Python. Throwing
// it needs no GIL; translating happens with the GIL held (pybind11 does it).
#pragma once

#include <pybind11/pybind11.h>

#include <exception>
#include <utility>

#include "tfhub/status.h"

namespace tfhub::python {

class StatusError : public std::exception {
 public:
  explicit StatusError(Status status) : status_(std::move(status)) {}
  const Status& status() const { return status_; }
  const char* what() const noexcept override { return status_.message().c_str(); }

 private:
  Status status_;
};

// Throws StatusError unless `status` is OK.
inline void ThrowIfError(const Status& status) {
  if (!status.ok()) throw StatusError(status);
}

void RegisterStatusTranslator();

}  // namespace tfhub::python
