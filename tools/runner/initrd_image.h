// --initrd: the copy of the ISO that boots with another initrd. A directory is packed first with the
// code of tools/mkinitrd (same tree, same bytes); a file is used as it is (a warning if it is not a
// valid newc archive: booting the kernel with a bad one on purpose is allowed). xorriso then writes
// the copy with /boot/initrd.cpio replaced (see build_xorriso_replace_argv).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace runner {

struct InitrdImage {
    std::string iso;                     // the copy to boot; empty on error or for the archive alone
    std::string archive;                 // the archive that went into it
    size_t archive_size = 0;             // in bytes: what the kernel logs for the module "initrd"
    size_t entries = 0;                  // when valid (packed or checked)
    bool packed = false;                 // made from a directory
    std::vector<std::string> warnings;   // lines to show, without the "runner: " prefix
    std::string error;                   // why there is no copy, without the "runner: " prefix
    std::vector<std::string> temp_files; // made in temp_directory, for the caller to remove
};

// The archive alone (iso stays empty): a directory packed into temp_directory, or a file checked.
// --linux hands it to QEMU's -initrd.
InitrdImage prepare_initrd_archive(const std::string& initrd, const std::string& temp_directory);

// Makes temp_directory/blog_os-initrd.iso from base_iso and `initrd` (a directory or a file).
InitrdImage make_initrd_image(const std::string& base_iso, const std::string& initrd,
                              const std::string& temp_directory);

} // namespace runner
