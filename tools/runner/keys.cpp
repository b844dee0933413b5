#include "keys.h"

#include "qmp.h"

#include <array>
#include <utility>

namespace runner {

namespace {

// Characters on the US layout's keys that need Shift, and the key that gives them.
constexpr std::array<std::pair<char, const char*>, 21> shifted_symbols = {{
    {'!', "1"},
    {'@', "2"},
    {'#', "3"},
    {'$', "4"},
    {'%', "5"},
    {'^', "6"},
    {'&', "7"},
    {'*', "8"},
    {'(', "9"},
    {')', "0"},
    {'_', "minus"},
    {'+', "equal"},
    {'{', "bracket_left"},
    {'}', "bracket_right"},
    {'|', "backslash"},
    {':', "semicolon"},
    {'"', "apostrophe"},
    {'~', "grave_accent"},
    {'<', "comma"},
    {'>', "dot"},
    {'?', "slash"},
}};

constexpr std::array<std::pair<char, const char*>, 14> plain_symbols = {{
    {' ', "spc"},
    {'-', "minus"},
    {'=', "equal"},
    {'[', "bracket_left"},
    {']', "bracket_right"},
    {'\\', "backslash"},
    {';', "semicolon"},
    {'\'', "apostrophe"},
    {'`', "grave_accent"},
    {',', "comma"},
    {'.', "dot"},
    {'/', "slash"},
    {'\n', "ret"},
    {'\t', "tab"},
}};

// Key names accepted in braces besides letters, digits and f1-f12 (QEMU's qcodes).
constexpr std::array<const char*, 32> named_keys = {
    "ret",           "esc",       "tab",       "spc",        "backspace",    "delete",
    "insert",        "home",      "end",       "pgup",       "pgdn",         "up",
    "down",          "left",      "right",     "minus",      "equal",        "bracket_left",
    "bracket_right", "backslash", "semicolon", "apostrophe", "grave_accent", "comma",
    "dot",           "slash",     "caps_lock", "num_lock",   "scroll_lock",  "kp_enter",
    "menu",          "pause",
};

// Modifier names in braces and their qcodes.
constexpr std::array<std::pair<const char*, const char*>, 5> modifiers = {{
    {"shift", "shift"},
    {"ctrl", "ctrl"},
    {"alt", "alt"},
    {"altgr", "alt_r"},
    {"meta", "meta_l"},
}};

std::optional<KeyChord> character_chord(char character) {
    if (character >= 'a' && character <= 'z')
        return KeyChord{std::string(1, character)};
    if (character >= 'A' && character <= 'Z')
        return KeyChord{"shift", std::string(1, static_cast<char>(character - 'A' + 'a'))};
    if (character >= '0' && character <= '9')
        return KeyChord{std::string(1, character)};
    for (const auto& [symbol, key] : plain_symbols)
        if (symbol == character)
            return KeyChord{key};
    for (const auto& [symbol, key] : shifted_symbols)
        if (symbol == character)
            return KeyChord{"shift", key};
    return std::nullopt;
}

bool is_key_name(std::string_view name) {
    if (name.size() == 1 && ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
        return true;
    if (name.size() >= 2 && name.size() <= 3 && name[0] == 'f') {
        int number = 0;
        for (char digit : name.substr(1)) {
            if (digit < '0' || digit > '9')
                return false;
            number = number * 10 + (digit - '0');
        }
        return number >= 1 && number <= 12;
    }
    for (const char* key : named_keys)
        if (name == key)
            return true;
    return false;
}

// "ctrl-alt-f2" into its qcodes; an error message when a part is unknown.
std::optional<KeyChord> named_chord(std::string_view text, std::string& error) {
    KeyChord chord;
    while (true) {
        size_t dash = text.find('-');
        // A trailing "-" is the minus key itself: "{ctrl--}".
        if (dash == 0 && text.size() == 1)
            dash = std::string_view::npos;
        std::string_view part = text.substr(0, dash);
        if (dash == std::string_view::npos) {
            if (part == "-") {
                chord.push_back("minus");
            } else if (auto single = part.size() == 1 ? character_chord(part[0]) : std::nullopt;
                       single && !is_key_name(part)) {
                chord.insert(chord.end(), single->begin(), single->end());
            } else if (is_key_name(part)) {
                chord.emplace_back(part);
            } else {
                error = "unknown key '" + std::string(part) + "'";
                return std::nullopt;
            }
            return chord;
        }
        bool known = false;
        for (const auto& [name, qcode] : modifiers) {
            if (part == name) {
                chord.emplace_back(qcode);
                known = true;
            }
        }
        if (!known) {
            error = "unknown modifier '" + std::string(part) + "' (shift, ctrl, alt, altgr, meta)";
            return std::nullopt;
        }
        text.remove_prefix(dash + 1);
    }
}

} // namespace

ParsedKeys parse_keys(std::string_view text) {
    ParsedKeys parsed;
    for (size_t i = 0; i < text.size(); ++i) {
        char character = text[i];
        if (character == '{' && i + 1 < text.size() && text[i + 1] == '{') {
            parsed.chords.push_back(*character_chord('{'));
            ++i;
            continue;
        }
        if (character == '{') {
            size_t close = text.find('}', i + 1);
            if (close == std::string_view::npos || close == i + 1) {
                parsed.error =
                    "'{' at offset " + std::to_string(i) + " starts no key name (\"{{\" types '{')";
                return parsed;
            }
            std::string error;
            auto chord = named_chord(text.substr(i + 1, close - i - 1), error);
            if (!chord) {
                parsed.error = error;
                return parsed;
            }
            parsed.chords.push_back(std::move(*chord));
            i = close;
            continue;
        }
        auto chord = character_chord(character);
        if (!chord) {
            parsed.error = "cannot type character " + std::to_string(static_cast<unsigned char>(character)) +
                           " on a US keyboard";
            return parsed;
        }
        parsed.chords.push_back(std::move(*chord));
    }
    return parsed;
}

std::string qmp_send_key_command(const KeyChord& chord, int hold_ms) {
    std::string keys;
    for (const auto& key : chord) {
        if (!keys.empty())
            keys += ",";
        keys += "{\"type\":\"qcode\",\"data\":" + json_quote(key) + "}";
    }
    return "{\"execute\":\"send-key\",\"arguments\":{\"keys\":[" + keys +
           "],\"hold-time\":" + std::to_string(hold_ms) + "}}";
}

} // namespace runner
