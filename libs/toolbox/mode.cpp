// Mode operands (see mode.h).
#include "toolbox/mode.h"

#include <sys/stat.h>

namespace toolbox {

bool apply_mode(const char* spec, mode_t old, bool is_directory, mode_t umask_bits, mode_t& result) {
    mode_t mode = old & 07777;
    if (*spec >= '0' && *spec <= '7') {
        mode_t value = 0;
        for (; *spec != '\0'; ++spec) {
            if (*spec < '0' || *spec > '7' || value > 07777)
                return false;
            value = value * 8 + static_cast<mode_t>(*spec - '0');
        }
        if (value > 07777)
            return false;
        result = value;
        return true;
    }
    const char* p = spec;
    for (;;) {
        mode_t who = 0;
        for (;; ++p) {
            if (*p == 'u')
                who |= S_ISUID | S_IRWXU;
            else if (*p == 'g')
                who |= S_ISGID | S_IRWXG;
            else if (*p == 'o')
                who |= S_ISVTX | S_IRWXO;
            else if (*p == 'a')
                who |= S_ISUID | S_ISGID | S_ISVTX | 0777;
            else
                break;
        }
        bool masked = who == 0;
        if (masked)
            who = S_ISUID | S_ISGID | S_ISVTX | 0777;
        if (*p != '+' && *p != '-' && *p != '=')
            return false;
        while (*p == '+' || *p == '-' || *p == '=') {
            char op = *p++;
            mode_t bits = 0;
            if (*p == 'u' || *p == 'g' || *p == 'o') {
                // Copy another class's permissions: "g=u".
                mode_t source = mode;
                int shift = *p == 'u' ? 6 : *p == 'g' ? 3 : 0;
                mode_t rwx = (source >> shift) & 7;
                bits = rwx << 6 | rwx << 3 | rwx;
                ++p;
            } else {
                for (;; ++p) {
                    if (*p == 'r')
                        bits |= 0444;
                    else if (*p == 'w')
                        bits |= 0222;
                    else if (*p == 'x')
                        bits |= 0111;
                    else if (*p == 'X') {
                        if (is_directory || (mode & 0111))
                            bits |= 0111;
                    } else if (*p == 's')
                        bits |= S_ISUID | S_ISGID;
                    else if (*p == 't')
                        bits |= S_ISVTX;
                    else
                        break;
                }
            }
            mode_t affected = bits & who;
            if (masked)
                affected &= ~umask_bits;
            if (op == '+') {
                mode |= affected;
            } else if (op == '-') {
                mode &= ~affected;
            } else {
                // "=": clear the class first; a directory's set-id bits survive unless named (GNU).
                mode_t cleared = who & 0777;
                if (!is_directory)
                    cleared |= who & (S_ISUID | S_ISGID | S_ISVTX);
                mode = (mode & ~cleared) | affected;
            }
        }
        if (*p == '\0')
            break;
        if (*p++ != ',')
            return false;
    }
    result = mode;
    return true;
}

} // namespace toolbox
