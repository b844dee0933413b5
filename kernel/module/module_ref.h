// What the rest of the kernel needs to keep a module in memory while it uses something the module
// registered (a character device's open file): try_get before, put after. A module being removed
// refuses try_get, so nothing new reaches it; delete_module refuses with EBUSY while any hold remains.
#pragma once

namespace module {

class Module;

// False once the module is being removed.
[[nodiscard]] bool try_get(Module* module);
void put(Module* module);

} // namespace module
