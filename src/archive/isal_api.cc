#include "archive/isal_api.h"

#include "base/dynamic_library.h"

namespace tfhub::archive {

namespace {
Result<const IsalApi*> Load() {
  TFHUB_ASSIGN_OR_RETURN(auto lib, base::DynamicLibrary::Open("libisal.so.2", "libisal2"));
  static IsalApi api;
  TFHUB_BIND(lib, &api, isal_inflate_init);
  TFHUB_BIND(lib, &api, isal_inflate_reset);
  TFHUB_BIND(lib, &api, isal_inflate);
  TFHUB_BIND(lib, &api, crc32_iscsi);
  TFHUB_BIND(lib, &api, isal_inflate_set_dict);
  TFHUB_BIND(lib, &api, crc32_gzip_refl);
  return &api;
}
}  // namespace

Result<const IsalApi*> Isal() {
  static const Result<const IsalApi*> api = Load();
  return api;
}

}  // namespace tfhub::archive
