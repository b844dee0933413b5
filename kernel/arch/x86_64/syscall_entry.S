/*
 * The `syscall` instruction's entry (IA32_LSTAR). The CPU saved the user's rip in rcx and rflags in
 * r11, cleared the flags in IA32_FMASK (interrupts are off) and switched CS/SS, but not the stack: the
 * per-CPU block (GS after swapgs) holds the kernel stack top and a slot for the user's rsp. The frame
 * built here is the one an interrupt from ring 3 builds, with vector 0x80 and error code 1, so both
 * entries reach the same dispatcher; on the way out, error code 1 picks sysretq over iretq
 * (interrupt_entry.S).
 */
.section .text
.global syscall_entry
.type syscall_entry, @function
syscall_entry:
    swapgs
    mov %rsp, %gs:16
    mov %gs:8, %rsp
    pushq $0x1b          /* user data selector: the saved SS */
    pushq %gs:16         /* the user's rsp */
    push %r11            /* the user's rflags */
    pushq $0x23          /* user code selector: the saved CS */
    push %rcx            /* the user's rip */
    pushq $1             /* error code 1: entered by `syscall` */
    pushq $0x80
    jmp interrupt_common_kernel_gs
.size syscall_entry, . - syscall_entry

/*
 * enter_user_mode(rip = rdi, rsp = rsi): leaves for ring 3 for good, from the top of the current
 * task's kernel stack (the next entry from ring 3 starts there again). General registers are cleared
 * so no kernel value leaks to the program.
 */
.global enter_user_mode
.type enter_user_mode, @function
enter_user_mode:
    cli
    pushq $0x1b
    push %rsi
    pushq $0x202         /* IF set, the reserved bit 1 */
    pushq $0x23
    push %rdi
    swapgs
    xor %eax, %eax
    xor %ebx, %ebx
    xor %ecx, %ecx
    xor %edx, %edx
    xor %esi, %esi
    xor %edi, %edi
    xor %ebp, %ebp
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    xor %r11d, %r11d
    xor %r12d, %r12d
    xor %r13d, %r13d
    xor %r14d, %r14d
    xor %r15d, %r15d
    iretq
.size enter_user_mode, . - enter_user_mode
