// The module utilities, as kmod's: insmod (finit_module, init_module when that is refused), rmmod
// (delete_module), lsmod (/proc/modules as a table), modinfo (the .modinfo strings of a .ko, read by
// libs/module's parser without loading anything). A refused insmod also shows what the kernel logged
// about it, since the errno alone ("Invalid module format") does not say why.
#include "toolbox.h"

#include "module/linker.h"
#include "module/object_file.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace toolbox {

namespace {

constexpr const char* module_directory = "/lib/modules";

// kmod's wording for the errors a module call gives.
const char* module_error_text(int error_number) {
    switch (error_number) {
    case ENOEXEC:
        return "Invalid module format";
    case ENOENT:
        return "Unknown symbol in module, or unknown parameter (see dmesg)";
    case EEXIST:
        return "Module already in kernel";
    default:
        return strerror(error_number);
    }
}

// A module's name from a file argument: the last component without ".ko" (std::string needs the
// locale support musl lacks: a buffer does).
struct ModuleName {
    char text[PATH_MAX];
};
ModuleName module_name_of(const char* argument) {
    ModuleName name;
    const char* slash = strrchr(argument, '/');
    snprintf(name.text, sizeof name.text, "%s", slash ? slash + 1 : argument);
    size_t length = strlen(name.text);
    if (length > 3 && strcmp(name.text + length - 3, ".ko") == 0)
        name.text[length - 3] = '\0';
    return name;
}

// /dev/kmsg positioned at its end: what the kernel logs from now on.
int open_new_kernel_messages() {
    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    if (fd >= 0)
        lseek(fd, 0, SEEK_END);
    return fd;
}

// Prints the errors and warnings logged since open_new_kernel_messages (Linux priorities 0-4).
void show_new_kernel_messages(int fd) {
    if (fd < 0)
        return;
    char record[1024];
    for (;;) {
        ssize_t got = read(fd, record, sizeof record - 1);
        if (got < 0 && (errno == EPIPE || errno == EINTR))
            continue;
        if (got <= 0)
            break;
        record[got] = '\0';
        char* semicolon = strchr(record, ';');
        unsigned priority = 7;
        if (semicolon == nullptr || sscanf(record, "%u", &priority) != 1 || (priority & 7) > 4)
            continue;
        char* text = semicolon + 1;
        if (char* newline = strchr(text, '\n'))
            *newline = '\0';
        note("%s: kernel: %s", program_name(), text);
    }
    close(fd);
}

bool read_file(const char* path, std::vector<uint8_t>& bytes) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    char buffer[8192];
    for (;;) {
        ssize_t got = read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return false;
        }
        if (got == 0)
            break;
        bytes.insert(bytes.end(), buffer, buffer + got);
    }
    close(fd);
    return true;
}

} // namespace

int insmod_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "f");
    parser.stop_at_first_operand(); // module parameters may start with '-'
    for (int code; (code = parser.next()) != OptionParser::end;)
        if (code != 'f') // forcing is accepted and means nothing: the kernel never skips its checks
            handle_common_option(code);
    const std::vector<char*>& operands = parser.operands();
    if (operands.empty()) {
        error("missing filename");
        exit_with_usage_error();
    }
    const char* path = operands[0];
    std::vector<char> parameters;
    for (size_t index = 1; index < operands.size(); ++index) {
        if (!parameters.empty())
            parameters.push_back(' ');
        parameters.insert(parameters.end(), operands[index], operands[index] + strlen(operands[index]));
    }
    parameters.push_back('\0');
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error("ERROR: could not load module %s: %s", path, strerror(errno));
        return 1;
    }
    int messages = open_new_kernel_messages();
    long result = syscall(SYS_finit_module, fd, parameters.data(), 0);
    if (result != 0 && errno == ENOSYS) {
        std::vector<uint8_t> image;
        if (read_file(path, image))
            result = syscall(SYS_init_module, image.data(), image.size(), parameters.data());
    }
    int saved = errno;
    close(fd);
    if (result != 0) {
        error("ERROR: could not insert module %s: %s", path, module_error_text(saved));
        show_new_kernel_messages(messages);
        return 1;
    }
    if (messages >= 0)
        close(messages);
    return 0;
}

int rmmod_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "fw");
    for (int code; (code = parser.next()) != OptionParser::end;)
        if (code != 'f' && code != 'w')
            handle_common_option(code);
    if (parser.operands().empty()) {
        error("missing module name");
        exit_with_usage_error();
    }
    int status = 0;
    for (char* operand : parser.operands()) {
        ModuleName module = module_name_of(operand);
        const char* name = module.text;
        if (syscall(SYS_delete_module, name, O_NONBLOCK) == 0)
            continue;
        status = 1;
        if (errno == ENOENT)
            error("ERROR: Module %s is not currently loaded", name);
        else if (errno == EWOULDBLOCK || errno == EBUSY)
            error("ERROR: Module %s is in use", name);
        else
            error("ERROR: could not remove module %s: %s", name, strerror(errno));
    }
    return status;
}

int lsmod_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "");
    for (int code; (code = parser.next()) != OptionParser::end;)
        handle_common_option(code);
    FILE* file = fopen("/proc/modules", "r");
    if (file == nullptr) {
        error_errno(errno, "cannot open /proc/modules");
        return 1;
    }
    printf("Module                  Size  Used by\n");
    char line[512];
    while (fgets(line, sizeof line, file)) {
        char name[64], users[256];
        unsigned long size;
        long references;
        if (sscanf(line, "%63s %lu %ld %255s", name, &size, &references, users) != 4)
            continue;
        printf("%-19s %8lu  %ld", name, size, references);
        if (strcmp(users, "-") != 0) {
            size_t length = strlen(users);
            if (length > 0 && users[length - 1] == ',')
                users[length - 1] = '\0';
            printf(" %s", users);
        }
        printf("\n");
    }
    fclose(file);
    return 0;
}

int modinfo_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "F:");
    const char* field = nullptr;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'F')
            field = parser.argument();
        else
            handle_common_option(code);
    }
    if (parser.operands().empty()) {
        error("missing module or filename");
        exit_with_usage_error();
    }
    int status = 0;
    for (char* operand : parser.operands()) {
        // A name without a slash or ".ko" is looked up in /lib/modules.
        char path[PATH_MAX];
        if (strchr(operand, '/') == nullptr && strcmp(module_name_of(operand).text, operand) == 0)
            snprintf(path, sizeof path, "%s/%s.ko", module_directory, operand);
        else
            snprintf(path, sizeof path, "%s", operand);
        std::vector<uint8_t> bytes;
        if (!read_file(path, bytes)) {
            error("ERROR: Module %s not found.", operand);
            status = 1;
            continue;
        }
        module::Diagnostic diagnostic;
        auto object = module::ObjectFile::parse(ktl::ByteReader(bytes.data(), bytes.size()), diagnostic);
        if (object.is_error()) {
            error("ERROR: %s: %.*s", path, int(diagnostic.text().length()), diagnostic.text().data());
            status = 1;
            continue;
        }
        if (field == nullptr)
            printf("%-16s%s\n", "filename:", path);
        else if (strcmp(field, "filename") == 0)
            printf("%s\n", path);
        auto listed = module::for_each_modinfo(
            object.value(),
            [&](ktl::StringView key, ktl::StringView value) {
                if (field == nullptr)
                    printf("%.*s:%*s%.*s\n", int(key.length()), key.data(),
                           key.length() < 15 ? int(15 - key.length()) : 0, "", int(value.length()),
                           value.data());
                else if (key == ktl::StringView(field))
                    printf("%.*s\n", int(value.length()), value.data());
            },
            diagnostic);
        if (listed.is_error()) {
            error("ERROR: %s: %.*s", path, int(diagnostic.text().length()), diagnostic.text().data());
            status = 1;
        }
    }
    return status;
}

} // namespace toolbox
