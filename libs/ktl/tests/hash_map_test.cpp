#include "allocation_failure.h"
#include "ktl/hash_map.h"
#include "ktl/ref_ptr.h"
#include "ktl/string.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <unordered_map>

namespace {

ktl::String make_string(const std::string& text) {
    return MUST(ktl::String::try_create(ktl::StringView(text.data(), text.size())));
}

TEST(Hash, EqualTextHashesTheSameInStringAndStringView) {
    auto string = make_string("dev/tty0");
    EXPECT_EQ(ktl::Traits<ktl::String>::hash(string),
              ktl::Traits<ktl::String>::hash(ktl::StringView("dev/tty0")));
    EXPECT_EQ(ktl::Traits<ktl::StringView>::hash("dev/tty0"), ktl::Traits<ktl::String>::hash(string));
    EXPECT_EQ(ktl::Traits<ktl::String>::hash(ktl::String()),
              ktl::Traits<ktl::StringView>::hash(ktl::StringView()));
    EXPECT_NE(ktl::hash_bytes("ab", 2), ktl::hash_bytes("ba", 2));
    EXPECT_TRUE(ktl::Traits<ktl::String>::equals(string, ktl::StringView("dev/tty0")));
    EXPECT_FALSE(ktl::Traits<ktl::String>::equals(string, ktl::StringView("dev/tty1")));
}

TEST(HashMap, SetsReplacesGetsAndRemoves) {
    ktl::HashMap<int, int> map;
    EXPECT_TRUE(map.is_empty());
    EXPECT_EQ(map.get(1), nullptr);
    EXPECT_FALSE(map.remove(1));
    MUST(map.try_set(1, 10));
    MUST(map.try_set(2, 20));
    MUST(map.try_set(1, 11));
    EXPECT_EQ(map.size(), 2u);
    EXPECT_EQ(*map.get(1), 11);
    EXPECT_TRUE(map.contains(2));
    EXPECT_TRUE(map.remove(2));
    EXPECT_FALSE(map.contains(2));
    EXPECT_EQ(map.size(), 1u);
    map.clear();
    EXPECT_TRUE(map.is_empty());
    EXPECT_FALSE(map.contains(1));
}

TEST(HashMap, StringKeysAreFoundByStringViewWithoutAllocating) {
    ktl::HashMap<ktl::String, int> map;
    MUST(map.try_set(make_string("null"), 3));
    MUST(map.try_set(make_string("zero"), 5));
    size_t allocations = ktl_test::nothrow_allocation_count();
    EXPECT_EQ(*map.get(ktl::StringView("zero")), 5);
    EXPECT_EQ(*map.get("null"), 3);
    EXPECT_TRUE(map.contains(ktl::StringView("null")));
    EXPECT_FALSE(map.contains(ktl::StringView("nul")));
    EXPECT_EQ(ktl_test::nothrow_allocation_count(), allocations);
    EXPECT_TRUE(map.remove(ktl::StringView("null")));
    EXPECT_EQ(map.size(), 1u);
    EXPECT_EQ(*map.get(make_string("zero")), 5);
}

TEST(HashMap, IteratesEveryEntryOnce) {
    ktl::HashMap<uint64_t, uint64_t> map;
    for (uint64_t i = 0; i < 100; ++i)
        MUST(map.try_set(i, i * i));
    uint64_t key_sum = 0;
    size_t count = 0;
    for (auto& entry : map) {
        EXPECT_EQ(entry.value, entry.key * entry.key);
        entry.value = 0;
        key_sum += entry.key;
        ++count;
    }
    EXPECT_EQ(count, 100u);
    EXPECT_EQ(key_sum, 4950u);
    const auto& const_map = map;
    for (const auto& entry : const_map)
        EXPECT_EQ(entry.value, 0u);
}

TEST(HashMap, HoldsMoveOnlyAndRefCountedValues) {
    struct Node : ktl::RefCounted<Node> {};
    auto node = MUST(ktl::try_make_ref_counted<Node>());
    {
        ktl::HashMap<ktl::String, ktl::RefPtr<Node>> map;
        for (int i = 0; i < 50; ++i)
            MUST(map.try_set(make_string(std::to_string(i)), node));
        EXPECT_EQ(node->ref_count(), 51u);
        MUST(map.try_set(make_string("7"), ktl::RefPtr<Node>()));
        EXPECT_EQ(node->ref_count(), 50u);
        EXPECT_TRUE(map.get("7")->is_null());
        map.remove("8");
        EXPECT_EQ(node->ref_count(), 49u);
    }
    EXPECT_EQ(node->ref_count(), 1u);
}

TEST(HashMap, AFailedSetLeavesTheMapUnchanged) {
    ktl::HashMap<int, int> map;
    int key = 0;
    MUST(map.try_set(key++, 0));
    size_t capacity = map.capacity();
    while (map.capacity() == capacity)
        MUST(map.try_set(key, key)), ++key;
    // Fill to just before the next rehash, then make the rehash fail.
    capacity = map.capacity();
    std::map<int, int> before;
    for (;;) {
        size_t size = map.size();
        {
            ktl_test::FailAllocationsAfter fail(0);
            if (map.try_set(key, key).is_error())
                break;
        }
        ASSERT_EQ(map.size(), size + 1);
        ++key;
    }
    for (auto& entry : map)
        before[entry.key] = entry.value;
    EXPECT_EQ(map.size(), before.size());
    EXPECT_EQ(map.capacity(), capacity);
    EXPECT_FALSE(map.contains(key));
    for (auto& [k, v] : before)
        EXPECT_EQ(*map.get(k), v);
    {
        ktl_test::FailAllocationsAfter fail(0);
        MUST(map.try_set(0, 42)); // replacing needs no allocation
        EXPECT_TRUE(map.try_reserve(capacity * 4).is_error());
    }
    EXPECT_EQ(*map.get(0), 42);
    EXPECT_EQ(map.try_reserve(SIZE_MAX).error().code(), ktl::Errno::NoMemory);
    EXPECT_EQ(map.try_reserve(SIZE_MAX / 4).error().code(), ktl::Errno::NoMemory);
    MUST(map.try_set(key, key));
    EXPECT_GT(map.capacity(), capacity);
}

TEST(HashMap, ChurnDoesNotGrowTheTableOrSlowLookups) {
    ktl::HashMap<uint64_t, uint64_t> map;
    for (uint64_t i = 0; i < 1000; ++i)
        MUST(map.try_set(i, i));
    size_t capacity = map.capacity();
    // Remove and insert a moving window: tombstones pile up unless rehashing clears them.
    for (uint64_t i = 1000; i < 200000; ++i) {
        ASSERT_TRUE(map.remove(i - 1000));
        MUST(map.try_set(i, i));
    }
    EXPECT_EQ(map.size(), 1000u);
    EXPECT_EQ(map.capacity(), capacity);
    for (uint64_t i = 199000; i < 200000; ++i)
        ASSERT_EQ(*map.get(i), i);
    EXPECT_FALSE(map.contains(uint64_t(5)));
}

TEST(HashMap, TenThousandEntriesOfBothKinds) {
    ktl::HashMap<ktl::String, uint32_t> names;
    ktl::HashMap<uint32_t, uint32_t> numbers;
    MUST(names.try_reserve(20000));
    size_t capacity = names.capacity();
    for (uint32_t i = 0; i < 20000; ++i) {
        MUST(names.try_set(make_string("file" + std::to_string(i)), i));
        MUST(numbers.try_set(i * 4096, i));
    }
    EXPECT_EQ(names.capacity(), capacity); // reserve was enough
    for (uint32_t i = 0; i < 20000; ++i) {
        std::string name = "file" + std::to_string(i);
        ASSERT_EQ(*names.get(ktl::StringView(name.data(), name.size())), i);
        ASSERT_EQ(*numbers.get(i * 4096), i);
    }
}

TEST(HashMap, MatchesStdUnorderedMapUnderRandomOperations) {
    std::mt19937 random(42);
    ktl::HashMap<ktl::String, int> map;
    std::unordered_map<std::string, int> model;
    auto random_key = [&] { return "k" + std::to_string(random() % 3000); };
    for (int step = 0; step < 200000; ++step) {
        std::string key = random_key();
        ktl::StringView view(key.data(), key.size());
        switch (random() % 6) {
        case 0:
        case 1: {
            int value = static_cast<int>(random());
            MUST(map.try_set(make_string(key), value));
            model[key] = value;
            break;
        }
        case 2:
        case 3:
            ASSERT_EQ(map.remove(view), model.erase(key) == 1);
            break;
        case 4: {
            int* value = map.get(view);
            auto found = model.find(key);
            ASSERT_EQ(value != nullptr, found != model.end());
            if (value) {
                ASSERT_EQ(*value, found->second);
            }
            break;
        }
        case 5:
            if (random() % 5000 == 0) {
                map.clear();
                model.clear();
            } else if (random() % 100 == 0) {
                map = std::move(map);
                ktl::HashMap<ktl::String, int> moved = std::move(map);
                map = std::move(moved);
            }
            break;
        }
        ASSERT_EQ(map.size(), model.size());
        if (step % 10007 == 0) {
            size_t seen = 0;
            for (auto& entry : map) {
                auto found = model.find(std::string(entry.key.characters(), entry.key.length()));
                ASSERT_NE(found, model.end());
                ASSERT_EQ(entry.value, found->second);
                ++seen;
            }
            ASSERT_EQ(seen, model.size());
        }
    }
}

} // namespace
