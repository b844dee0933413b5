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
    // The frame holding page `index` (made if it is a hole); BadAddress past the object's end, as
    // Linux's SIGBUS. `write`: the page is about to be written through a shared mapping.
    virtual ktl::ErrorOr<uint64_t> frame_for(uint64_t index, bool write) = 0;
};

} // namespace mm
