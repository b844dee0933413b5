// The shell's syntax tree: what the parser makes of one complete command and the interpreter walks.
// Words stay as their source text, quotes and all, because expansion depends on the quoting.
#pragma once

#include <vector>

#include "shell/string.h"

namespace shell {

struct Redirection {
    enum class Kind { Input, Output, Append, Clobber, DupInput, DupOutput, ReadWrite, HereDoc };
    Kind kind = Kind::Input;
    int fd = 0;
    String target;               // the word after the operator (the delimiter for a here-document)
    String here_doc_body;        // the lines up to the delimiter
    bool here_doc_expand = true; // false when any part of the delimiter was quoted
    bool strip_tabs = false;     // <<-
    size_t here_doc_id = 0;      // the parser's handle until the body has been read
};

struct Node;

struct CaseItem {
    std::vector<String> patterns;
    Node* body = nullptr; // may be null: an empty item
};

struct Node {
    enum class Kind {
        Simple,     // assignments words redirections
        Pipeline,   // children joined by |, negate for !
        And,        // children[0] && children[1]
        Or,         // children[0] || children[1]
        List,       // children run in turn
        Background, // children[0] &
        Subshell,   // ( children[0] )
        Group,      // { children[0]; }
        If,         // if children[0] then children[1] [else children[2]]
        While,      // while children[0] do children[1]
        Until,      // until children[0] do children[1]
        For,        // for name [in items] do children[0]
        Case,       // case name in case_items
        Function,   // name() children[0]
    };

    explicit Node(Kind kind) : kind(kind) {}
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;
    ~Node() {
        for (Node* child : children)
            delete child;
        for (CaseItem& item : case_items)
            delete item.body;
    }

    Kind kind;
    int line = 0;
    bool negate = false;
    bool has_in = false;
    String name;
    std::vector<String> assignments;
    std::vector<String> words;
    std::vector<String> items;
    std::vector<Redirection> redirections;
    std::vector<Node*> children; // owned; an If without else has two
    std::vector<CaseItem> case_items;
};

} // namespace shell
