// A small test framework for user programs, in the spirit of the kernel's KTEST:
//
//   TEST(write_to_a_bad_fd_fails_with_ebadf) { EXPECT_ERRNO(write(999, "x", 1), EBADF); }
//
// TEST() registers itself; the framework's main() runs every test in file order, prints
// `test NAME ... ok` or `... FAILED` as one whole line once the test has finished (the test's own
// output and its failing expectations, with file:line and values, come before it) and
// a closing `N passed, N failed`, and exits 0 iff all passed. `PROGRAM SUBSTRING` runs the matching
// tests only. EXPECT_* record a failure and continue; ASSERT_* also return from the test.
//
// Things that must crash or exit run in a child: CHILD_SCENARIO(name) defines code the framework
// runs when the program is re-executed as `PROGRAM --child name [args...]`; run_child() spawns that
// with posix_spawn and returns the wait status for EXPECT_EXITED / EXPECT_SIGNALED.
#pragma once

#include <cerrno>
#include <csignal>
#include <initializer_list>
#include <string_view>
#include <sys/types.h>
#include <type_traits>

namespace test {

struct TestCase {
    const char* name;
    void (*function)();
    TestCase* next;
};

struct ChildScenario {
    const char* name;
    // argc/argv are the arguments after the scenario's name; the return value is the exit status.
    int (*function)(int argc, char** argv);
    ChildScenario* next;
};

struct Registrar {
    explicit Registrar(TestCase& test);
    explicit Registrar(ChildScenario& scenario);
};

// Value printing for failure messages.
void print_value(long long value);
void print_value(unsigned long long value);
void print_value(const void* value);
void print_value(std::string_view value);
void print_value(double value);

template <typename T>
void print_any(const T& value) {
    if constexpr (std::is_same_v<T, bool>)
        print_value(std::string_view(value ? "true" : "false"));
    else if constexpr (std::is_enum_v<T>)
        print_any(static_cast<std::underlying_type_t<T>>(value));
    else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>)
        print_value(static_cast<long long>(value));
    else if constexpr (std::is_integral_v<T>)
        print_value(static_cast<unsigned long long>(value));
    else if constexpr (std::is_floating_point_v<T>)
        print_value(static_cast<double>(value));
    else if constexpr (std::is_convertible_v<T, std::string_view> && !std::is_null_pointer_v<T>)
        print_value(std::string_view(value));
    else if constexpr (std::is_pointer_v<T> || std::is_null_pointer_v<T>)
        print_value(reinterpret_cast<const void*>(value));
    else
        print_value(std::string_view("<unprintable>"));
}

// Integers compare by value whatever their signedness (-1 is not 0xffffffff); the rest with ==.
template <typename A, typename B>
bool values_equal(const A& a, const B& b) {
    if constexpr (std::is_integral_v<A> && std::is_integral_v<B>)
        return static_cast<__int128>(a) == static_cast<__int128>(b);
    else
        return a == b;
}

template <typename A, typename B>
bool values_less(const A& a, const B& b) {
    if constexpr (std::is_integral_v<A> && std::is_integral_v<B>)
        return static_cast<__int128>(a) < static_cast<__int128>(b);
    else if constexpr (std::is_pointer_v<A> && std::is_pointer_v<B>)
        return reinterpret_cast<__UINTPTR_TYPE__>(a) < reinterpret_cast<__UINTPTR_TYPE__>(b);
    else
        return a < b;
}

// Starts a failure report ("  file:line: message") and marks the running test failed.
void begin_failure(const char* file, int line);
void end_failure();
void print_text(std::string_view text);

enum class Relation { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual };

template <typename A, typename B>
bool check_relation(Relation relation, const A& a, const B& b, const char* a_text, const char* b_text,
                    const char* op, const char* file, int line) {
    bool holds = false;
    switch (relation) {
    case Relation::Equal:
        holds = values_equal(a, b);
        break;
    case Relation::NotEqual:
        holds = !values_equal(a, b);
        break;
    case Relation::Less:
        holds = values_less(a, b);
        break;
    case Relation::LessEqual:
        holds = !values_less(b, a);
        break;
    case Relation::Greater:
        holds = values_less(b, a);
        break;
    case Relation::GreaterEqual:
        holds = !values_less(a, b);
        break;
    }
    if (holds)
        return true;
    begin_failure(file, line);
    print_text("expected ");
    print_text(a_text);
    print_text(" ");
    print_text(op);
    print_text(" ");
    print_text(b_text);
    print_text("\n    left:  ");
    print_any(a);
    print_text("\n    right: ");
    print_any(b);
    end_failure();
    return false;
}

bool check_true(bool value, bool expected, const char* text, const char* file, int line);
bool check_string_equal(const char* a, const char* b, const char* a_text, const char* b_text,
                        const char* file, int line);
// `result` from a libc call that must fail with -1 and errno == expected.
bool check_errno(long result, int error, int expected, const char* text, const char* file, int line);
bool check_exited(int status, int code, const char* text, const char* file, int line);
bool check_signaled(int status, int signal, const char* text, const char* file, int line);

// "exited with 3", "killed by SIGSEGV (11)", ...
struct StatusText {
    char text[64];
};
[[nodiscard]] StatusText describe_status(int status);
[[nodiscard]] const char* errno_name(int error);
[[nodiscard]] const char* signal_name(int signal);

// Path of this test program (argv[0]), for re-executing it.
[[nodiscard]] const char* self_path();

// Starts `self --child scenario args...`; returns its pid, or -1 after reporting a failure.
pid_t spawn_child(const char* scenario, std::initializer_list<const char*> args = {});
// Waits for `pid` and returns its wait status (or -1 after reporting a failure).
int wait_child(pid_t pid);
// spawn_child + wait_child.
int run_child(const char* scenario, std::initializer_list<const char*> args = {});

} // namespace test

#define TEST_CONCAT_INNER(a, b) a##b
#define TEST_CONCAT(a, b) TEST_CONCAT_INNER(a, b)

#define TEST(name)                                                                                           \
    static void test_function_##name();                                                                      \
    static ::test::TestCase test_case_##name{#name, test_function_##name, nullptr};                          \
    static ::test::Registrar test_registrar_##name{test_case_##name};                                        \
    static void test_function_##name()

#define CHILD_SCENARIO(name)                                                                                 \
    static int child_function_##name(int argc, char** argv);                                                 \
    static ::test::ChildScenario child_scenario_##name{#name, child_function_##name, nullptr};               \
    static ::test::Registrar child_registrar_##name{child_scenario_##name};                                  \
    static int child_function_##name([[maybe_unused]] int argc, [[maybe_unused]] char** argv)

#define TEST_RELATION(relation, op, a, b)                                                                    \
    ::test::check_relation(::test::Relation::relation, (a), (b), #a, #b, op, __FILE__, __LINE__)

#define EXPECT_EQ(a, b) TEST_RELATION(Equal, "==", a, b)
#define EXPECT_NE(a, b) TEST_RELATION(NotEqual, "!=", a, b)
#define EXPECT_LT(a, b) TEST_RELATION(Less, "<", a, b)
#define EXPECT_LE(a, b) TEST_RELATION(LessEqual, "<=", a, b)
#define EXPECT_GT(a, b) TEST_RELATION(Greater, ">", a, b)
#define EXPECT_GE(a, b) TEST_RELATION(GreaterEqual, ">=", a, b)
#define EXPECT_TRUE(value) ::test::check_true(static_cast<bool>(value), true, #value, __FILE__, __LINE__)
#define EXPECT_FALSE(value) ::test::check_true(static_cast<bool>(value), false, #value, __FILE__, __LINE__)
#define EXPECT_STREQ(a, b) ::test::check_string_equal((a), (b), #a, #b, __FILE__, __LINE__)
// errno is reset first so a stale value cannot make a wrong call look right.
#define EXPECT_ERRNO(call, error)                                                                            \
    ([&] {                                                                                                   \
        errno = 0;                                                                                           \
        long test_result_ = static_cast<long>(call);                                                         \
        return ::test::check_errno(test_result_, errno, error, #call, __FILE__, __LINE__);                   \
    }())
#define EXPECT_EXITED(status, code) ::test::check_exited((status), (code), #status, __FILE__, __LINE__)
#define EXPECT_SIGNALED(status, signal)                                                                      \
    ::test::check_signaled((status), (signal), #status, __FILE__, __LINE__)

#define TEST_ASSERT(check)                                                                                   \
    do {                                                                                                     \
        if (!(check))                                                                                        \
            return;                                                                                          \
    } while (0)
#define ASSERT_EQ(a, b) TEST_ASSERT(EXPECT_EQ(a, b))
#define ASSERT_NE(a, b) TEST_ASSERT(EXPECT_NE(a, b))
#define ASSERT_LT(a, b) TEST_ASSERT(EXPECT_LT(a, b))
#define ASSERT_LE(a, b) TEST_ASSERT(EXPECT_LE(a, b))
#define ASSERT_GT(a, b) TEST_ASSERT(EXPECT_GT(a, b))
#define ASSERT_GE(a, b) TEST_ASSERT(EXPECT_GE(a, b))
#define ASSERT_TRUE(value) TEST_ASSERT(EXPECT_TRUE(value))
#define ASSERT_FALSE(value) TEST_ASSERT(EXPECT_FALSE(value))
#define ASSERT_STREQ(a, b) TEST_ASSERT(EXPECT_STREQ(a, b))
#define ASSERT_ERRNO(call, error) TEST_ASSERT(EXPECT_ERRNO(call, error))
#define ASSERT_EXITED(status, code) TEST_ASSERT(EXPECT_EXITED(status, code))
#define ASSERT_SIGNALED(status, signal) TEST_ASSERT(EXPECT_SIGNALED(status, signal))
