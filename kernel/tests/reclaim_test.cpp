// Reclaim: caches give back what nobody uses when memory runs short (mm/reclaim.h).
#include "fs/dentry.h"
#include "fs/vfs.h"
#include "ktl/format.h"
#include "mm/reclaim.h"
#include "test/ktest.h"

namespace {

fs::Lookup root_lookup() {
    fs::Path root = fs::root_path();
    return fs::Lookup{root, root, {}, 022};
}

} // namespace

// Names looked up once stay cached; a reclaim frees the ones nobody holds, and the files are still
// there to be found again.
KTEST(reclaim_frees_unused_dentries_and_names_still_resolve) {
    fs::Lookup lookup = root_lookup();
    auto made = fs::make_directory(lookup, "/tmp/reclaim-test", 0755);
    KASSERT(!made.is_error() || made.error().code() == ktl::Errno::Exists);
    constexpr int files = 200;
    char path[64];
    for (int i = 0; i < files; ++i) {
        ktl::StringView name = ktl::format_into(path, sizeof path, "/tmp/reclaim-test/file{}", i);
        KASSERT(!fs::open(lookup, name, fs::open_write_only | fs::open_create, 0644).is_error());
    }
    size_t cached_before = fs::dentry_cache::cached_count();
    KEXPECT(cached_before >= static_cast<size_t>(files));
    // Reclaim rounds free a bounded number each: run them until the cache stops shrinking.
    size_t freed = 0;
    for (int round = 0; round < 64; ++round) {
        size_t now = mm::reclaim_now();
        freed += now;
        if (now == 0)
            break;
    }
    KEXPECT(freed >= static_cast<size_t>(files));
    KEXPECT(fs::dentry_cache::cached_count() + static_cast<size_t>(files) <= cached_before);
    // Held dentries survive: the root and working directories are never freed under a holder.
    fs::Path held = MUST(fs::resolve(lookup, "/tmp/reclaim-test/file7"));
    mm::reclaim_now();
    KEXPECT(!held.dentry->is_deleted());
    for (int i = 0; i < files; ++i) {
        ktl::StringView name = ktl::format_into(path, sizeof path, "/tmp/reclaim-test/file{}", i);
        KEXPECT(!fs::resolve(lookup, name).is_error());
        KEXPECT(!fs::remove(lookup, name, false).is_error());
    }
    KEXPECT(!fs::remove(lookup, "/tmp/reclaim-test", true).is_error());
}
