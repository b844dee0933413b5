// Hand-picked names, one or more per construct the demangler handles, with the text c++filt (binutils
// 2.40) prints for them, checked against it when the table was written; plus names c++filt refuses,
// which must be errors, and the buffer contract (NUL, exact fit, too small).
#include "demangle/demangle.h"

#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace {

struct Case {
    const char* mangled;
    const char* expected;
};

// Grouped as: basics and std abbreviations; substitutions and packs; literals; declarators; qualifiers;
// operators and special members; local names and lambdas; special names; clones; ABI tags and builtins;
// expressions; c++filt quirks seen in real libraries (LLVM, libstdc++, this kernel).
const Case cases[] = {
    {"_Z1fv", "f()"},
    {"_Z3fooicd", "foo(int, char, double)"},
    {"_ZN3foo3barEv", "foo::bar()"},
    {"_ZN12_GLOBAL__N_13fooEv", "(anonymous namespace)::foo()"},
    {"_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<int, std::allocator<int> >::push_back(int const&)"},
    {"_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEC1EPKcRKS3_",
     "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::basic_string(char "
     "const*, std::allocator<char> const&)"},
    {"_ZNSsC1Ev", "std::basic_string<char, std::char_traits<char>, std::allocator<char> >::basic_string()"},
    {"_ZNSaIcEC1ERKS_", "std::allocator<char>::allocator(std::allocator<char> const&)"},
    {"_ZNSbIwSt11char_traitsIwESaIwEE4swapERS2_",
     "std::basic_string<wchar_t, std::char_traits<wchar_t>, std::allocator<wchar_t> "
     ">::swap(std::basic_string<wchar_t, std::char_traits<wchar_t>, std::allocator<wchar_t> >&)"},
    {"_ZNSi3getEv", "std::basic_istream<char, std::char_traits<char> >::get()"},
    {"_ZNSo3putEc", "std::basic_ostream<char, std::char_traits<char> >::put(char)"},
    {"_ZNSdD0Ev", "std::basic_iostream<char, std::char_traits<char> >::~basic_iostream()"},
    {"_Z1fSs", "f(std::basic_string<char, std::char_traits<char>, std::allocator<char> >)"},
    {"_ZSt4endlIcSt11char_traitsIcEERSt13basic_ostreamIT_T0_ES6_",
     "std::basic_ostream<char, std::char_traits<char> >& std::endl<char, std::char_traits<char> "
     ">(std::basic_ostream<char, std::char_traits<char> >&)"},
    {"_ZStlsISt11char_traitsIcEERSt13basic_ostreamIcT_ES5_PKc",
     "std::basic_ostream<char, std::char_traits<char> >& std::operator<< <std::char_traits<char> "
     ">(std::basic_ostream<char, std::char_traits<char> >&, char const*)"},
    {"_Z1fN1A1BIiEES1_S0_S_", "f(A::B<int>, A::B<int>, A::B, A)"},
    {"_Z1fIiEvT_S_", "void f<int>(int, f)"},
    {"_Z1fIJidEEvDpT_", "void f<int, double>(int, double)"},
    {"_Z1fIJEEvDpT_", "void f<>()"},
    {"_Z1fIiJcdEEvT_DpT0_", "void f<int, char, double>(int, char, double)"},
    {"_Z1fIJEiEvv", "void f<, int>()"},
    {"_ZSt12__get_helperILm1ESt14default_deleteIA_hEJEERT0_RSt11_Tuple_implIXT_EJS3_DpT1_EE",
     "std::default_delete<unsigned char []>& std::__get_helper<1ul, std::default_delete<unsigned char "
     "[]>>(std::_Tuple_impl<1ul, std::default_delete<unsigned char []>>&)"},
    {"_Z1fILi5EEvv", "void f<5>()"},
    {"_Z1fILj5EEvv", "void f<5u>()"},
    {"_Z1fILm5EEvv", "void f<5ul>()"},
    {"_Z1fILin5EEvv", "void f<-5>()"},
    {"_Z1fILb1EEvv", "void f<true>()"},
    {"_Z1fILc97EEvv", "void f<(char)97>()"},
    {"_Z1fILDn0EEvv", "void f<(decltype(nullptr))0>()"},
    {"_Z1fIXadL_Z1gvEEEvv", "void f<&(g())>()"},
    {"_Z1fIXadL_ZN1A1fEvEEEvv", "void f<&A::f>()"},
    {"_Z1fILf3f800000EEvv", "void f<(float)[3f800000]>()"},
    {"_Z1fPFviE", "f(void (*)(int))"},
    {"_Z1fPKPFviE", "f(void (* const*)(int))"},
    {"_Z1fA3_i", "f(int [3])"},
    {"_Z1fPA3_i", "f(int (*) [3])"},
    {"_Z1fRA3_i", "f(int (&) [3])"},
    {"_Z1fA2_A3_i", "f(int [2][3])"},
    {"_Z1fPA3_PFviE", "f(void (* (*) [3])(int))"},
    {"_Z1fM1AFviE", "f(void (A::*)(int))"},
    {"_Z1fM1AKFviE", "f(void (A::*)(int) const)"},
    {"_Z1fM1Ai", "f(int A::*)"},
    {"_Z1fM1APFvvE", "f(void (* A::*)())"},
    {"_Z1fIiEPFvvEv", "void (*f<int>())()"},
    {"_Z1fIiEA3_iv", "int (f<int>()) [3]"},
    {"_Z1fIiEKPFvvEv", "void (* constf<int>())()"},
    {"_Z1fPFPFvvEvE", "f(void (*(*)())())"},
    {"_Z1fRKi", "f(int const&)"},
    {"_Z1fOi", "f(int&&)"},
    {"_Z1fPVKi", "f(int const volatile*)"},
    {"_Z1frVKi", "f(int const volatile restrict)"},
    {"_Z1fIRiEvOT_", "void f<int&>(int&)"},
    {"_Z1fRiOS_", "f(int&, int&)"},
    {"_Z1fIKFvvEEvPT_", "void f<void () const>(void (*)() const)"},
    {"_Z1fIFvvEEvKT_", "void f<void ()>(void ( const)())"},
    {"_Z1fKA3_i", "f(int const [3])"},
    {"_ZNKR1A1fEv", "A::f() const &"},
    {"_ZNKO1A1fEv", "A::f() const &&"},
    {"_ZNVK1A1fEv", "A::f() const volatile"},
    {"_Z1fM1AKDoFvvRE", "f(void (A::*)() noexcept const &)"},
    {"_Z1fPDoFvvE", "f(void (*)() noexcept)"},
    {"_Z1fPDwiEFvvE", "f(void (*)() throw(int))"},
    {"_ZN1AaSERKS_", "A::operator=(A const&)"},
    {"_ZN1AclEv", "A::operator()()"},
    {"_ZN1AixEi", "A::operator[](int)"},
    {"_ZN1AssEv", "A::operator<=>()"},
    {"_ZnwmPv", "operator new(unsigned long, void*)"},
    {"_ZdaPv", "operator delete[](void*)"},
    {"_ZN1AcvbEv", "A::operator bool()"},
    {"_ZNK1AcvPKcEv", "A::operator char const*() const"},
    {"_ZN1AIiEcvPT_IcEEv", "A<int>::operator char*<char>()"},
    {"_ZN1Ali1xEv", "A::operator\"\" x()"},
    {"_ZStlsRSoRKSs", "std::operator<<(std::basic_ostream<char, std::char_traits<char> >&, "
                      "std::basic_string<char, std::char_traits<char>, std::allocator<char> > const&)"},
    {"_ZN1AC2ERKS_", "A::A(A const&)"},
    {"_ZN1AD0Ev", "A::~A()"},
    {"_ZN1AD1Ev", "A::~A()"},
    {"_ZN1AD2Ev", "A::~A()"},
    {"_ZN1AIiEC1IcEET_", "A<int>::A<char>(char)"},
    {"_ZN1ACI1NS_1BEEi", "A::B(int)"},
    {"_ZZ4mainE1x", "main::x"},
    {"_ZZ3foovE1x_0", "foo()::x"},
    {"_ZZ3foovE1x__12_", "foo()::x"},
    {"_ZZ3foovEs", "foo()::string literal"},
    {"_ZZN1fIiEEvvE1x", "f<int>()::x"},
    {"_ZZ4mainENKUlvE_clEv", "main::{lambda()#1}::operator()() const"},
    {"_ZZ4mainENKUlvE0_clEv", "main::{lambda()#2}::operator()() const"},
    {"_ZZ4mainENKUlT_E_clIiEEDaS_", "auto main::{lambda(auto:1)#1}::operator()<int>(int) const"},
    {"_ZZ1fvEd_NKUlvE_clEv", "f()::{default arg#1}::{lambda()#1}::operator()() const"},
    {"_ZZ1fvENUt_1gEv", "f()::{unnamed type#1}::g()"},
    {"_Z1fN1AUt0_E", "f(A::{unnamed type#2})"},
    {"_ZN1A1BMUlvE_clEv", "A::B::{lambda()#1}::operator()()"},
    {"_ZTV1A", "vtable for A"},
    {"_ZTI1A", "typeinfo for A"},
    {"_ZTS1A", "typeinfo name for A"},
    {"_ZTT1A", "VTT for A"},
    {"_ZTC1A8_1B", "construction vtable for B-in-A"},
    {"_ZThn8_N1A1fEv", "non-virtual thunk to A::f()"},
    {"_ZTv0_n24_N1AD0Ev", "virtual thunk to A::~A()"},
    {"_ZTch0_h8_N1A1fEv", "covariant return thunk to A::f()"},
    {"_ZGVZ3foovE1x", "guard variable for foo()::x"},
    {"_ZTH1x", "TLS init function for x"},
    {"_ZTW1x", "TLS wrapper function for x"},
    {"_ZGTt1fv", "transaction clone for f()"},
    {"_ZGRZ1fvE1x_", "reference temporary #0 for f()::x"},
    {"_ZTAXtl1AEE", "template parameter object for A{}"},
    {"_Z3foov.cold", "foo() [clone .cold]"},
    {"_Z3foov.isra.0", "foo() [clone .isra.0]"},
    {"_Z3foov.constprop.0.isra.0", "foo() [clone .constprop.0] [clone .isra.0]"},
    {"_Z3foov.part.0.cold", "foo() [clone .part.0] [clone .cold]"},
    {"_ZL3foov.lto_priv.0", "foo() [clone .lto_priv.0]"},
    {"_ZN1A1fEv.cold.1", "A::f() [clone .cold.1]"},
    {"_Z1fB5cxx11v", "f[abi:cxx11]()"},
    {"_ZN1AB5cxx11C1Ev", "A[abi:cxx11]::A()"},
    {"_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE5c_strEv",
     "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::c_str() const"},
    {"_Z1fDv4_f", "f(float __vector(4))"},
    {"_Z1fU8__vectori", "f(int __vector)"},
    {"_Z1fDa", "f(auto)"},
    {"_Z1fDn", "f(decltype(nullptr))"},
    {"_Z1fDu", "f(char8_t)"},
    {"_Z1fDF16_", "f(_Float16)"},
    {"_Z1fz", "f(...)"},
    {"_Z5helloPKcz", "hello(char const*, ...)"},
    {"_Z1fIiEDTplfp_fp_ET_", "decltype ({parm#1}+{parm#1}) f<int>(int)"},
    {"_Z1fIiEDTcl1gfp_fp_EET_", "decltype (g({parm#1}, {parm#1})) f<int>(int)"},
    {"_Z1fIiEDTcldtfp_1gEET_", "decltype (({parm#1}.g)()) f<int>(int)"},
    {"_Z1fIiEDTstT_ET_", "decltype (sizeof (int)) f<int>(int)"},
    {"_Z1fIiEDTcvT_Li1EET_", "decltype ((int)(1)) f<int>(int)"},
    {"_Z1fIiEDTgtfp_fp_ET_", "decltype (({parm#1}>{parm#1})) f<int>(int)"},
    {"_Z1fIiEDTqufp_fp_fp_ET_", "decltype ({parm#1}?{parm#1} : {parm#1}) f<int>(int)"},
    {"_Z1fIiEDTixfp_Li1EET_", "decltype ({parm#1}[1]) f<int>(int)"},
    {"_Z1fIiEDTsr1AIT_E1xET_", "decltype (A<int>::x) f<int>(int)"},
    {"_Z1fIiEDTscT_fp_ET_", "decltype (static_cast<int>({parm#1})) f<int>(int)"},
    {"_Z1fIiEDTgsnw_T_EET_", "decltype (::new int) f<int>(int)"},
    {"_ZN4llvm10checkedAddIiEENSt9enable_ifIXsr3std9is_signedIT_EE5valueENS_8OptionalIS2_EEE4typeES2_S2_",
     "std::enable_if<std::is_signed<int>::value, llvm::Optional<int> >::type llvm::checkedAdd<int>(int, "
     "int)"},
    {"_Z1fIJLi1ELi2EEEvN1BIJXspT_EEEE", "void f<1, 2>(B<1, 2>)"},
    {"_Z1fIJidEEvN1BIXsZT_EEE", "void f<int, double>(B<2>)"},
    {"_ZN4llvm12handleErrorsIJZN5clang8cross_tu27CrossTranslationUnitContext20importDefinitionImplINS1_"
     "12FunctionDeclEEENS_8ExpectedIPKT_EES9_PNS1_7ASTUnitEEUlRKNS1_11ImportErrorEE_EEENS_5ErrorESH_DpOT_",
     "llvm::Error "
     "llvm::handleErrors<clang::cross_tu::CrossTranslationUnitContext::importDefinitionImpl<clang::"
     "FunctionDecl>(clang::FunctionDecl const*, clang::ASTUnit*)::{lambda(clang::ImportError "
     "const&)#1}>(llvm::Error, "
     "clang::cross_tu::CrossTranslationUnitContext::importDefinitionImpl<clang::FunctionDecl>(clang::"
     "FunctionDecl const*, clang::ASTUnit*)::{lambda(clang::ImportError const&)#1}&&)"},
    {"_ZZNSt9once_flag18_Prepare_executionC1IZSt9call_onceIRFvvEJEEvRS_OT_DpOT0_EUlvE_EERS6_ENUlvE_8__"
     "invokeEv",
     "std::once_flag::_Prepare_execution::_Prepare_execution<std::call_once<void (&)()>(std::once_flag&, "
     "void (&)())::{lambda()#1}>(void (&)())::{lambda()#1}::__invoke()"},
    {"_ZN5clang6interp15ByteCodeEmitter6emitOpIJEEEbNS0_6OpcodeEDpRKT_RKNS0_10SourceInfoE",
     "bool clang::interp::ByteCodeEmitter::emitOp<>(clang::interp::Opcode, , clang::interp::SourceInfo "
     "const&)"},
    {"_ZN4llvm22containsIrreducibleCFGIPKNS_10BasicBlockEKNS_25ReversePostOrderTraversalIPKNS_8FunctionENS_"
     "11GraphTraitsIS7_EEEEKNS_8LoopInfoENS8_IS3_EEEEbRT0_RKT1_",
     "bool llvm::containsIrreducibleCFG<llvm::BasicBlock const*, "
     "llvm::ReversePostOrderTraversal<llvm::Function const*, llvm::GraphTraits<llvm::Function const*> > "
     "const, llvm::LoopInfo const, llvm::GraphTraits<llvm::BasicBlock const*> "
     ">(llvm::ReversePostOrderTraversal<llvm::Function const*, llvm::GraphTraits<llvm::Function const*> > "
     "const&, llvm::LoopInfo const&)"},
    {"_ZN8syscalls12_GLOBAL__N_15ThunkIXadL_ZNS_10sys_getpidEvEEE4callERN4arch14InterruptFrameE",
     "syscalls::(anonymous namespace)::Thunk<&syscalls::sys_getpid>::call(arch::InterruptFrame&)"},
};

const char* const refused[] = {
    "_Z",
    "_Z1",
    "_Z1fS_",
    "foo",
    "_ZN1AIiE1fEvT_",
    "_ZL5Argv0.0",
    "_Z1fv.",
    "_Z1fv.Foo",
    "_Z1fv$x",
    "_ZN1A1BIiEcvT_Ev",
    "_Z1fIiEDTfpK_ET_",
    "_ZN1AcvN1BIT_EEIiEEv",
    "_Z1fAT_ii",
    "_Z1fPFvDpT_E",
    "_ZNK1A",
    "_Z0v",
    "_Z5abcv",
    "_Z1fS0_",
    "_Z1fIiEDTdtfp_fp_ET_",
    "_ZTV",
    "_Z1fDv_4_f",
};

std::string demangled(const char* mangled, size_t capacity = 4096) {
    std::vector<char> buffer(capacity);
    auto result = demangle::demangle(mangled, buffer.data(), buffer.size());
    if (result.is_error())
        return std::string("error: ") + result.error().name();
    return std::string(result.value().data(), result.value().length());
}

TEST(DemangleCases, EveryHandPickedNameMatchesCxxfilt) {
    for (const Case& entry : cases)
        EXPECT_EQ(demangled(entry.mangled), entry.expected) << entry.mangled;
}

TEST(DemangleCases, NamesCxxfiltRefusesAreErrors) {
    for (const char* mangled : refused) {
        char buffer[256];
        auto result = demangle::demangle(mangled, buffer, sizeof buffer);
        EXPECT_TRUE(result.is_error()) << mangled << " gave " << demangled(mangled);
    }
}

TEST(DemangleCases, OutputIsNulTerminatedAndPointsIntoTheBuffer) {
    char buffer[64];
    std::memset(buffer, 'x', sizeof buffer);
    auto result = demangle::demangle("_ZN3foo3barEv", buffer, sizeof buffer);
    ASSERT_FALSE(result.is_error());
    EXPECT_EQ(result.value().data(), buffer);
    EXPECT_EQ(result.value().length(), std::strlen("foo::bar()"));
    EXPECT_STREQ(buffer, "foo::bar()");
}

TEST(DemangleCases, ExactFitSucceedsAndOneByteLessIsNoSpace) {
    const char* mangled = "_ZNSt6vectorIiSaIiEE9push_backERKi";
    std::string expected = "std::vector<int, std::allocator<int> >::push_back(int const&)";
    EXPECT_EQ(demangled(mangled, expected.size() + 1), expected);
    for (size_t capacity = 0; capacity <= expected.size(); ++capacity) {
        std::vector<char> buffer(capacity + 1, 'x');
        auto result = demangle::demangle(mangled, capacity ? buffer.data() : nullptr, capacity);
        ASSERT_TRUE(result.is_error()) << capacity;
        EXPECT_EQ(result.error().code(), ktl::Errno::NoSpace) << capacity;
        EXPECT_EQ(buffer[capacity], 'x') << "wrote past the capacity " << capacity;
    }
}

TEST(DemangleCases, ErrorKindsAreDistinguished) {
    char buffer[256];
    EXPECT_EQ(demangle::demangle("main", buffer, sizeof buffer).error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(demangle::demangle("_Z1fIiEDTsPT_EET_", buffer, sizeof buffer).error().code(),
              ktl::Errno::NotSupported);
    std::string wide = "_Z1f" + std::string(300, 'i'); // "f(int, int, ...)": 1,500 characters
    EXPECT_EQ(demangle::demangle(wide.c_str(), buffer, sizeof buffer).error().code(), ktl::Errno::NoSpace);
    std::string deep = "_Z1f" + std::string(1000, 'P') + "i"; // nesting past the depth limit
    EXPECT_EQ(demangle::demangle(deep.c_str(), buffer, sizeof buffer).error().code(), ktl::Errno::Overflow);
    std::string too_long(demangle::max_mangled_length + 1, 'v');
    EXPECT_EQ(demangle::demangle(too_long.c_str(), buffer, sizeof buffer).error().code(),
              ktl::Errno::Overflow);
}

} // namespace
