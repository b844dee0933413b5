/*
 * One entry stub per vector. Each makes the stack look the same (a zero error code where the CPU pushes
 * none, then the vector number), saves every general register into an InterruptFrame and calls
 * interrupt_dispatch(frame). The handler may edit the frame; the registers are restored from it.
 */

/* Vectors whose exceptions push an error code (Intel SDM vol. 3A, table 6-1). */
.macro interrupt_stub vector
.balign 16
interrupt_stub_\vector:
    .if (\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
    .else
    pushq $0
    .endif
    pushq $\vector
    jmp interrupt_common
.endm

.section .text
.altmacro
.set vector, 0
.rept 256
    interrupt_stub %vector
    .set vector, vector + 1
.endr

interrupt_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    cld
    mov %rsp, %rdi
    /* 22 quadwords were pushed on a 16-byte aligned stack (the CPU aligns it), so the call is aligned. */
    call interrupt_dispatch
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp
    iretq

.macro stub_address vector
    .quad interrupt_stub_\vector
.endm

.section .rodata
.balign 8
.global interrupt_stub_table
interrupt_stub_table:
.set vector, 0
.rept 256
    stub_address %vector
    .set vector, vector + 1
.endr

/*
 * Fault catching (see fault_catch.h). fault_catch_run(context, function, argument) saves the callee-saved
 * registers and its stack pointer in `context`, then calls function(argument). If an exception handler
 * finds the context armed, it resumes at fault_catch_landing on that saved stack, which returns 1.
 */
.section .text
.global fault_catch_run
fault_catch_run:
    push %rbp
    mov %rsp, %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    push %rdi                    /* keeps the stack 16-byte aligned for the call */
    mov %rsp, (%rdi)             /* context->saved_stack_pointer */
    mov %rdx, %rdi
    call *%rsi
    xor %eax, %eax
    jmp 1f
.global fault_catch_landing
fault_catch_landing:
    mov $1, %eax
1:  pop %rdi
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret
