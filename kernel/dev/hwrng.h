// The hardware RNG core: drivers of random-number devices register sources (modules through
// module_hwrng_register in module/virtio_driver_api.h, kernel/module/hwrng_module_api.cpp); the core owns
// /dev/hwrng (10:183, Linux's misc device: raw bytes from the first source) while any source exists, and a
// task that mixes 64 bytes into the random pool when the first source arrives and every minute after. Reads
// are serialised, and unregister_source waits for the one running, so a source's code may go as soon as it
// returns. Opening /dev/hwrng pins the module of the source it reads from (rmmod: in use).
#pragma once

#include "ktl/error_or.h"
#include "module/module_ref.h"

#include <cstddef>
#include <cstdint>

namespace dev::hwrng {

struct Source {
    const char* name = nullptr;
    // Up to `length` bytes into `buffer`; may sleep.
    ktl::ErrorOr<size_t> (*read)(void* context, void* buffer, size_t length) = nullptr;
    void* context = nullptr;
    // The module whose code `read` is, or null: an open /dev/hwrng pins the first source's module,
    // so rmmod says it is in use (EWOULDBLOCK) until the file is closed.
    module::Module* owner = nullptr;
};

// NoMemory, or an error registering /dev/hwrng; Exists for a source registered twice.
ktl::ErrorOr<void> register_source(Source& source);
void unregister_source(Source& source);

// Up to `length` bytes from the first source (what /dev/hwrng reads); NoDevice without one.
ktl::ErrorOr<size_t> read(void* buffer, size_t length);

struct Statistics {
    uint32_t sources = 0;
    uint64_t requests = 0;
    uint64_t bytes_read = 0;
    uint64_t bytes_credited = 0; // mixed into the random pool by the feeding task
};
Statistics statistics();

} // namespace dev::hwrng
