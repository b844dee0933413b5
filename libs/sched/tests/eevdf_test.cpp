#include "sched/eevdf.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <memory>
#include <random>
#include <vector>

namespace {

using sched::EevdfQueue;
using sched::SchedEntity;

std::vector<std::unique_ptr<SchedEntity>> make_entities(std::vector<int> nices) {
    std::vector<std::unique_ptr<SchedEntity>> entities;
    for (size_t i = 0; i < nices.size(); ++i) {
        entities.push_back(std::make_unique<SchedEntity>());
        entities.back()->id = i + 1;
        entities.back()->weight = sched::weight_for_nice(nices[i]);
    }
    return entities;
}

// Runs the queue for `ticks` ticks of 1 ms each, picking before every tick, as the kernel's tick does.
void run_ticks(EevdfQueue& queue, int ticks, uint64_t& now) {
    for (int tick = 0; tick < ticks; ++tick) {
        SchedEntity* running = queue.pick();
        ASSERT_NE(running, nullptr);
        queue.start_running(*running, now);
        queue.charge(*running, 1'000'000);
        now += 1'000'000;
        queue.stop_running(*running, now);
    }
}

TEST(Eevdf, WeightsFollowTheNiceTable) {
    EXPECT_EQ(sched::weight_for_nice(0), 1024u);
    EXPECT_EQ(sched::weight_for_nice(-20), 88761u);
    EXPECT_EQ(sched::weight_for_nice(19), 15u);
    EXPECT_EQ(sched::weight_for_nice(100), 15u);
    EXPECT_EQ(sched::weight_for_nice(-100), 88761u);
    for (int nice = sched::min_nice; nice < sched::max_nice; ++nice)
        EXPECT_GT(sched::weight_for_nice(nice), sched::weight_for_nice(nice + 1));
}

TEST(Eevdf, EmptyQueuePicksNothing) {
    EevdfQueue queue;
    EXPECT_EQ(queue.pick(), nullptr);
    EXPECT_EQ(queue.virtual_time(), 0);
    EXPECT_TRUE(queue.check_invariants());
}

// The policy against brute force: after every operation, pick() is the eligible entity with the
// earliest (deadline, id), V is the weighted average, and the treap's invariants hold.
TEST(Eevdf, PicksMatchABruteForceModel) {
    for (uint32_t seed : {1u, 2u, 3u}) {
        std::mt19937 random(seed);
        std::vector<int> nices;
        for (int i = 0; i < 64; ++i)
            nices.push_back(static_cast<int>(random() % 40) - 20);
        auto entities = make_entities(nices);
        EevdfQueue queue(1'000'000);
        uint64_t now = 0;
        for (int step = 0; step < 100'000; ++step) {
            SchedEntity& entity = *entities[random() % entities.size()];
            switch (random() % 4) {
            case 0:
                queue.enqueue(entity, now);
                break;
            case 1:
                queue.dequeue(entity);
                break;
            default:
                if (entity.queued)
                    queue.charge(entity, random() % 3'000'000);
                break;
            }
            now += 1000;

            __int128 weighted = 0;
            uint64_t weight = 0;
            for (auto& candidate : entities) {
                if (candidate->queued) {
                    weighted += static_cast<__int128>(candidate->vruntime) * candidate->weight;
                    weight += candidate->weight;
                }
            }
            SchedEntity* expected = nullptr;
            for (auto& candidate : entities) {
                if (!candidate->queued || static_cast<__int128>(candidate->vruntime) * weight > weighted)
                    continue;
                if (!expected || candidate->deadline < expected->deadline ||
                    (candidate->deadline == expected->deadline && candidate->id < expected->id))
                    expected = candidate.get();
            }
            ASSERT_EQ(queue.pick(), expected) << "seed " << seed << " step " << step;
            ASSERT_EQ(queue.virtual_time(),
                      weight ? static_cast<int64_t>(weighted / static_cast<__int128>(weight)) : 0);
            if (step % 97 == 0) {
                ASSERT_TRUE(queue.check_invariants()) << "seed " << seed << " step " << step;
            }
        }
    }
}

// Always running what pick() says, 1 ms at a time: CPU time ends up proportional to weight.
TEST(Eevdf, CpuSharesFollowWeights) {
    auto entities = make_entities({0, 0, 5, -5});
    EevdfQueue queue;
    for (auto& entity : entities)
        queue.enqueue(*entity, 0);
    uint64_t now = 0;
    run_ticks(queue, 20'000, now);
    uint64_t total_weight = 0, total_runtime = 0;
    for (auto& entity : entities) {
        total_weight += entity->weight;
        total_runtime += entity->runtime_ns;
    }
    EXPECT_EQ(total_runtime, 20'000ull * 1'000'000);
    for (auto& entity : entities) {
        double expected = double(entity->weight) / double(total_weight);
        double actual = double(entity->runtime_ns) / double(total_runtime);
        EXPECT_NEAR(actual, expected, 0.01) << "entity " << entity->id;
        EXPECT_GT(entity->switches, 0u);
    }
    // Equal weights get equal time.
    EXPECT_NEAR(double(entities[0]->runtime_ns), double(entities[1]->runtime_ns), 2'000'000.0);
}

// setpriority on a running hog: from the change on, the CPU splits by the new weights, and the
// queue stays consistent whether the entity was queued or blocked when it changed.
TEST(Eevdf, ReweightChangesTheShareFromThenOn) {
    auto entities = make_entities({0, 0});
    EevdfQueue queue;
    for (auto& entity : entities)
        queue.enqueue(*entity, 0);
    uint64_t now = 0;
    run_ticks(queue, 2'000, now);
    queue.reweight(*entities[1], sched::weight_for_nice(10));
    EXPECT_TRUE(queue.check_invariants());
    uint64_t before0 = entities[0]->runtime_ns, before1 = entities[1]->runtime_ns;
    run_ticks(queue, 20'000, now);
    double share0 = double(entities[0]->runtime_ns - before0);
    double share1 = double(entities[1]->runtime_ns - before1);
    double expected = double(sched::weight_for_nice(0)) / double(sched::weight_for_nice(10));
    EXPECT_NEAR(share0 / share1, expected, expected * 0.05);

    // A blocked entity keeps the service it is owed across the change: lag * weight is unchanged.
    queue.dequeue(*entities[1]);
    int64_t owed = entities[1]->lag * int64_t(entities[1]->weight);
    queue.reweight(*entities[1], sched::weight_for_nice(-5));
    EXPECT_NEAR(double(entities[1]->lag * int64_t(entities[1]->weight)), double(owed),
                double(sched::weight_for_nice(-5)));
    queue.enqueue(*entities[1], now);
    EXPECT_TRUE(queue.check_invariants());
    before0 = entities[0]->runtime_ns, before1 = entities[1]->runtime_ns;
    run_ticks(queue, 20'000, now);
    expected = double(sched::weight_for_nice(-5)) / double(sched::weight_for_nice(0));
    EXPECT_NEAR(double(entities[1]->runtime_ns - before1) / double(entities[0]->runtime_ns - before0),
                expected, expected * 0.05);
}

// A task that slept comes back with at most one slice of credit and runs within a couple of slices,
// without starving the others afterwards.
TEST(Eevdf, WokenTasksRunSoonButCannotHoardCredit) {
    auto entities = make_entities({0, 0, 0});
    EevdfQueue queue(3'000'000);
    for (auto& entity : entities)
        queue.enqueue(*entity, 0);
    SchedEntity& sleeper = *entities[2];
    uint64_t now = 0;
    auto run_for = [&](int ticks) { run_ticks(queue, ticks, now); };
    run_for(30);
    queue.dequeue(sleeper);
    run_for(5'000); // a long sleep
    queue.enqueue(sleeper, now);
    EXPECT_GE(sleeper.vruntime, queue.virtual_time() - 3'000'000); // at most one slice of credit
    int waited = 0;
    while (queue.pick() != &sleeper && waited < 100) {
        run_for(1);
        ++waited;
    }
    EXPECT_LE(waited, 6); // within two slices of 3 ms
    uint64_t before = sleeper.runtime_ns;
    run_for(3'000);
    // Afterwards it gets its fair third, not the 5 s it slept through.
    EXPECT_NEAR(double(sleeper.runtime_ns - before), 1'000'000'000.0, 20'000'000.0);
}

// After it rejoins, V - vruntime is the lag it left with (within rounding), not a fraction of it.
TEST(Eevdf, ARejoiningTaskGetsBackTheLagItLeftWith) {
    auto entities = make_entities({0, 0, 5});
    EevdfQueue queue(3'000'000);
    for (auto& entity : entities)
        queue.enqueue(*entity, 0);
    uint64_t now = 0;
    run_ticks(queue, 7, now);
    for (SchedEntity* leaving : {entities[0].get(), entities[2].get()}) {
        queue.dequeue(*leaving);
        int64_t lag = leaving->lag;
        queue.enqueue(*leaving, now);
        EXPECT_NEAR(double(queue.virtual_time() - leaving->vruntime), double(lag), 2.0);
    }
}

TEST(Eevdf, WaitTimeIsAccounted) {
    auto entities = make_entities({0, 0});
    EevdfQueue queue;
    queue.enqueue(*entities[0], 0);
    queue.enqueue(*entities[1], 0);
    SchedEntity* first = queue.pick();
    queue.start_running(*first, 0);
    queue.charge(*first, 5'000'000);
    queue.stop_running(*first, 5'000'000);
    SchedEntity* second = queue.pick();
    ASSERT_NE(second, first);
    queue.start_running(*second, 5'000'000);
    EXPECT_EQ(second->wait_ns, 5'000'000u);
    EXPECT_EQ(first->wait_ns, 0u);
}

// The wording: two CPU-bound tasks of equal weight over 10,000 ticks are within 5%.
TEST(Eevdf, TwoEqualHogsShareWithinFivePercent) {
    auto entities = make_entities({0, 0});
    EevdfQueue queue;
    for (auto& entity : entities)
        queue.enqueue(*entity, 0);
    uint64_t now = 0;
    run_ticks(queue, 10'000, now);
    double first = double(entities[0]->runtime_ns), second = double(entities[1]->runtime_ns);
    EXPECT_LE(std::abs(first - second) / std::max(first, second), 0.05);
}

// A task woken with an earlier virtual deadline than the running ones is the next pick. It leaves
// while owed time (positive lag), so it comes back with an early deadline; the wake moment varies so
// its deadline lands both before and after the hogs'.
TEST(Eevdf, WokenTaskWithEarlierDeadlineRunsNext) {
    int earlier_cases = 0;
    for (int wake_after = 0; wake_after < 40; ++wake_after) {
        auto entities = make_entities({0, 0, 0});
        EevdfQueue queue(3'000'000);
        SchedEntity& sleeper = *entities[2];
        for (auto& entity : entities)
            queue.enqueue(*entity, 0);
        auto run_tick = [&] {
            SchedEntity* running = queue.pick();
            queue.charge(*running, 1'000'000);
        };
        run_tick(); // the two hogs (lower ids) run first; the sleeper falls behind
        run_tick();
        ASSERT_EQ(sleeper.runtime_ns, 0u);
        queue.dequeue(sleeper);
        ASSERT_GT(sleeper.lag, 0);
        for (int tick = 0; tick < wake_after; ++tick)
            run_tick();
        queue.enqueue(sleeper, 0);
        SchedEntity& first_hog = *entities[0];
        SchedEntity& second_hog = *entities[1];
        if (sleeper.deadline < first_hog.deadline && sleeper.deadline < second_hog.deadline) {
            ++earlier_cases;
            EXPECT_EQ(queue.pick(), &sleeper) << "woken after " << wake_after << " ticks";
        }
    }
    EXPECT_GT(earlier_cases, 0);
}

// Yielding with no run time charged still lets the other task run: the two alternate.
TEST(Eevdf, YieldHandsTheProcessorToTheOtherTask) {
    auto entities = make_entities({0, 0});
    EevdfQueue queue;
    for (auto& entity : entities)
        queue.enqueue(*entity, 0);
    SchedEntity* previous = nullptr;
    for (int round = 0; round < 1'000; ++round) {
        SchedEntity* running = queue.pick();
        ASSERT_NE(running, previous) << "round " << round;
        queue.yield(*running);
        ASSERT_TRUE(queue.check_invariants());
        previous = running;
    }
}

} // namespace
