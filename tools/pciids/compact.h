// pci.ids (the PCI ID Repository's text format, Debian package `pci.ids`) parsed as hostile input and
// written in the compact form libs/toolbox/pci_ids.h reads.
//
// Documented choices:
//  * Lines: `vvvv  name` (vendor), TAB `dddd  name` (device), TAB TAB `ssss ssss  name` (subsystem),
//    `C cc  name` (class), TAB `ss  name` (subclass), TAB TAB `pp  name` (prog-if). `#` comments,
//    blank lines and a trailing CR are ignored.
//  * A line that fits none of these, or whose parent is missing (a device before any vendor), is
//    skipped and counted; so is a second entry with an id already seen under the same parent (the
//    first wins) and an entry without a name. Nothing else stops the parse.
//  * Names lose leading and trailing blanks, control characters become '?' (names reach terminals),
//    and are cut at max_name_length bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pciids {

inline constexpr size_t max_name_length = 256;

struct Leaf {
    uint32_t id; // subsystems: subvendor << 16 | subdevice
    std::string name;
};
struct Node {
    uint32_t id;
    std::string name;
    std::vector<Leaf> children;
};
struct Tree {
    uint32_t id;
    std::string name;
    std::vector<Node> children;
};

struct Database {
    std::vector<Tree> vendors; // devices, then subsystems
    std::vector<Tree> classes; // subclasses, then prog-ifs
};

struct ParseReport {
    size_t malformed_lines = 0; // no known shape, bad hex, or no name
    size_t orphans = 0;         // no parent to hang from
    size_t duplicates = 0;      // an id seen before under the same parent
};

ParseReport parse(std::string_view text, Database& out);

// Sorts every list by id and writes the compact form; names are stored once however often they
// occur. Empty when a list is too long for the format (more than 65535 children of one parent).
std::vector<uint8_t> write_compact(Database database);

} // namespace pciids
