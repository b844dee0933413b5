// The seed's test driver: "hello" when loaded, "goodbye" when removed. Keeps a buffer from its tracked
// allocator for its lifetime, and greets whoever is named by the parameter string ("name=world").
#include "module/module_api.h"

namespace {

char* greeting;

int hello_init(const char* parameters) {
    const char* name = "blog_os";
    if (parameters && parameters[0] == 'n' && parameters[1] == 'a' && parameters[2] == 'm' &&
        parameters[3] == 'e' && parameters[4] == '=')
        name = parameters + 5;
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
MODULE_INIT(hello_init);
MODULE_EXIT(hello_exit);
