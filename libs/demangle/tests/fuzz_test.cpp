// Hostile input: every truncation and 200,000 random mutations of real names, crafted worst cases
// (deep nesting, substitutions doubling the text, references before anything was defined), and the
// stack budget on a small thread stack. The demangler may refuse, but must stay inside its input and
// output buffers (run under -fsanitize=address,undefined to make that a checked claim), terminate
// quickly, and be deterministic.
#include "demangle/demangle.h"
#include "demangle/parser.h"

#include <chrono>
#include <cstring>
#include <gtest/gtest.h>
#include <random>
#include <string>
#include <vector>

namespace {

using ktl::ErrorOr;

// Names covering most of the grammar; mutations of them reach the error paths of each production.
const char* const seeds[] = {
    "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEC1EPKcRKS3_",
    "_ZSt4endlIcSt11char_traitsIcEERSt13basic_ostreamIT_T0_ES6_",
    "_ZZ4mainENKUlT_E_clIiEEDaS_",
    "_ZN1AIiEcvPT_IcEEv",
    "_Z1fIiEPFvvEv",
    "_Z1fPA3_PFviE",
    "_Z1fM1AKDoFvvRE",
    "_ZTch0_h8_N1A1fEv",
    "_ZGVZN1fIiEEvvE1x",
    "_ZN12_GLOBAL__N_13fooEv.constprop.0.isra.0",
    "_Z1fIiEDTcldtfp_1gEET_",
    "_ZN4llvm10checkedAddIiEENSt9enable_ifIXsr3std9is_signedIT_EE5valueENS_8OptionalIS2_EEE4typeES2_S2_",
    "_ZSt12__get_helperILm1ESt14default_deleteIA_hEJEERT0_RSt11_Tuple_implIXT_EJS3_DpT1_EE",
    "_ZSt12construct_atIN12_GLOBAL__N_15FrameEJRKS1_EEDTgsnwcvPvLi0E_T_pispcl7declvalIT0_EEEEPS5_DpOS6_",
    "_ZZNSt9once_flag18_Prepare_executionC1IZSt9call_onceIRFvvEJEEvRS_OT_DpOT0_EUlvE_EERS6_ENUlvE_8__"
    "invokeEv",
    "_Z1fIJLi1ELi2EEEvN1BIJXspplT_Li1EEEEE",
    "_ZN8syscalls12_GLOBAL__N_15ThunkIXadL_ZNS_10sys_getpidEvEEE4callERN4arch14InterruptFrameE",
    "_Z1fILf3f800000ELb1ELDn0EEvv",
    "_ZTC1A8_1B",
    "_ZN1AB5cxx11C1Ev",
};

// Characters of the mangling, so that mutations stay near valid names.
const char alphabet[] = "_0123456789ABCDEFGIJKLMNOPRSTUVXYZabcdefghijlmnopqrstuvwxyz.$";

struct Outcome {
    bool ok = false;
    std::string text;
    ktl::Errno error = ktl::Errno::InvalidArgument;
    bool operator==(const Outcome&) const = default;
};

// Demangles a copy of exactly the input's bytes into a buffer of exactly `capacity` bytes, so that the
// sanitizer sees any read or write outside them, and checks the contract on the result.
Outcome run(const std::string& input, size_t capacity) {
    std::vector<char> bytes(input.begin(), input.end());
    std::unique_ptr<char[]> buffer(new char[capacity]);
    auto result = demangle::demangle(ktl::StringView(bytes.data(), bytes.size()), buffer.get(), capacity);
    Outcome outcome;
    if (result.is_error()) {
        outcome.error = result.error().code();
        return outcome;
    }
    outcome.ok = true;
    EXPECT_EQ(result.value().data(), buffer.get());
    EXPECT_LT(result.value().length(), capacity);
    EXPECT_EQ(buffer[result.value().length()], '\0');
    outcome.text.assign(result.value().data(), result.value().length());
    return outcome;
}

std::string mutate(std::string name, std::mt19937& random) {
    size_t edits = 1 + random() % 3;
    for (size_t edit = 0; edit < edits; ++edit) {
        size_t position = name.empty() ? 0 : random() % name.size();
        char character = alphabet[random() % (sizeof alphabet - 1)];
        switch (random() % 5) {
        case 0:
            if (!name.empty())
                name[position] = character;
            break;
        case 1:
            name.insert(name.begin() + position, character);
            break;
        case 2:
            if (!name.empty())
                name.erase(position, 1);
            break;
        case 3: { // repeat a slice, as nested templates do
            size_t length = 1 + random() % 8;
            name.insert(position, name.substr(position, length));
            break;
        }
        default: // a digit run, for lengths and indices
            name.insert(position, std::to_string(random() % 100000));
            break;
        }
    }
    return name;
}

TEST(DemangleFuzz, EveryTruncationOfTheSeedsIsAnErrorOrText) {
    for (const char* seed : seeds) {
        std::string name(seed);
        ASSERT_TRUE(run(name, 4096).ok) << seed;
        for (size_t length = 0; length < name.size(); ++length)
            run(name.substr(0, length), 4096);
    }
}

TEST(DemangleFuzz, RandomMutationsStayInBoundsTerminateAndRepeat) {
    std::mt19937 random(20240601);
    constexpr size_t rounds = 200000;
    double slowest_ms = 0;
    size_t accepted = 0;
    for (size_t round = 0; round < rounds; ++round) {
        std::string name = mutate(seeds[round % std::size(seeds)], random);
        size_t capacity = 1 + random() % 2048;
        auto start = std::chrono::steady_clock::now();
        Outcome outcome = run(name, capacity);
        double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        slowest_ms = std::max(slowest_ms, ms);
        accepted += outcome.ok;
        if (round % 1000 == 0) {
            EXPECT_EQ(run(name, capacity), outcome) << name;
        }
    }
    std::printf("%zu of %zu mutations demangled, slowest %.2f ms\n", accepted, rounds, slowest_ms);
    // No time limit asserted: speed belongs in benchmarks, and the parser's work limit bounds each call
    // (a runaway would end in ctest's timeout, not pass).
}

TEST(DemangleFuzz, SubstitutionsDoublingTheTextStopAtTheBuffer) {
    // S1_ is std::pair<A, A>, and each pair<S, S> after it doubles the text: 2^40 characters if
    // nothing stopped it. Substitution indices are base 36 (S_, S0_, ..., S9_, SA_, ...).
    auto reference = [](int index) {
        std::string digits;
        int value = index - 1;
        do {
            int digit = value % 36;
            digits.insert(digits.begin(), char(digit < 10 ? '0' + digit : 'A' + digit - 10));
            value /= 36;
        } while (value > 0);
        return "S" + digits + "_";
    };
    std::string fixed = "_Z1f1ASt4pairIS_S_E";
    for (int level = 2; level <= 41; ++level)
        fixed += "S0_I" + reference(level) + reference(level) + "E";
    Outcome outcome = run(fixed, 64 * 1024);
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error, ktl::Errno::NoSpace);
}

TEST(DemangleFuzz, CraftedWorstCasesAreRefused) {
    const std::string cases[] = {
        "_Z1f" + std::string(100000, 'P') + "i",               // nesting
        "_Z1f" + std::string(20000, 'A') + "i",                // arrays without a dimension end
        "_Z1fS_",                                              // a substitution before any candidate
        "_Z1fSZZZZZZZZZZZZ_",                                  // a huge index
        "_Z1fT_",                                              // a template parameter outside a template
        "_Z4294967296x",                                       // a length past 32 bits
        "_Z999999f",                                           // a length past the end
        "_Z" + std::string(60000, 'N'),                        // nested names that never end
        "_Z1fIJ" + std::string(30000, 'J') + "EEvDpT_",        // packs within packs
        "_ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ1fvE1xE1xE1x", // local names within local names
    };
    for (const std::string& name : cases) {
        Outcome outcome = run(name, 4096);
        EXPECT_FALSE(outcome.ok) << name.substr(0, 40);
    }
}

// The parser measures its own stack use: a name nested less deep than the depth limit still stops at
// a small budget (the kernel's is 12 KiB), and demangles with the host's.
ErrorOr<ktl::StringView> run_with_budget(const std::string& name, char* buffer, size_t capacity,
                                         size_t budget) {
    demangle::detail::Parser parser(ktl::StringView(name.data(), name.size()), buffer, capacity - 1, budget);
    return parser.run();
}

TEST(DemangleFuzz, StackBudgetStopsDeepNamesBeforeTheDepthLimit) {
    std::string name = "_Z1f" + std::string(100, 'P') + "i";
    char buffer[4096];
    auto roomy = run_with_budget(name, buffer, sizeof buffer, demangle::detail::Parser::default_stack_budget);
    ASSERT_FALSE(roomy.is_error());
    EXPECT_EQ(std::string(roomy.value().data(), roomy.value().length()),
              "f(int" + std::string(100, '*') + ")");
    auto tight = run_with_budget(name, buffer, sizeof buffer, 2 * 1024);
    ASSERT_TRUE(tight.is_error());
    EXPECT_EQ(tight.error().code(), ktl::Errno::Overflow);
}

} // namespace
