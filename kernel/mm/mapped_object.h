// What a file mapping maps: an object (a tmpfs file, later a page-cache file) that hands an address
// space the frames holding its pages. The frames stay the object's: an address space maps them
// marked Shared and never frees them; a private mapping copies a page before its first write.
#pragma once

#include "ktl/error_or.h"
#include "ktl/ref_ptr.h"

#include <cstdint>

namespace mm {

class MappedObject : public ktl::RefCounted<MappedObject> {
public:
    virtual ~MappedObject() = default;
    enum class Access : uint8_t {
        ReadPrivate, // a private mapping reads: a hole may be the shared zero page (zero_frame)
        ReadShared,  // a shared mapping reads: the file's own page, made for a hole, so later
                     // writes through read(2)'s side show in the mapping
        Write,       // a shared mapping writes: the file's own page, and the file is modified
    };
    // The frame holding page `index`; BadAddress past the object's end, as Linux's SIGBUS.
    virtual ktl::ErrorOr<uint64_t> frame_for(uint64_t index, Access access) = 0;
    // The frame of page `index` if the object has one already (0 for a hole or past the end):
    // fault-around maps these without making anything.
    virtual uint64_t existing_frame(uint64_t) { return 0; }
    // What the pages belong to, the same for every mapping of one file (each mmap may get an object
    // of its own): shared futexes are keyed by it, so processes mapping one file meet.
    virtual const void* identity() const { return this; }
    // Frames that are device memory (a framebuffer) rather than RAM: mapped uncached, never copied
    // (so only MAP_SHARED maps them) and past the direct map.
    virtual bool is_device_memory() const { return false; }
};

// One zeroed frame the kernel never writes, mapped read-only wherever a hole is read.
ktl::ErrorOr<uint64_t> zero_frame();

} // namespace mm
