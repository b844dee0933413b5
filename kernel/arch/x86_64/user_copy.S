/*
 * The one routine that touches user memory. A fault inside it is not a kernel bug: the page-fault
 * handler finds the faulting instruction in the exception table and resumes at its fixup, which
 * returns how many bytes were left. Callers check the range is in the user half and open SMAP.
 *
 * uint64_t arch_copy_user(void* destination = rdi, const void* source = rsi, uint64_t length = rdx)
 *   returns 0, or the number of bytes not copied.
 * uint64_t arch_fill_user(void* destination = rdi, uint8_t value = rsi, uint64_t length = rdx)
 * int64_t arch_user_string_length(const char* string = rdi, uint64_t limit = rsi)
 *   returns the length before the NUL, `limit` if there is none within it, or -1 on a fault.
 */
.section .text
.global arch_copy_user
.type arch_copy_user, @function
arch_copy_user:
    mov %rdx, %rcx
    /* 64-byte blocks of eight-byte moves first: an emulator (QEMU's TCG) runs them several times
       faster than rep movsb. A fault anywhere in a block redoes that block bytewise below, which
       stops at the exact byte and reports what is left. */
    cmp $64, %rcx
    jb 1f
20: mov (%rsi), %r8
21: mov 8(%rsi), %r9
22: mov 16(%rsi), %r10
23: mov 24(%rsi), %r11
24: mov %r8, (%rdi)
25: mov %r9, 8(%rdi)
26: mov %r10, 16(%rdi)
27: mov %r11, 24(%rdi)
28: mov 32(%rsi), %r8
29: mov 40(%rsi), %r9
30: mov 48(%rsi), %r10
31: mov 56(%rsi), %r11
32: mov %r8, 32(%rdi)
33: mov %r9, 40(%rdi)
34: mov %r10, 48(%rdi)
35: mov %r11, 56(%rdi)
    add $64, %rsi
    add $64, %rdi
    sub $64, %rcx
    cmp $64, %rcx
    jae 20b
1:  rep movsb
    xor %eax, %eax
    ret
2:  mov %rcx, %rax
    ret
.size arch_copy_user, . - arch_copy_user

.global arch_fill_user
.type arch_fill_user, @function
arch_fill_user:
    mov %rdx, %rcx
    mov %esi, %eax
3:  rep stosb
    xor %eax, %eax
    ret
4:  mov %rcx, %rax
    ret
.size arch_fill_user, . - arch_fill_user

.global arch_user_string_length
.type arch_user_string_length, @function
arch_user_string_length:
    xor %eax, %eax
6:  cmp %rsi, %rax
    je 7f
5:  cmpb $0, (%rdi, %rax)
    je 7f
    inc %rax
    jmp 6b
7:  ret
8:  mov $-1, %rax
    ret
.size arch_user_string_length, . - arch_user_string_length

/* Futex words: one aligned access each, so another CPU never sees (or makes) a torn word.
 * int arch_user_load_u32(const uint32_t* address = rdi, uint32_t* value = rsi): 0, or -1 on a fault.
 * int arch_user_compare_exchange_u32(uint32_t* address = rdi, uint32_t* expected = rsi,
 *                                    uint32_t desired = edx)
 *   lock cmpxchg: 0 with *expected set to the value found (exchanged iff it equals the old
 *   *expected), or -1 on a fault. */
.global arch_user_load_u32
.type arch_user_load_u32, @function
arch_user_load_u32:
40: mov (%rdi), %eax
    mov %eax, (%rsi)
    xor %eax, %eax
    ret
41: mov $-1, %eax
    ret
.size arch_user_load_u32, . - arch_user_load_u32

.global arch_user_compare_exchange_u32
.type arch_user_compare_exchange_u32, @function
arch_user_compare_exchange_u32:
    mov (%rsi), %eax
42: lock cmpxchg %edx, (%rdi)
    mov %eax, (%rsi)
    xor %eax, %eax
    ret
43: mov $-1, %eax
    ret
.size arch_user_compare_exchange_u32, . - arch_user_compare_exchange_u32

/* Pairs of (faulting instruction, where to resume). */
.section .exception_table, "a"
.balign 8
.quad 1b, 2b
.quad 20b, 1b
.quad 21b, 1b
.quad 22b, 1b
.quad 23b, 1b
.quad 24b, 1b
.quad 25b, 1b
.quad 26b, 1b
.quad 27b, 1b
.quad 28b, 1b
.quad 29b, 1b
.quad 30b, 1b
.quad 31b, 1b
.quad 32b, 1b
.quad 33b, 1b
.quad 34b, 1b
.quad 35b, 1b
.quad 3b, 4b
.quad 5b, 8b
.quad 40b, 41b
.quad 42b, 43b
