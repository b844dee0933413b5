// The memory character devices of Linux's major 1: null (1:3), zero (1:5), full (1:7), random
// (1:8), urandom (1:9) and kmsg (1:11).
#pragma once

namespace dev {

void register_memory_devices();

} // namespace dev
