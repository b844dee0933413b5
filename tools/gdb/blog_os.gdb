# gdb setup for blog_os, sourced by `make gdb` (runner --gdb) after the kernel's symbols are loaded.
# The kernel is linked at its run-time addresses, so `file kernel.elf` is all the symbol setup needed.
#
# Commands added here:
#   blog-boot-info        the BootInfo the kernel parsed from Multiboot2
#   blog-tests            the in-kernel tests linked into this kernel (name, file:line)
#   blog-walk ADDRESS     walk a virtual address through the current page tables (CR3)
#   blog-break-entry      stop at the first C++ line (kernel_entry)
#   blog-tasks            the scheduler's tasks: id, name, state, where each one is stopped

set pagination off
set print pretty on
set disassemble-next-line auto
# Higher-half code is not mapped before the 32-bit entry turns paging on: software breakpoints cannot
# be planted there from the start, hardware ones can.
set breakpoint pending on

python
import os
import gdb

# Sources are compiled with paths relative to the repository root (-ffile-prefix-map); `make gdb`
# runs from there, and the kernel ELF sits in build/<profile>/kernel/ below it.
kernel_file = gdb.current_progspace().filename or ""
for candidate in (os.getcwd(), os.path.join(os.path.dirname(kernel_file), "..", "..", "..")):
    if os.path.isdir(os.path.join(candidate, "kernel", "arch")):
        gdb.execute("directory " + os.path.abspath(candidate), to_string=True)
        break

DIRECT_MAP_BASE = 0xffff800000000000


def read_u64(address):
    inferior = gdb.selected_inferior()
    return int.from_bytes(inferior.read_memory(address, 8).tobytes(), "little")


class BootInfoCommand(gdb.Command):
    """Print the BootInfo the kernel built from the Multiboot2 information."""

    def __init__(self):
        super().__init__("blog-boot-info", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        gdb.execute("print '(anonymous namespace)::boot_info'")


class KernelTestsCommand(gdb.Command):
    """List the in-kernel tests (the .kernel_tests section)."""

    def __init__(self):
        super().__init__("blog-tests", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        start = int(gdb.parse_and_eval("(unsigned long)&__kernel_tests_start"))
        end = int(gdb.parse_and_eval("(unsigned long)&__kernel_tests_end"))
        test_type = gdb.lookup_type("ktest::KernelTest")
        count = (end - start) // test_type.sizeof
        for index in range(count):
            test = gdb.parse_and_eval("((ktest::KernelTest*)%#x)[%d]" % (start, index))
            print("%-70s %s:%d" % (test["name"].string(), test["file"].string(), int(test["line"])))
        print("%d kernel tests" % count)


class WalkCommand(gdb.Command):
    """Walk a virtual address through the current page tables: blog-walk ADDRESS."""

    def __init__(self):
        super().__init__("blog-walk", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        address = int(gdb.parse_and_eval(argument)) & 0xffffffffffffffff
        table = int(gdb.parse_and_eval("$cr3")) & 0x000ffffffffff000
        names = ["PML4", "PDPT", "PD", "PT"]
        for level in range(4):
            shift = 39 - 9 * level
            index = (address >> shift) & 0x1ff
            entry = read_u64(DIRECT_MAP_BASE + table + index * 8)
            flags = []
            for bit, name in ((0, "P"), (1, "W"), (2, "U"), (3, "PWT"), (4, "PCD"), (5, "A"), (6, "D"), (7, "PS"), (8, "G"), (63, "NX")):
                if entry & (1 << bit):
                    flags.append(name)
            print("%-4s[%3d] = %#018x  %s" % (names[level], index, entry, " ".join(flags)))
            if not entry & 1:
                print("not mapped")
                return
            physical = entry & 0x000ffffffffff000
            if level in (1, 2) and entry & (1 << 7):
                page_size = 1 << shift
                print("-> physical %#x (%s page)" % ((physical & ~(page_size - 1)) + (address & (page_size - 1)), "1 GiB" if level == 1 else "2 MiB"))
                return
            table = physical
        print("-> physical %#x (4 KiB page)" % (table + (address & 0xfff)))


class TasksCommand(gdb.Command):
    """List the scheduler's tasks and where each waits (the return address of its last switch)."""

    def __init__(self):
        super().__init__("blog-tasks", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        tasks = gdb.parse_and_eval("'sched::(anonymous namespace)::task_list'.m_value.tasks")
        current = int(gdb.parse_and_eval("(unsigned long)sched::detail::current_task"))
        node = tasks["m_head"]
        count = 0
        # A task's list node is its only base class, at offset 0.
        while int(node) != 0 and count < 100000:
            task = gdb.parse_and_eval("*(sched::Task*)%#x" % int(node))
            name = task["name"].string()
            state = str(task["state"]).split("::")[-1]
            if int(node) == current:
                where = "running now"
            else:
                # switch_stacks pushed six registers below its return address.
                resume = read_u64(int(task["saved_stack_pointer"]) + 6 * 8)
                where = "resumes at " + str(gdb.parse_and_eval("(void*)%#x" % resume))
            print("%5d %-16s %-9s %s" % (int(task["id"]), name, state, where))
            node = node["next_node"]
            count += 1
        print("%d tasks" % count)


BootInfoCommand()
KernelTestsCommand()
WalkCommand()
TasksCommand()
end

define blog-break-entry
    hbreak kernel_entry
    continue
end
document blog-break-entry
Stop at kernel_entry, the first C++ function (a hardware breakpoint: paging is not on yet at reset).
end

echo blog_os: QEMU is stopped before the firmware. Try: blog-break-entry, then bt, blog-boot-info, blog-tests, blog-walk $rip\n
