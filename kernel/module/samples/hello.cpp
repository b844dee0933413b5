// The seed's test driver: "hello" when loaded, "goodbye" when removed. Keeps a buffer from its tracked
// allocator for its lifetime, and greets whoever its parameter names (insmod hello.ko name=world;
// /sys/module/hello/parameters/name shows it).
#include "module/module_api.h"

namespace {

char name[32] = "blog_os";
char* greeting;

int hello_init(const char*) {
    size_t length = strlen(name);
    greeting = new (std::nothrow) char[length + 1];
    if (!greeting)
        return -12; // ENOMEM
    memcpy(greeting, name, length + 1);
    module_info("hello, %s", greeting);
    return 0;
}

void hello_exit() {
    module_info("goodbye, %s", greeting);
    delete[] greeting;
}

} // namespace

MODULE_NAME("hello");
MODULE_VERSION("1.0");
MODULE_DESCRIPTION("says hello when loaded and goodbye when removed");
MODULE_AUTHOR("blog_os");
MODULE_LICENSE("MIT");
MODULE_PARAMETER(name, "whom to greet");
MODULE_INIT(hello_init);
MODULE_EXIT(hello_exit);
