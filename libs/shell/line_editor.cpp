// The line editor redraws the whole line after every change ("\r", prompt, text, erase to the end
// of the line, cursor back): simple, and right on any VT100-like terminal for single-row lines.
#include "shell/line_editor.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "shell/builtins.h"
#include "shell/interpreter.h"
#include "shell/parser.h"

namespace shell {

namespace {

enum Key {
    ctrl_a = 1,
    ctrl_b = 2,
    ctrl_c = 3,
    ctrl_d = 4,
    ctrl_e = 5,
    ctrl_f = 6,
    ctrl_g = 7,
    ctrl_h = 8,
    tab = 9,
    ctrl_j = 10,
    ctrl_k = 11,
    ctrl_l = 12,
    ctrl_m = 13,
    ctrl_n = 14,
    ctrl_p = 16,
    ctrl_r = 18,
    ctrl_u = 21,
    ctrl_w = 23,
    backspace = 127,
    key_up = 1000,
    key_down,
    key_left,
    key_right,
    key_home,
    key_end,
    key_delete,
    key_ignored,
};

// The key an escape sequence ("\e[A", "\eOH", "\e[3~") names, or 0 while it is incomplete.
int decode_escape(const String& sequence) {
    if (sequence.size() < 2)
        return 0;
    char kind = sequence[1];
    if (kind != '[' && kind != 'O')
        return key_ignored; // Alt+key: not bound
    if (sequence.size() < 3)
        return 0;
    char last = sequence.back();
    if (!(last >= 0x40 && last <= 0x7e))
        return sequence.size() > 8 ? key_ignored : 0;
    switch (last) {
    case 'A':
        return key_up;
    case 'B':
        return key_down;
    case 'C':
        return key_right;
    case 'D':
        return key_left;
    case 'H':
        return key_home;
    case 'F':
        return key_end;
    case '~': {
        std::string_view number = sequence.view().substr(2, sequence.size() - 3);
        if (number == "1" || number == "7")
            return key_home;
        if (number == "4" || number == "8")
            return key_end;
        if (number == "3")
            return key_delete;
        return key_ignored;
    }
    default:
        return key_ignored;
    }
}

bool is_word_break(char c) {
    return c == ' ' || c == '\t' || c == ';' || c == '|' || c == '&' || c == '(' || c == '<' || c == '>';
}

} // namespace

void LineEditor::start(std::string_view prompt, String& out) {
    m_prompt = prompt;
    m_buffer.clear();
    m_cursor = 0;
    m_history_index = m_history.size();
    m_typed.clear();
    m_escape.clear();
    m_searching = false;
    out += m_prompt;
}

void LineEditor::redraw(String& out) {
    out += '\r';
    if (m_searching) {
        out += m_search_failed ? "(failed reverse-i-search)`" : "(reverse-i-search)`";
        out += m_query;
        out += "': ";
    } else {
        out += m_prompt;
    }
    out += m_buffer;
    out += "\x1b[K";
    if (m_cursor < m_buffer.size()) {
        out += "\x1b[";
        out += to_string(static_cast<long>(m_buffer.size() - m_cursor));
        out += 'D';
    }
}

void LineEditor::insert(std::string_view text) {
    m_buffer.insert(m_cursor, text);
    m_cursor += text.size();
}

void LineEditor::history_move(int direction) {
    if (direction < 0 && m_history_index == 0)
        return;
    if (direction > 0 && m_history_index >= m_history.size())
        return;
    if (m_history_index == m_history.size())
        m_typed = m_buffer;
    m_history_index = static_cast<size_t>(static_cast<long>(m_history_index) + direction);
    m_buffer = m_history_index == m_history.size() ? m_typed : m_history[m_history_index];
    m_cursor = m_buffer.size();
}

void LineEditor::search(bool older) {
    size_t index = m_search_index;
    if (older) {
        if (index == 0) {
            m_search_failed = true;
            return;
        }
        --index;
    }
    for (size_t k = index + 1; k-- > 0;) {
        if (k >= m_history.size())
            continue;
        size_t at = m_history[k].find(m_query);
        if (at != String::npos) {
            m_search_index = k;
            m_buffer = m_history[k];
            m_cursor = at;
            m_search_failed = false;
            return;
        }
    }
    m_search_failed = true;
}

void LineEditor::complete(String& out) {
    size_t start = m_cursor;
    while (start > 0 && !is_word_break(m_buffer[start - 1]))
        --start;
    size_t before = start;
    while (before > 0 && (m_buffer[before - 1] == ' ' || m_buffer[before - 1] == '\t'))
        --before;
    bool command_position = before == 0 || String(";|&(").find(m_buffer[before - 1]) != String::npos;
    String word = m_buffer.substr(start, m_cursor - start);
    std::vector<String> candidates =
        m_completer ? m_completer(word, command_position) : std::vector<String>();
    if (candidates.empty()) {
        out += '\a';
        return;
    }
    String common = candidates[0];
    for (const String& candidate : candidates) {
        size_t k = 0;
        while (k < common.size() && k < candidate.size() && common[k] == candidate[k])
            ++k;
        common.resize(k);
    }
    if (candidates.size() == 1) {
        insert(common.view().substr(word.size()));
        if (!common.ends_with("/"))
            insert(" ");
    } else if (common.size() > word.size()) {
        insert(common.view().substr(word.size()));
    } else {
        // Nothing more in common: show the choices under the line.
        out += "\r\n";
        for (size_t k = 0; k < candidates.size(); ++k) {
            if (k)
                out += "  ";
            out += candidates[k];
        }
        out += "\r\n";
    }
    redraw(out);
}

LineEditor::Result LineEditor::feed(char byte, String& out) {
    if (!m_escape.empty()) {
        m_escape += byte;
        int decoded = decode_escape(m_escape);
        if (decoded == 0)
            return Result::Continue;
        m_escape.clear();
        return key(decoded, out);
    }
    if (byte == '\x1b') {
        m_escape = "\x1b";
        return Result::Continue;
    }
    return key(static_cast<unsigned char>(byte), out);
}

LineEditor::Result LineEditor::key(int key, String& out) {
    if (m_searching) {
        if (key >= 32 && key < 127) {
            m_query += static_cast<char>(key);
            search(false);
            redraw(out);
            return Result::Continue;
        }
        if (key == ctrl_r) {
            search(true);
            redraw(out);
            return Result::Continue;
        }
        if (key == backspace || key == ctrl_h) {
            if (!m_query.empty())
                m_query.pop_back();
            m_search_index = m_history.empty() ? 0 : m_history.size() - 1;
            search(false);
            redraw(out);
            return Result::Continue;
        }
        m_searching = false;
        if (key == ctrl_g || key == ctrl_c) {
            m_buffer = m_typed;
            m_cursor = m_buffer.size();
            redraw(out);
            return Result::Continue;
        }
        // Any other key takes the match and then does what it does.
        redraw(out);
    }
    switch (key) {
    case ctrl_m:
    case ctrl_j:
        m_cursor = m_buffer.size();
        redraw(out);
        out += "\r\n";
        return Result::Line;
    case ctrl_c:
        out += "^C\r\n";
        m_buffer.clear();
        m_cursor = 0;
        return Result::Interrupted;
    case ctrl_d:
        if (m_buffer.empty()) {
            out += "\r\n";
            return Result::EndOfInput;
        }
        [[fallthrough]];
    case key_delete:
        if (m_cursor < m_buffer.size())
            m_buffer.erase(m_cursor, 1);
        break;
    case backspace:
    case ctrl_h:
        if (m_cursor > 0) {
            m_buffer.erase(m_cursor - 1, 1);
            --m_cursor;
        }
        break;
    case ctrl_a:
    case key_home:
        m_cursor = 0;
        break;
    case ctrl_e:
    case key_end:
        m_cursor = m_buffer.size();
        break;
    case ctrl_b:
    case key_left:
        if (m_cursor > 0)
            --m_cursor;
        break;
    case ctrl_f:
    case key_right:
        if (m_cursor < m_buffer.size())
            ++m_cursor;
        break;
    case ctrl_k:
        m_buffer.resize(m_cursor);
        break;
    case ctrl_u:
        m_buffer.erase(0, m_cursor);
        m_cursor = 0;
        break;
    case ctrl_w: {
        size_t start = m_cursor;
        while (start > 0 && (m_buffer[start - 1] == ' ' || m_buffer[start - 1] == '\t'))
            --start;
        while (start > 0 && m_buffer[start - 1] != ' ' && m_buffer[start - 1] != '\t')
            --start;
        m_buffer.erase(start, m_cursor - start);
        m_cursor = start;
        break;
    }
    case ctrl_l:
        out += "\x1b[H\x1b[2J";
        break;
    case ctrl_p:
    case key_up:
        history_move(-1);
        break;
    case ctrl_n:
    case key_down:
        history_move(1);
        break;
    case ctrl_r:
        m_searching = true;
        m_typed = m_buffer;
        m_query.clear();
        m_search_failed = false;
        m_search_index = m_history.empty() ? 0 : m_history.size() - 1;
        break;
    case tab:
        complete(out);
        return Result::Continue;
    default:
        if (key >= 32 && key < 256 && key != 127) {
            char c = static_cast<char>(key);
            insert(std::string_view(&c, 1));
        }
        break;
    }
    redraw(out);
    return Result::Continue;
}

std::vector<String> complete_path(std::string_view word, bool executables_only) {
    size_t slash = word.rfind('/');
    String directory = slash == std::string_view::npos ? String() : String(word.substr(0, slash + 1));
    std::string_view prefix = slash == std::string_view::npos ? word : word.substr(slash + 1);
    std::vector<String> matches;
    DIR* listing = opendir(directory.empty() ? "." : directory.c_str());
    if (!listing)
        return matches;
    while (struct dirent* entry = readdir(listing)) {
        std::string_view name = entry->d_name;
        if (name == "." || name == ".." || !name.starts_with(prefix))
            continue;
        if (name.starts_with(".") && !prefix.starts_with("."))
            continue;
        String path = directory + name;
        struct stat info {};
        bool is_directory = stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
        if (executables_only && !is_directory && access(path.c_str(), X_OK) != 0)
            continue;
        if (is_directory)
            path += '/';
        matches.push_back(path);
    }
    closedir(listing);
    std::sort(matches.begin(), matches.end());
    return matches;
}

bool needs_more_input(std::string_view source) {
    Parser parser(source);
    parser.set_final(false);
    for (;;) {
        Node* tree = nullptr;
        Parser::Status status = parser.parse_next(tree);
        delete tree;
        if (status == Parser::Status::NeedMore)
            return true;
        if (status != Parser::Status::Command)
            return false;
    }
}

namespace {

std::vector<String> complete_command(Shell& shell, std::string_view word) {
    std::vector<String> names;
    for (const String& name : shell.command_names())
        if (name.starts_with(word))
            names.push_back(name);
    const String* path = shell.variable("PATH");
    std::string_view directories = path ? path->view() : std::string_view("/bin:/usr/bin");
    size_t start = 0;
    while (start <= directories.size()) {
        size_t colon = directories.find(':', start);
        if (colon == std::string_view::npos)
            colon = directories.size();
        String directory(directories.substr(start, colon - start));
        if (!directory.empty()) {
            for (const String& match : complete_path(directory + "/" + word.data(), true)) {
                if (match.ends_with("/"))
                    continue;
                names.push_back(match.substr(directory.size() + 1));
            }
        }
        start = colon + 1;
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

String history_path(Shell& shell) {
    const String* home = shell.variable("HOME");
    return home ? *home + "/.sh_history" : String();
}

void load_history(const String& path, std::vector<String>& history) {
    int fd = path.empty() ? -1 : open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    String text;
    char buffer[4096];
    ssize_t length;
    while ((length = read(fd, buffer, sizeof(buffer))) > 0)
        text.append(buffer, static_cast<size_t>(length));
    close(fd);
    size_t start = 0;
    while (start < text.size()) {
        size_t newline = text.find('\n', start);
        if (newline == String::npos)
            newline = text.size();
        if (newline > start)
            history.push_back(text.substr(start, newline - start));
        start = newline + 1;
    }
}

void remember(const String& path, std::vector<String>& history, const String& line) {
    if (line.empty() || (!history.empty() && history.back() == line))
        return;
    history.push_back(line);
    int fd = path.empty() ? -1 : open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        write_all(fd, line + "\n");
        close(fd);
    }
}

// One line from fd 0 without editing (when it is not a terminal); false at the end of input.
bool read_plain_line(String& line) {
    line.clear();
    for (;;) {
        char c;
        ssize_t length = read(0, &c, 1);
        if (length < 0 && errno == EINTR)
            continue;
        if (length <= 0)
            return !line.empty();
        if (c == '\n')
            return true;
        line += c;
    }
}

enum class LineStatus { Line, End, Interrupted };

LineStatus read_edited_line(LineEditor& editor, std::string_view prompt, String& line) {
    struct termios saved {};
    if (tcgetattr(0, &saved) != 0) {
        write_all(2, prompt);
        return read_plain_line(line) ? LineStatus::Line : LineStatus::End;
    }
    // Raw input for the editor's own keys; output processing stays on.
    struct termios raw = saved;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG | IEXTEN);
    raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    tcsetattr(0, TCSADRAIN, &raw);
    String out;
    editor.start(prompt, out);
    write_all(2, out);
    LineStatus status = LineStatus::End;
    for (;;) {
        char c;
        ssize_t length = read(0, &c, 1);
        if (length < 0 && errno == EINTR)
            continue;
        if (length <= 0)
            break;
        out.clear();
        LineEditor::Result result = editor.feed(c, out);
        write_all(2, out);
        if (result == LineEditor::Result::Line) {
            status = LineStatus::Line;
            break;
        }
        if (result == LineEditor::Result::Interrupted) {
            status = LineStatus::Interrupted;
            break;
        }
        if (result == LineEditor::Result::EndOfInput)
            break;
    }
    tcsetattr(0, TCSADRAIN, &saved);
    line = editor.line();
    return status;
}

} // namespace

void run_interactive(Shell& shell) {
    // The shell itself survives ^C, ^\, ^Z and a plain `kill` (SIGTERM, as POSIX asks of an
    // interactive shell); its children get the default actions back.
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGTSTP, SIG_IGN);
    signal(SIGTTOU, SIG_IGN);
    signal(SIGTTIN, SIG_IGN);
    shell.enable_job_control();
    std::vector<String> history;
    String path = history_path(shell);
    load_history(path, history);
    LineEditor editor(history, [&shell](std::string_view word, bool command_position) {
        if (command_position && word.find('/') == std::string_view::npos)
            return complete_command(shell, word);
        return complete_path(word);
    });
    for (;;) {
        String source;
        String line;
        LineStatus status = read_edited_line(editor, shell.prompt(), line);
        if (status == LineStatus::End)
            return;
        if (status == LineStatus::Interrupted)
            continue;
        remember(path, history, line);
        source = line + "\n";
        while (needs_more_input(source)) {
            const String* ps2 = shell.variable("PS2");
            status = read_edited_line(editor, ps2 ? ps2->view() : "> ", line);
            if (status != LineStatus::Line)
                break;
            remember(path, history, line);
            source += line + "\n";
        }
        if (status == LineStatus::Interrupted)
            continue;
        shell.run_source(source);
        shell.report_finished_jobs();
    }
}

} // namespace shell
