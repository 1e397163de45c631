#include "base/dynamic_library.h"

#include <dlfcn.h>

namespace tfhub::base {

Result<DynamicLibrary> DynamicLibrary::Open(const std::string& soname, const std::string& package) {
  void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = dlerror();
    return FailedPreconditionError("cannot load " + soname + " (Debian package " + package +
                                   "): " + (err ? err : "unknown error"));
  }
  return DynamicLibrary(handle, soname);
}

Result<void*> DynamicLibrary::Symbol(const char* name) const {
  dlerror();
  void* p = dlsym(handle_, name);
  if (p == nullptr) {
    const char* err = dlerror();
    return FailedPreconditionError(soname_ + " lacks " + name + ": " + (err ? err : "null symbol"));
  }
  return p;
}

}  // namespace tfhub::base
