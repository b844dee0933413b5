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

/*
 * Call-frame information describes the saved InterruptFrame, so an unwinder (and gdb) can walk from
 * interrupt_dispatch back into the interrupted code. The CFA is the address just above the CPU's
 * frame; the interrupted rip and rsp are saved at CFA-40 and CFA-16. `signal_frame` marks the frame
 * so the interrupted rip is used as it is, not as a return address.
 */
interrupt_common:
    .type interrupt_common, @function
    .cfi_startproc simple
    .cfi_signal_frame
    .cfi_def_cfa %rsp, 56
    .cfi_offset %rip, -40
    .cfi_offset %rsp, -16
    /* From ring 3 (the saved CS's low bits), GS still holds the user's base: swap in the CPU's. */
    testb $3, 24(%rsp)
    jz interrupt_common_kernel_gs
    swapgs
.global interrupt_common_kernel_gs
interrupt_common_kernel_gs:
    push %rax
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rax, 0
    push %rbx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbx, 0
    push %rcx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rcx, 0
    push %rdx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rdx, 0
    push %rsi
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rsi, 0
    push %rdi
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rdi, 0
    push %rbp
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbp, 0
    push %r8
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r8, 0
    push %r9
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r9, 0
    push %r10
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r10, 0
    push %r11
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r11, 0
    push %r12
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r12, 0
    push %r13
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r13, 0
    push %r14
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r14, 0
    push %r15
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r15, 0
    /* Flags from the interrupted code must not leak in: AC would switch SMAP off for the handler (and,
       carried across a switch, for other tasks), DF would reverse string instructions. The gate has
       already cleared IF; handlers turn it back on where they want it. */
    pushq $2
    popfq
    mov %rsp, %rdi
    /* 22 quadwords were pushed on a 16-byte aligned stack (the CPU aligns it), so the call is aligned. */
    call interrupt_dispatch
.global interrupt_restore
interrupt_restore:
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
    testb $3, 24(%rsp)
    jz 1f
    /*
     * A system call made with `syscall` leaves with `sysretq`, which is much cheaper than iretq: rip
     * comes from rcx and rflags from r11, which the syscall ABI lets the kernel clobber. Only for a
     * canonical rip: sysretq to a non-canonical one faults in ring 0 on Intel CPUs.
     */
    cmpq $0x80, (%rsp)
    jne 2f
    cmpq $1, 8(%rsp)
    jne 2f
    mov 16(%rsp), %rcx
    mov %rcx, %r11
    shr $47, %r11
    jnz 2f
    mov 32(%rsp), %r11
    mov 40(%rsp), %rsp
    swapgs
    sysretq
2:
    swapgs
1:
    add $16, %rsp
    iretq
    .cfi_endproc

/* return_to_user_mode(frame = rdi): see arch/user_mode.h. */
.global return_to_user_mode
.type return_to_user_mode, @function
return_to_user_mode:
    cli
    mov %rdi, %rsp
    jmp interrupt_restore
.size return_to_user_mode, . - return_to_user_mode

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
.type fault_catch_run, @function
fault_catch_run:
    .cfi_startproc
    push %rbp
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbp, 0
    mov %rsp, %rbp
    push %rbx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbx, 0
    push %r12
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r12, 0
    push %r13
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r13, 0
    push %r14
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r14, 0
    push %r15
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r15, 0
    push %rdi                    /* keeps the stack 16-byte aligned for the call */
    .cfi_adjust_cfa_offset 8
    mov %rsp, (%rdi)             /* context->saved_stack_pointer */
    mov %rdx, %rdi
    call *%rsi
    xor %eax, %eax
    jmp 1f
/* Entered with the stack exactly as after `push %rdi` above, so the same call-frame rules hold. */
.global fault_catch_landing
fault_catch_landing:
    mov $1, %eax
1:  pop %rdi
    .cfi_adjust_cfa_offset -8
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
