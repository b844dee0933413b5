# A stand-in for the kernel in the runner's end-to-end test: an El Torito boot sector (SeaBIOS loads it at
# 0x7c00 in real mode) that prints MESSAGE on COM1, waits DELAY loop turns, then according to ACTION
# halts forever (0), writes EXIT_VALUE to the isa-debug-exit port (1), or triple-faults (2).
# MESSAGE, DELAY, ACTION and EXIT_VALUE are given by the test with as --defsym and a prepended .set line.
.code16
.global _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x7c00, %sp
    mov $message, %si
print:
    lodsb
    test %al, %al
    jz printed
    mov $0x3f8, %dx
    out %al, %dx
    jmp print
printed:
    mov $DELAY, %ecx
wait:
    dec %ecx
    jnz wait
.if ACTION == 1
    mov $0xf4, %dx
    mov $EXIT_VALUE, %al
    out %al, %dx
.endif
.if ACTION == 2
    lidt empty_idt
    int $3
.endif
halt:
    hlt
    jmp halt
empty_idt:
    .word 0
    .long 0
message:
    .incbin "message.txt"
    .byte 0
