#include "ktl/intrusive_list.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <list>
#include <random>
#include <vector>

namespace {

struct InQueue {};
struct InIndex {};
struct Item : ktl::IntrusiveListNode<InQueue>, ktl::IntrusiveListNode<InIndex> {
    int value = 0;
};
using Queue = ktl::IntrusiveList<Item, InQueue>;
using Index = ktl::IntrusiveList<Item, InIndex>;

std::vector<int> values_of(const Queue& list) {
    std::vector<int> values;
    for (Item& item : list)
        values.push_back(item.value);
    return values;
}

TEST(IntrusiveList, PushInsertRemoveAndPopKeepOrder) {
    Item items[4];
    for (int i = 0; i < 4; ++i)
        items[i].value = i;
    Queue list;
    EXPECT_TRUE(list.is_empty());
    EXPECT_EQ(list.pop_front(), nullptr);
    list.push_back(items[1]);
    list.push_front(items[0]);
    list.push_back(items[3]);
    list.insert_before(&items[3], items[2]);
    EXPECT_EQ(values_of(list), (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(list.size(), 4u);
    EXPECT_EQ(list.first(), &items[0]);
    EXPECT_EQ(list.last(), &items[3]);
    list.remove(items[2]);
    EXPECT_FALSE(static_cast<ktl::IntrusiveListNode<InQueue>&>(items[2]).is_linked());
    EXPECT_EQ(values_of(list), (std::vector<int>{0, 1, 3}));
    EXPECT_EQ(list.pop_front(), &items[0]);
    EXPECT_EQ(Queue::next(items[1]), &items[3]);
    EXPECT_EQ(Queue::previous(items[1]), nullptr);
    EXPECT_EQ(list.size(), 2u);
}

TEST(IntrusiveList, TheLoopBodyMayRemoveTheCurrentElement) {
    Item items[6];
    Queue list;
    for (int i = 0; i < 6; ++i) {
        items[i].value = i;
        list.push_back(items[i]);
    }
    for (Item& item : list)
        if (item.value % 2 == 0)
            list.remove(item);
    EXPECT_EQ(values_of(list), (std::vector<int>{1, 3, 5}));
}

TEST(IntrusiveList, AnElementCanBeInTwoListsOfDifferentTags) {
    Item item;
    Queue queue;
    Index index;
    queue.push_back(item);
    index.push_back(item);
    queue.remove(item);
    EXPECT_TRUE(queue.is_empty());
    EXPECT_EQ(index.first(), &item);
}

// Random operations against std::list as the model.
TEST(IntrusiveList, MatchesAModelUnderRandomOperations) {
    constexpr int item_count = 64;
    std::vector<Item> items(item_count);
    for (int i = 0; i < item_count; ++i)
        items[i].value = i;
    Queue list;
    std::list<int> model;
    std::mt19937 random(7);
    for (int step = 0; step < 100'000; ++step) {
        int chosen = static_cast<int>(random() % item_count);
        Item& item = items[chosen];
        bool in_list = static_cast<ktl::IntrusiveListNode<InQueue>&>(item).is_linked();
        switch (random() % 3) {
        case 0:
            if (!in_list) {
                list.push_back(item);
                model.push_back(chosen);
            }
            break;
        case 1:
            if (in_list) {
                list.remove(item);
                model.remove(chosen);
            }
            break;
        case 2:
            if (!in_list && !model.empty()) {
                int position = model.front();
                list.insert_before(&items[position], item);
                model.push_front(chosen);
            }
            break;
        }
        ASSERT_EQ(list.size(), model.size());
    }
    EXPECT_EQ(values_of(list), std::vector<int>(model.begin(), model.end()));
}

} // namespace
