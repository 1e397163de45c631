#include "archive/libarchive_api.h"

#include "base/dynamic_library.h"

namespace tfhub::archive {

namespace {
Result<const LibarchiveApi*> Load() {
  TFHUB_ASSIGN_OR_RETURN(auto lib, base::DynamicLibrary::Open("libarchive.so.13", "libarchive13"));
  static LibarchiveApi api;
  TFHUB_BIND(lib, &api, archive_read_new);
  TFHUB_BIND(lib, &api, archive_read_support_format_tar);
  TFHUB_BIND(lib, &api, archive_read_support_filter_all);
  TFHUB_BIND(lib, &api, archive_read_open);
  TFHUB_BIND(lib, &api, archive_read_next_header);
  TFHUB_BIND(lib, &api, archive_read_data_block);
  TFHUB_BIND(lib, &api, archive_read_free);
  TFHUB_BIND(lib, &api, archive_error_string);
  TFHUB_BIND(lib, &api, archive_set_error);
  TFHUB_BIND(lib, &api, archive_entry_pathname);
  TFHUB_BIND(lib, &api, archive_entry_pathname_utf8);
  TFHUB_BIND(lib, &api, archive_entry_hardlink);
  TFHUB_BIND(lib, &api, archive_entry_filetype);
  TFHUB_BIND(lib, &api, archive_entry_size);
  TFHUB_BIND(lib, &api, archive_entry_size_is_set);
  return &api;
}
}  // namespace

Result<const LibarchiveApi*> Libarchive() {
  static const Result<const LibarchiveApi*> api = Load();
  return api;
}

}  // namespace tfhub::archive
