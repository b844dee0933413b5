#include "allocation_failure.h"
#include "ktl/own_ptr.h"
#include "ktl/ref_ptr.h"

#include <gtest/gtest.h>

namespace {

int live_objects = 0;
int destruction_notices = 0;

struct Shape : ktl::RefCounted<Shape> {
    explicit Shape(int sides) : sides(sides) { ++live_objects; }
    virtual ~Shape() { --live_objects; }
    int sides;
};

struct Square : Shape {
    Square() : Shape(4) {}
};

// Has the destruction hook: it must run while the object is still whole.
struct Watched : ktl::RefCounted<Watched> {
    Watched() { ++live_objects; }
    ~Watched() { --live_objects; }
    void will_be_destroyed() {
        EXPECT_EQ(ref_count(), 0u);
        ++destruction_notices;
    }
};

class RefPtrTest : public ::testing::Test {
protected:
    void SetUp() override {
        live_objects = 0;
        destruction_notices = 0;
    }
    void TearDown() override { EXPECT_EQ(live_objects, 0); }
};

TEST_F(RefPtrTest, AdoptTakesTheCreatorsReferenceAndTheLastUnrefDeletes) {
    auto* raw = new Shape(3);
    EXPECT_EQ(raw->ref_count(), 1u);
    {
        ktl::RefPtr<Shape> owner = ktl::adopt_ref(*raw);
        EXPECT_EQ(raw->ref_count(), 1u);
        ktl::RefPtr<Shape> second(raw);
        EXPECT_EQ(raw->ref_count(), 2u);
        ktl::RefPtr<Shape> third(*raw);
        EXPECT_EQ(raw->ref_count(), 3u);
        EXPECT_EQ(owner, second);
        EXPECT_EQ(owner, raw);
        EXPECT_EQ(owner->sides, 3);
        EXPECT_EQ((*third).sides, 3);
    }
    EXPECT_EQ(live_objects, 0);
}

TEST_F(RefPtrTest, CopyRefsMoveStealsAndClearUnrefs) {
    auto shape = MUST(ktl::try_make_ref_counted<Shape>(5));
    ktl::RefPtr<Shape> copy = shape;
    EXPECT_EQ(shape->ref_count(), 2u);
    ktl::RefPtr<Shape> moved = std::move(copy);
    EXPECT_TRUE(copy.is_null());
    EXPECT_EQ(copy, nullptr);
    EXPECT_EQ(shape->ref_count(), 2u);
    moved.clear();
    EXPECT_FALSE(moved);
    EXPECT_EQ(shape->ref_count(), 1u);
    shape = shape; // self-assignment keeps the object
    EXPECT_EQ(shape->ref_count(), 1u);
    shape = nullptr;
    EXPECT_EQ(live_objects, 0);
}

TEST_F(RefPtrTest, ConvertsFromDerivedPointers) {
    ktl::RefPtr<Square> square = MUST(ktl::try_make_ref_counted<Square>());
    ktl::RefPtr<Shape> shape = square;
    EXPECT_EQ(shape->ref_count(), 2u);
    ktl::RefPtr<Shape> stolen = std::move(square);
    EXPECT_TRUE(square.is_null());
    EXPECT_EQ(stolen->sides, 4);
    shape = MUST(ktl::try_make_ref_counted<Square>());
    EXPECT_EQ(live_objects, 2);
}

TEST_F(RefPtrTest, LeakRefKeepsTheObjectUntilUnref) {
    auto shape = MUST(ktl::try_make_ref_counted<Shape>(6));
    Shape* raw = shape.leak_ref();
    EXPECT_TRUE(shape.is_null());
    EXPECT_EQ(live_objects, 1);
    raw->unref();
    EXPECT_EQ(live_objects, 0);
}

TEST_F(RefPtrTest, WillBeDestroyedRunsBeforeTheDestructor) {
    {
        auto watched = MUST(ktl::try_make_ref_counted<Watched>());
        auto other = watched;
        other.clear();
        EXPECT_EQ(destruction_notices, 0);
    }
    EXPECT_EQ(destruction_notices, 1);
}

TEST_F(RefPtrTest, TryMakeRefCountedReportsNoMemory) {
    ktl_test::FailAllocationsAfter fail(0);
    auto result = ktl::try_make_ref_counted<Shape>(3);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ktl::Errno::NoMemory);
}

TEST_F(RefPtrTest, OwnPtrDeletesOnceAndMovesToBase) {
    {
        ktl::OwnPtr<Square> square = MUST(ktl::try_make<Square>());
        EXPECT_EQ(square->sides, 4);
        ktl::OwnPtr<Shape> shape = std::move(square);
        EXPECT_FALSE(square);
        EXPECT_TRUE(shape);
        EXPECT_EQ((*shape).sides, 4);
        shape = MUST(ktl::try_make<Square>());
        EXPECT_EQ(live_objects, 1);
    }
    EXPECT_EQ(live_objects, 0);
    auto own = ktl::adopt_own(new Shape(8));
    Shape* raw = own.leak_ptr();
    EXPECT_EQ(own.ptr(), nullptr);
    delete raw;
    auto cleared = MUST(ktl::try_make<Shape>(1));
    cleared.clear();
    EXPECT_TRUE(cleared.is_null());
}

TEST_F(RefPtrTest, TryMakeReportsNoMemory) {
    ktl_test::FailAllocationsAfter fail(0);
    EXPECT_EQ(ktl::try_make<Shape>(3).error().code(), ktl::Errno::NoMemory);
}

} // namespace

namespace {

// A cache that keeps a plain pointer: try_ref succeeds while a holder is left and fails once the
// last one went, which is what the object's destruction hook sees.
struct Cached : ktl::RefCounted<Cached> {
    void will_be_destroyed() {
        EXPECT_FALSE(try_ref());
        ++destruction_notices;
    }
};

TEST_F(RefPtrTest, TryRefTakesAReferenceOnlyWhileOneIsHeld) {
    ktl::RefPtr<Cached> holder = ktl::adopt_ref(*new Cached);
    Cached* cached = holder.ptr();
    ASSERT_TRUE(cached->try_ref());
    EXPECT_EQ(cached->ref_count(), 2u);
    ktl::RefPtr<Cached> second = ktl::adopt_ref(*cached);
    holder = nullptr;
    EXPECT_EQ(cached->ref_count(), 1u);
    second = nullptr;
    EXPECT_EQ(destruction_notices, 1);
}

} // namespace
