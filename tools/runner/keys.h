// Keys the runner types into the guest's PS/2 keyboard (--send-keys), as QMP send-key commands. Pure:
// text in, QEMU key names (qcodes) out.
//
// Syntax: characters stand for themselves, typed as on a US keyboard (Shift added for capitals and
// shifted symbols; a newline is Return). Braces name a key or a combination: {ret}, {esc}, {tab},
// {f2}, {pgup}, {ctrl-c}, {alt-f2}, {shift-pgup}, {ctrl-alt-f1}: modifiers shift, ctrl, alt, altgr
// and meta joined to one key by '-'. "{{" is a literal '{'.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runner {

// Keys pressed together, modifiers first, as send-key takes them (released in reverse order).
using KeyChord = std::vector<std::string>;

struct ParsedKeys {
    std::vector<KeyChord> chords;
    std::string error; // empty on success
};
ParsedKeys parse_keys(std::string_view text);

// {"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":...},...],"hold-time":MS}}
std::string qmp_send_key_command(const KeyChord& chord, int hold_ms);

} // namespace runner
