// The interactive front end: a line editor that is a pure state machine (bytes from the terminal
// in, bytes to draw out) so the host tests can drive it, and the loop that reads command lines
// with it, keeps the history in ~/.sh_history and runs each line through the shell.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "shell/string.h"

namespace shell {

class Shell;

// Completions of `word`: command names in command position, paths otherwise.
using Completer = std::function<std::vector<String>(std::string_view word, bool command_position)>;

class LineEditor {
public:
    enum class Result { Continue, Line, EndOfInput, Interrupted };

    LineEditor(std::vector<String>& history, Completer completer)
        : m_history(history), m_completer(std::move(completer)) {}

    // Begins a new line after `prompt`; the text to draw is appended to `out`.
    void start(std::string_view prompt, String& out);
    // One byte typed; what to draw is appended to `out`. After Line, line() is the text.
    Result feed(char byte, String& out);

    const String& line() const { return m_buffer; }
    size_t cursor() const { return m_cursor; }
    bool searching() const { return m_searching; }

private:
    Result key(int key, String& out);
    void redraw(String& out);
    void insert(std::string_view text);
    void complete(String& out);
    void history_move(int direction);
    void search(bool older);

    std::vector<String>& m_history;
    Completer m_completer;
    String m_prompt;
    String m_buffer;
    size_t m_cursor = 0;
    size_t m_history_index = 0; // == size(): the line being typed
    String m_typed;             // that line, kept while browsing history
    String m_escape;            // an escape sequence being received
    bool m_searching = false;
    String m_query;
    size_t m_search_index = 0;
    bool m_search_failed = false;
};

// Paths that start with `word` ("dir/pre" lists dir for entries starting with "pre"); directories
// end in '/'. Dot files only when asked for with a leading '.'.
std::vector<String> complete_path(std::string_view word, bool executables_only = false);

// True when `source` ends inside a construct (quote, if ... fi, here-document): read another line.
bool needs_more_input(std::string_view source);

void run_interactive(Shell& shell);

} // namespace shell
