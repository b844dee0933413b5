// Packing a host directory tree into a newc initrd with cpio::Writer: the code behind tools/mkinitrd,
// shared with the runner's --initrd=DIR so both make the same bytes from the same tree.
//
// The archive depends only on the tree's names, types, contents, executable bits and symlink targets:
//  - a sorted walk (byte order of the names, each directory before its contents);
//  - names relative to the root, without a leading "/" ("init", "bin/hello"); the root itself is not
//    an entry;
//  - regular files get 0644 plus the executable bits they have, directories 0755, symlinks 0777 (the
//    other bits depend on the host's umask and checkout); mtime, uid and gid 0, inodes in order;
//  - a symlink is stored as a symlink, never followed; hard links become independent copies;
//  - fifos, sockets and devices are refused, naming the path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mkinitrd {

struct PackResult {
    std::vector<uint8_t> archive; // complete, with the trailer; empty on error
    size_t entries = 0;           // the trailer not included
    std::string error;            // empty on success; names the path at fault
};

PackResult pack_directory(const std::string& root);

enum class WriteOutcome { Written, Unchanged, Failed };

// Writes bytes to path (through a temporary file beside it and a rename), unless path already holds
// exactly these bytes: then the file and its mtime stay as they are, so build rules depending on it
// do not rerun. On Failed, error says why.
WriteOutcome write_if_changed(const std::string& path, const std::vector<uint8_t>& bytes, std::string& error);

// The whole command line of `mkinitrd --output=FILE DIR`; returns the exit status (0, 1 on failure,
// 64 for bad usage) and leaves what it would print in out and err.
int run_mkinitrd(const std::vector<std::string>& args, std::string& out, std::string& err);

} // namespace mkinitrd
