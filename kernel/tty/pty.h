// Pseudo-terminals (pty(7)): /dev/ptmx (5:2) opens a new master; its slave is /dev/pts/N (136:N) in
// the devpts file system. What the slave outputs (after OPOST) is what the master reads; what the
// master writes is the slave's input, through the line discipline.
#pragma once

namespace tty {

// Registers /dev/ptmx, the slaves' major and the "devpts" file system type.
void register_pseudo_terminals();

} // namespace tty
