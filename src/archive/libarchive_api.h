// archive::LibarchiveApi — the libarchive entry points tfhub uses, loaded on
// first use (see base/dynamic_library.h for why libarchive is not linked).
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "tfhub/result.h"

namespace tfhub::archive {

struct LibarchiveApi {
  decltype(&::archive_read_new) archive_read_new;
  decltype(&::archive_read_support_format_tar) archive_read_support_format_tar;
  decltype(&::archive_read_support_filter_all) archive_read_support_filter_all;
  decltype(&::archive_read_open) archive_read_open;
  decltype(&::archive_read_next_header) archive_read_next_header;
  decltype(&::archive_read_data_block) archive_read_data_block;
  decltype(&::archive_read_free) archive_read_free;
  decltype(&::archive_error_string) archive_error_string;
  decltype(&::archive_set_error) archive_set_error;
  decltype(&::archive_entry_pathname) archive_entry_pathname;
  decltype(&::archive_entry_pathname_utf8) archive_entry_pathname_utf8;
  decltype(&::archive_entry_hardlink) archive_entry_hardlink;
  decltype(&::archive_entry_filetype) archive_entry_filetype;
  decltype(&::archive_entry_size) archive_entry_size;
  decltype(&::archive_entry_size_is_set) archive_entry_size_is_set;
};

// Loads libarchive.so.13 once. Errors: FailedPrecondition when missing.
Result<const LibarchiveApi*> Libarchive();

}  // namespace tfhub::archive
