/* Builds a small tree in a scratch directory under /tmp, renames, links and truncates in it, lists
 * it, tries calls that must fail, and removes it. Plain C for musl-gcc -static: the e2e test runs
 * it on the Linux host and as blog_os's first process and compares the two outputs byte for byte,
 * so nothing machine-specific (inode or device numbers, times, pids, the scratch path, directory
 * sizes, which depend on the file system) is printed. Everything between the markers is compared.
 * Directory link counts are printed: ext4, xfs and tmpfs all count 2 + subdirectories (a host /tmp
 * on btrfs, which counts 1, would differ). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define BEGIN_MARKER "=== tree_walk begin ==="
#define END_MARKER "=== tree_walk end ==="

static int failures;

/* A call that must succeed: on failure, say which and why, and count it. */
static void check(int result, const char* what) {
    if (result < 0) {
        printf("FAILED %s: %s\n", what, strerror(errno));
        ++failures;
    }
}

/* A call that must fail: print the error text (or that it succeeded). */
static void expect_error(int result, const char* what) {
    if (result >= 0)
        printf("error %s: succeeded\n", what);
    else
        printf("error %s: %s\n", what, strerror(errno));
    if (result >= 0 && what[0] == 'o') /* an open that succeeded: close what it returned */
        close(result);
}

static void write_file(const char* path, const char* text, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    check(fd, path);
    if (fd < 0)
        return;
    size_t length = strlen(text);
    if (write(fd, text, length) != (ssize_t)length)
        check(-1, "write");
    check(close(fd), "close");
}

static void print_escaped(const char* bytes, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        unsigned char c = (unsigned char)bytes[i];
        if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\\')
            fputs("\\\\", stdout);
        else if (c < 32 || c > 126)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

static const char* type_of(mode_t mode) {
    if (S_ISREG(mode))
        return "file";
    if (S_ISDIR(mode))
        return "dir";
    if (S_ISLNK(mode))
        return "symlink";
    if (S_ISFIFO(mode))
        return "fifo";
    if (S_ISCHR(mode))
        return "chardev";
    if (S_ISBLK(mode))
        return "blockdev";
    if (S_ISSOCK(mode))
        return "socket";
    return "unknown";
}

/* Files seen so far in the walk, to name the first path of an inode met again. */
static struct {
    dev_t device;
    ino_t inode;
    char path[512];
} seen[64];
static int seen_count;

static int compare_names(const void* a, const void* b) {
    return strcmp(*(char* const*)a, *(char* const*)b);
}

static void walk(const char* directory, int depth) {
    DIR* stream = opendir(directory);
    if (!stream) {
        printf("FAILED opendir %s: %s\n", directory, strerror(errno));
        ++failures;
        return;
    }
    char* names[64];
    int count = 0;
    struct dirent* entry;
    int saw_dot = 0, saw_dot_dot = 0;
    while ((entry = readdir(stream)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0) {
            saw_dot = 1;
            continue;
        }
        if (strcmp(entry->d_name, "..") == 0) {
            saw_dot_dot = 1;
            continue;
        }
        if (count < 64)
            names[count++] = strdup(entry->d_name);
    }
    closedir(stream);
    if (!saw_dot || !saw_dot_dot)
        printf("%*s(readdir of %s lacks . or ..)\n", depth * 2, "", directory);
    qsort(names, count, sizeof names[0], compare_names);
    for (int i = 0; i < count; ++i) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", directory, names[i]);
        struct stat status;
        if (lstat(path, &status) < 0) {
            printf("FAILED lstat %s: %s\n", path, strerror(errno));
            ++failures;
            continue;
        }
        printf("%*s%s %s mode %04o links %lu", depth * 2, "", names[i], type_of(status.st_mode),
               (unsigned)(status.st_mode & 07777), (unsigned long)status.st_nlink);
        if (!S_ISDIR(status.st_mode))
            printf(" size %lld", (long long)status.st_size);
        if (S_ISLNK(status.st_mode)) {
            char target[256];
            ssize_t length = readlink(path, target, sizeof target - 1);
            if (length >= 0) {
                target[length] = 0;
                printf(" -> %s", target);
            } else {
                printf(" readlink: %s", strerror(errno));
            }
            struct stat followed;
            if (stat(path, &followed) < 0)
                printf(" (dangling: %s)", strerror(errno));
            else
                printf(" (to a %s)", type_of(followed.st_mode));
        }
        if (S_ISREG(status.st_mode)) {
            int fd = open(path, O_RDONLY);
            char contents[64];
            ssize_t length = fd >= 0 ? read(fd, contents, sizeof contents) : -1;
            if (fd >= 0)
                close(fd);
            if (length >= 0) {
                printf(" \"");
                print_escaped(contents, (size_t)length);
                printf("\"");
            } else {
                printf(" read: %s", strerror(errno));
            }
            int first = -1;
            for (int j = 0; j < seen_count && first < 0; ++j)
                if (seen[j].device == status.st_dev && seen[j].inode == status.st_ino)
                    first = j;
            if (first >= 0) {
                printf(" same inode as %s", seen[first].path);
            } else if (seen_count < 64) {
                seen[seen_count].device = status.st_dev;
                seen[seen_count].inode = status.st_ino;
                snprintf(seen[seen_count].path, sizeof seen[seen_count].path, "%s", path);
                ++seen_count;
            }
        }
        putchar('\n');
        if (S_ISDIR(status.st_mode))
            walk(path, depth + 1);
        free(names[i]);
    }
}

static void list(const char* title) {
    printf("-- %s\n", title);
    struct stat status;
    if (stat(".", &status) == 0)
        printf(". dir mode %04o links %lu\n", (unsigned)(status.st_mode & 07777),
               (unsigned long)status.st_nlink);
    seen_count = 0;
    walk(".", 0);
}

static int count_entries(const char* directory) {
    DIR* stream = opendir(directory);
    if (!stream)
        return -1;
    int count = 0;
    struct dirent* entry;
    while ((entry = readdir(stream)) != NULL)
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            ++count;
    closedir(stream);
    return count;
}

static void remove_tree(const char* path) {
    struct stat status;
    if (lstat(path, &status) < 0)
        return;
    if (!S_ISDIR(status.st_mode)) {
        check(unlink(path), path);
        return;
    }
    DIR* stream = opendir(path);
    if (!stream)
        return;
    char* names[64];
    int count = 0;
    struct dirent* entry;
    while ((entry = readdir(stream)) != NULL)
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0 && count < 64)
            names[count++] = strdup(entry->d_name);
    closedir(stream);
    for (int i = 0; i < count; ++i) {
        char child[512];
        snprintf(child, sizeof child, "%s/%s", path, names[i]);
        remove_tree(child);
        free(names[i]);
    }
    if (strcmp(path, ".") != 0)
        check(rmdir(path), path);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("%s\n", BEGIN_MARKER);
    char scratch[] = "/tmp/tree_walk_XXXXXX";
    if (!mkdtemp(scratch)) {
        printf("FAILED mkdtemp: %s\n%s\n", strerror(errno), END_MARKER);
        return 1;
    }
    check(chdir(scratch), "chdir");
    umask(022); /* what it was is the caller's (the host test's umask, or the kernel's default) */
    printf("umask %04o\n", (unsigned)umask(022));

    /* The tree. */
    check(mkdir("docs", 0777), "mkdir docs");
    check(mkdir("docs/drafts", 0750), "mkdir docs/drafts");
    check(mkdir("docs/drafts/old", 0700), "mkdir docs/drafts/old");
    check(mkdir("src", 0755), "mkdir src");
    check(mkdir("empty", 0777), "mkdir empty");
    write_file("docs/readme.txt", "read me first\n", 0666);
    write_file("docs/drafts/plan.txt", "step one\nstep two\n", 0644);
    write_file("docs/drafts/old/notes", "scribbles", 0600);
    write_file("src/main.c", "int main(void) { return 0; }\n", 0777);
    write_file("src/private", "secret", 0666);
    check(chmod("src/private", 0640), "chmod src/private");
    write_file("exec.sh", "#!/bin/sh\necho hi\n", 0777);
    check(symlink("docs/readme.txt", "readme-link"), "symlink readme-link");
    check(symlink("../src", "docs/src-link"), "symlink docs/src-link");
    check(symlink("nowhere/at/all", "dangling"), "symlink dangling");
    check(symlink("loop-b", "loop-a"), "symlink loop-a");
    check(symlink("loop-a", "loop-b"), "symlink loop-b");
    check(link("docs/readme.txt", "src/readme-hard"), "link src/readme-hard");
    check(link("src/readme-hard", "readme-hard-2"), "link readme-hard-2");
    check(mkfifo("pipe", 0666), "mkfifo pipe");
    check(mknod("pipe2", S_IFIFO | 0640, 0), "mknod pipe2");
    list("created");

    /* Renames, links and truncation. */
    check(rename("docs/drafts/plan.txt", "docs/plan-final.txt"), "rename plan.txt");
    check(rename("docs/drafts", "archive"), "rename docs/drafts");
    check(rename("src/private", "archive/private"), "rename src/private");
    write_file("scratch", "to be replaced", 0666);
    check(rename("exec.sh", "scratch"), "rename exec.sh over scratch");
    check(mkdir("empty2", 0777), "mkdir empty2");
    check(rename("empty", "empty2"), "rename empty over empty2");
    check(rename("readme-hard-2", "src/readme-hard"), "rename a link over its own inode");
    check(link("archive/old/notes", "notes-link"), "link notes-link");
    check(unlink("archive/old/notes"), "unlink archive/old/notes");
    check(truncate("docs/readme.txt", 4), "truncate readme to 4");
    int fd = open("docs/plan-final.txt", O_RDWR);
    check(fd, "open plan-final");
    check(ftruncate(fd, 12), "ftruncate plan-final to 12");
    check(ftruncate(fd, 16), "ftruncate plan-final to 16");
    check(lseek(fd, 0, SEEK_END) == 16 ? 0 : -1, "seek to the end");
    check(write(fd, "!", 1) == 1 ? 0 : -1, "append");
    check(close(fd), "close plan-final");
    check(symlink("archive/old", "old-link"), "symlink old-link");
    check(rename("old-link", "link-to-old"), "rename a symlink");
    list("after renames, links and truncation");

    /* A file that is open when its last name goes. */
    fd = open("notes-link", O_RDONLY);
    check(fd, "open notes-link");
    check(unlink("notes-link"), "unlink notes-link");
    struct stat status;
    check(fstat(fd, &status), "fstat unlinked");
    char buffer[32] = {0};
    ssize_t got = read(fd, buffer, sizeof buffer - 1);
    printf("unlinked but open: links %lu size %lld read %zd \"%s\"\n", (unsigned long)status.st_nlink,
           (long long)status.st_size, got, buffer);
    check(close(fd), "close unlinked");

    /* The FIFO carries bytes once both ends are open. */
    expect_error(open("pipe", O_WRONLY | O_NONBLOCK), "open fifo for writing without a reader");
    int reader = open("pipe", O_RDONLY | O_NONBLOCK);
    check(reader, "open fifo reader");
    int writer = open("pipe", O_WRONLY | O_NONBLOCK);
    check(writer, "open fifo writer");
    check(write(writer, "through the fifo", 16) == 16 ? 0 : -1, "write fifo");
    memset(buffer, 0, sizeof buffer);
    got = read(reader, buffer, sizeof buffer - 1);
    printf("fifo read %zd \"%s\"\n", got, buffer);
    expect_error((int)read(reader, buffer, sizeof buffer), "read an empty fifo");
    check(close(writer), "close fifo writer");
    printf("fifo read after the writer closed: %zd\n", read(reader, buffer, sizeof buffer));
    check(close(reader), "close fifo reader");

    /* Calls that must fail. */
    expect_error(open("missing.txt", O_RDONLY), "open missing.txt");
    expect_error(open("docs/missing/x", O_RDONLY), "open docs/missing/x");
    expect_error(open("docs/readme.txt/x", O_RDONLY), "open docs/readme.txt/x");
    expect_error(open("docs/readme.txt", O_RDONLY | O_DIRECTORY), "open a file with O_DIRECTORY");
    expect_error(open("docs", O_WRONLY), "open a directory for writing");
    expect_error(open("docs/readme.txt", O_WRONLY | O_CREAT | O_EXCL, 0666), "open O_EXCL of a file");
    expect_error(open("dangling", O_WRONLY | O_CREAT | O_EXCL, 0666), "open O_EXCL of a dangling symlink");
    expect_error(open("loop-a", O_RDONLY), "open loop-a (ELOOP)");
    expect_error(open("readme-link", O_RDONLY | O_NOFOLLOW), "open a symlink with O_NOFOLLOW");
    expect_error(stat("loop-a/x", &status), "stat loop-a/x");
    expect_error(stat("dangling", &status), "stat dangling");
    expect_error(mkdir("docs", 0777), "mkdir docs");
    expect_error(mkdir("dangling", 0777), "mkdir dangling");
    expect_error(rmdir("docs"), "rmdir docs (not empty)");
    expect_error(rmdir("docs/readme.txt"), "rmdir a file");
    expect_error(rmdir("."), "rmdir .");
    expect_error(rmdir("link-to-old"), "rmdir a symlink to a directory");
    expect_error(unlink("docs"), "unlink a directory");
    expect_error(unlink("missing.txt"), "unlink missing.txt");
    expect_error(rename("docs", "docs/inside"), "rename docs into itself");
    expect_error(rename("archive", "archive/old/deeper"), "rename archive into its grandchild");
    expect_error(rename("docs/readme.txt", "archive"), "rename a file over a directory");
    expect_error(rename("archive", "docs/readme.txt"), "rename a directory over a file");
    expect_error(rename("empty2", "docs"), "rename a directory over a non-empty one");
    expect_error(rename("missing.txt", "found.txt"), "rename missing.txt");
    expect_error(link("docs", "docs-hard"), "link a directory");
    expect_error(link("missing.txt", "x"), "link missing.txt");
    expect_error(link("docs/readme.txt", "scratch"), "link over an existing name");
    expect_error(symlink("x", "docs"), "symlink over an existing name");
    expect_error(readlink("docs/readme.txt", buffer, sizeof buffer), "readlink of a file");
    expect_error(truncate("docs", 0), "truncate a directory");
    expect_error(truncate("loop-b", 0), "truncate loop-b");
    expect_error(chdir("docs/readme.txt"), "chdir to a file");
    char long_name[300];
    memset(long_name, 'n', 256);
    long_name[256] = 0;
    expect_error(open(long_name, O_WRONLY | O_CREAT, 0666), "open a 256-byte name");
    expect_error(rename("docs/readme.txt", "docs/readme-dir/"), "rename a file to a name with a slash");
    expect_error(mkdir("missing/child", 0777), "mkdir under a missing directory");
    list("after the failed calls");

    /* Removal. */
    remove_tree(".");
    printf("entries left: %d\n", count_entries("."));
    check(chdir("/"), "chdir /");
    check(rmdir(scratch), "rmdir the scratch directory");
    struct stat gone;
    printf("scratch directory %s\n", stat(scratch, &gone) < 0 && errno == ENOENT ? "removed" : "still there");
    printf("%d failure(s)\n", failures);
    printf("%s\n", END_MARKER);
    return failures == 0 ? 0 : 1;
}
