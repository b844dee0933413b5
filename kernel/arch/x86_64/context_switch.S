/*
 * switch_stacks(save_to = rdi, next_stack_pointer = rsi): the System V callee-saved registers go on
 * the current stack, which is parked in *save_to; the next thread's are popped from its stack and
 * `ret` resumes it where it last called switch_stacks (or in thread_start_trampoline).
 */
.section .text
.global switch_stacks
.type switch_stacks, @function
switch_stacks:
    .cfi_startproc
    push %rbp
    .cfi_adjust_cfa_offset 8
    push %rbx
    .cfi_adjust_cfa_offset 8
    push %r12
    .cfi_adjust_cfa_offset 8
    push %r13
    .cfi_adjust_cfa_offset 8
    push %r14
    .cfi_adjust_cfa_offset 8
    push %r15
    .cfi_adjust_cfa_offset 8
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    pop %r15
    .cfi_adjust_cfa_offset -8
    pop %r14
    .cfi_adjust_cfa_offset -8
    pop %r13
    .cfi_adjust_cfa_offset -8
    pop %r12
    .cfi_adjust_cfa_offset -8
    pop %rbx
    .cfi_adjust_cfa_offset -8
    pop %rbp
    .cfi_adjust_cfa_offset -8
    ret
    .cfi_endproc
.size switch_stacks, . - switch_stacks

/*
 * A new thread's first frame returns here with its start function in r13 and argument in r12. The
 * pushed zero is a return address nobody uses; with rip undefined an unwinder stops at this frame.
 */
.global thread_start_trampoline
.type thread_start_trampoline, @function
thread_start_trampoline:
    .cfi_startproc
    .cfi_undefined %rip
    xor %ebp, %ebp
    mov %r12, %rdi
    push $0
    jmp *%r13
    .cfi_endproc
.size thread_start_trampoline, . - thread_start_trampoline
