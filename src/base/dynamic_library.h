// base::DynamicLibrary — a shared library opened with dlopen() on first use.
//
// Why: a cache hit must cost a few milliseconds per CLI process, and merely
// mapping and relocating libcurl, libarchive, ISA-L and libcrypto (with their
// ~40 dependencies) at program start costs more than that. So the download
// stack is not linked; its entry points are resolved from these handles the
// first time a download needs them (see net/curl_api.h, archive/libarchive_api.h,
// archive/isal_api.h, base/crypto_api.h). Each API table is a struct of
// function pointers typed with decltype() of the real declarations, so the
// compiler still checks every call against the library's own headers.
//
// Thread safety: Open() and Symbol() are safe from any thread.
#pragma once

#include <string>

#include "tfhub/result.h"

namespace tfhub::base {

class DynamicLibrary {
 public:
  // Opens `soname` (e.g. "libcurl.so.4"). The library stays loaded for the
  // life of the process. Errors: FailedPrecondition naming the library, the
  // Debian package that ships it, and dlerror()'s text.
  static Result<DynamicLibrary> Open(const std::string& soname, const std::string& package);

  // The address of `name`; FailedPrecondition if the library lacks it.
  Result<void*> Symbol(const char* name) const;

  // Resolves `name` into `*fn` (typed function pointer).
  template <typename Fn>
  Status Bind(const char* name, Fn* fn) const {
    TFHUB_ASSIGN_OR_RETURN(void* p, Symbol(name));
    *fn = reinterpret_cast<Fn>(p);
    return Status::Ok();
  }

 private:
  DynamicLibrary(void* handle, std::string soname) : handle_(handle), soname_(std::move(soname)) {}
  void* handle_;
  std::string soname_;
};

}  // namespace tfhub::base

// Binds api->field to the library symbol of the same name.
#define TFHUB_BIND(lib, api, symbol) TFHUB_RETURN_IF_ERROR((lib).Bind(#symbol, &(api)->symbol))
