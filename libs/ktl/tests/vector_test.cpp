#include "allocation_failure.h"
#include "ktl/ref_ptr.h"
#include "ktl/string.h"
#include "ktl/vector.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace {

// Counts live instances so leaks and double destruction show up.
int live_tracked = 0;
struct Tracked {
    Tracked() : Tracked(0) {}
    Tracked(int value) : value(value) { ++live_tracked; }
    Tracked(const Tracked& other) : value(other.value) { ++live_tracked; }
    Tracked(Tracked&& other) : value(other.value) {
        other.value = -1;
        ++live_tracked;
    }
    Tracked& operator=(const Tracked&) = default;
    Tracked& operator=(Tracked&& other) {
        value = other.value;
        other.value = -1;
        return *this;
    }
    ~Tracked() { --live_tracked; }
    int value;
};

struct Node : ktl::RefCounted<Node> {
    explicit Node(int id) : id(id) {}
    int id;
};

class VectorTest : public ::testing::Test {
protected:
    void SetUp() override { live_tracked = 0; }
    void TearDown() override { EXPECT_EQ(live_tracked, 0); }
};

std::vector<int> values_of(const ktl::Vector<Tracked>& vector) {
    std::vector<int> values;
    for (const Tracked& item : vector)
        values.push_back(item.value);
    return values;
}

TEST_F(VectorTest, AppendsInsertsAndRemovesInOrder) {
    ktl::Vector<Tracked> vector;
    EXPECT_TRUE(vector.is_empty());
    for (int i = 0; i < 10; ++i)
        MUST(vector.try_append(Tracked(i)));
    MUST(vector.try_insert(0, Tracked(100)));
    MUST(vector.try_insert(5, Tracked(200)));
    MUST(vector.try_insert(vector.size(), Tracked(300)));
    EXPECT_EQ(values_of(vector), (std::vector<int>{100, 0, 1, 2, 3, 200, 4, 5, 6, 7, 8, 9, 300}));
    vector.remove(5);
    vector.remove(0);
    EXPECT_EQ(vector.take_last().value, 300);
    EXPECT_EQ(values_of(vector), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(vector.first().value, 0);
    EXPECT_EQ(vector.last().value, 9);
    EXPECT_EQ(live_tracked, 10);
    vector.clear();
    EXPECT_EQ(vector.capacity(), 0u);
    EXPECT_EQ(live_tracked, 0);
}

TEST_F(VectorTest, GrowsGeometrically) {
    ktl::Vector<int> vector;
    size_t reallocations = 0;
    size_t capacity = 0;
    for (int i = 0; i < 100000; ++i) {
        MUST(vector.try_append(i));
        if (vector.capacity() != capacity) {
            ++reallocations;
            capacity = vector.capacity();
        }
    }
    EXPECT_LT(reallocations, 20u);
}

TEST_F(VectorTest, ResizeConstructsAndDestroys) {
    ktl::Vector<Tracked> vector;
    MUST(vector.try_resize(5));
    EXPECT_EQ(live_tracked, 5);
    EXPECT_EQ(vector[4].value, 0);
    MUST(vector.try_resize(2));
    EXPECT_EQ(live_tracked, 2);
    MUST(vector.try_reserve(50));
    EXPECT_GE(vector.capacity(), 50u);
    EXPECT_EQ(vector.size(), 2u);
}

TEST_F(VectorTest, AppendingAnElementOfItselfWhileGrowing) {
    ktl::Vector<Tracked> vector;
    MUST(vector.try_append(Tracked(7)));
    while (vector.size() < vector.capacity())
        MUST(vector.try_append(vector[0]));
    MUST(vector.try_append(vector[0])); // reallocates: the source lives in the old storage
    MUST(vector.try_extend(vector.data(), vector.size()));
    for (const Tracked& item : vector)
        EXPECT_EQ(item.value, 7);
}

TEST_F(VectorTest, HoldsRefPtrsAndStrings) {
    auto node = MUST(ktl::try_make_ref_counted<Node>(1));
    {
        ktl::Vector<ktl::RefPtr<Node>> nodes;
        for (int i = 0; i < 20; ++i)
            MUST(nodes.try_append(node));
        EXPECT_EQ(node->ref_count(), 21u);
        nodes.remove(3);
        EXPECT_EQ(node->ref_count(), 20u);
        auto clone = MUST(nodes.try_clone());
        EXPECT_EQ(node->ref_count(), 39u);
    }
    EXPECT_EQ(node->ref_count(), 1u);

    ktl::Vector<ktl::String> names;
    MUST(names.try_append(MUST(ktl::String::try_create("init"))));
    MUST(names.try_insert(0, MUST(ktl::String::try_create("kernel"))));
    auto clone = MUST(names.try_clone()); // String is move-only: the clone uses String::try_clone
    EXPECT_EQ(clone[0], ktl::StringView("kernel"));
    EXPECT_EQ(clone[1], ktl::StringView("init"));
}

TEST_F(VectorTest, AFailedAllocationLeavesTheVectorUnchanged) {
    ktl::Vector<Tracked> vector;
    for (int i = 0; i < 4; ++i)
        MUST(vector.try_append(Tracked(i)));
    while (vector.size() < vector.capacity())
        MUST(vector.try_append(Tracked(static_cast<int>(vector.size()))));
    std::vector<int> before = values_of(vector);
    size_t capacity = vector.capacity();
    const Tracked* data = vector.data();
    {
        ktl_test::FailAllocationsAfter fail(0);
        Tracked extra(99);
        EXPECT_EQ(vector.try_append(std::move(extra)).error().code(), ktl::Errno::NoMemory);
        EXPECT_EQ(extra.value, 99); // not moved from
        EXPECT_TRUE(vector.try_append(extra).is_error());
        EXPECT_TRUE(vector.try_insert(1, std::move(extra)).is_error());
        EXPECT_EQ(extra.value, 99);
        EXPECT_TRUE(vector.try_reserve(capacity + 1).is_error());
        EXPECT_TRUE(vector.try_resize(capacity + 1).is_error());
        EXPECT_TRUE(vector.try_extend(&extra, 1).is_error());
        EXPECT_TRUE(vector.try_clone().is_error());
    }
    EXPECT_EQ(vector.try_reserve(SIZE_MAX).error().code(), ktl::Errno::NoMemory);
    EXPECT_EQ(vector.try_resize(SIZE_MAX / 2).error().code(), ktl::Errno::NoMemory);
    EXPECT_EQ(values_of(vector), before);
    EXPECT_EQ(vector.capacity(), capacity);
    EXPECT_EQ(vector.data(), data);
    EXPECT_EQ(live_tracked, static_cast<int>(before.size()));
}

TEST_F(VectorTest, ACloneOfStringsThatFailsHalfwayLeaksNothing) {
    ktl::Vector<ktl::String> names;
    for (int i = 0; i < 5; ++i)
        MUST(names.try_append(MUST(ktl::String::try_create("name"))));
    ktl_test::FailAllocationsAfter fail(3); // the array and two strings
    EXPECT_TRUE(names.try_clone().is_error());
}

TEST_F(VectorTest, MatchesStdVectorUnderRandomOperations) {
    std::mt19937 random(1234);
    ktl::Vector<Tracked> vector;
    std::vector<int> model;
    for (int step = 0; step < 20000; ++step) {
        int value = static_cast<int>(random() % 1000);
        switch (random() % 9) {
        case 0:
        case 1:
        case 2:
            MUST(vector.try_append(Tracked(value)));
            model.push_back(value);
            break;
        case 3: {
            size_t index = random() % (model.size() + 1);
            MUST(vector.try_insert(index, Tracked(value)));
            model.insert(model.begin() + static_cast<long>(index), value);
            break;
        }
        case 4:
            if (!model.empty()) {
                size_t index = random() % model.size();
                vector.remove(index);
                model.erase(model.begin() + static_cast<long>(index));
            }
            break;
        case 5:
            if (!model.empty()) {
                ASSERT_EQ(vector.take_last().value, model.back());
                model.pop_back();
            }
            break;
        case 6: {
            size_t size = random() % 64;
            MUST(vector.try_resize(size));
            model.resize(size, 0);
            break;
        }
        case 7: {
            Tracked values[3] = {value, value + 1, value + 2};
            MUST(vector.try_extend(values, 3));
            model.insert(model.end(), {value, value + 1, value + 2});
            break;
        }
        case 8:
            if (random() % 50 == 0) {
                vector.clear();
                model.clear();
            } else {
                vector = MUST(vector.try_clone());
            }
            break;
        }
        ASSERT_EQ(vector.size(), model.size());
        ASSERT_GE(vector.capacity(), vector.size());
        ASSERT_EQ(live_tracked, static_cast<int>(model.size()));
        if (step % 97 == 0) {
            ASSERT_EQ(values_of(vector), model);
        }
    }
    EXPECT_EQ(values_of(vector), model);
}

} // namespace
