# Doxygen INPUT_FILTER: the headers are commented with plain `//` lines in front of each declaration
# (the house style); this turns those into documentation blocks without touching line numbers.
#   - the comment block that opens a file (before any code) documents the file;
#   - a comment block directly followed by a declaration (no blank line, not a preprocessor line)
#     documents it; one followed by a blank line stays a plain comment (a section note);
#   - a trailing `// ...` after a member or an enumerator documents that member (`///<`);
#   - comments inside function bodies stay plain: a brace stack tells bodies from the scopes of
#     namespaces, classes, structs, unions and enums.
# Usage: awk -f doxygen-filter.awk FILE

function flush(next_line,    i, n, kind, text) {
    n = count
    count = 0
    if (n == 0)
        return
    if (!seen_code)
        kind = "file"
    else if (in_body() || next_line ~ /^[ \t]*($|#|}|public:|private:|protected:)/)
        kind = "plain"
    else
        kind = "doc"
    for (i = 1; i <= n; i++) {
        if (kind == "plain") {
            print lines[i]
            continue
        }
        text = lines[i]
        gsub(/\*\//, "* /", text)
        # An indented line (`//   ...`) is a table or a diagram: after a blank comment line it becomes a
        # code block; elsewhere the extra indentation changes nothing.
        if (text ~ /^[ \t]*\/\/   /)
            sub(/\/\//, "//    ", text)
        sub(/\/\//, (i == 1 ? "/**" : "  "), text)
        if (i == n)
            text = text (kind == "file" ? " \\file" : "") " */"
        print text
    }
}

function in_body() { return depth > 0 && scope[depth] == "body" }

# Pushes and pops the brace stack for one line of code (strings, characters and comments removed).
function track_braces(code,    c, i, head) {
    gsub(/"([^"\\]|\\.)*"/, "\"\"", code)
    gsub(/'([^'\\]|\\.)*'/, "''", code)
    sub(/\/\/.*/, "", code)
    head = pending code
    for (i = 1; i <= length(code); i++) {
        c = substr(code, i, 1)
        if (c == "{") {
            depth++
            if (in_body_at(depth - 1))
                scope[depth] = "body"
            else if (head ~ /(^|[^A-Za-z0-9_])(namespace|class|struct|union|enum)([^A-Za-z0-9_]|$)/ && head !~ /\)[ \t]*(const)?[ \t]*(noexcept)?[ \t]*$/)
                scope[depth] = "scope"
            else
                scope[depth] = "body"
        } else if (c == "}" && depth > 0) {
            depth--
        }
    }
    # A declaration head may span lines (`class X`, then `    : public Y {`); remember it until ; { }.
    if (code ~ /[;{}][ \t]*$/)
        pending = ""
    else
        pending = pending code " "
}

function in_body_at(d) { return d > 0 && scope[d] == "body" }

{
    if ($0 ~ /^[ \t]*\/\/([^\/!]|$)/) {
        lines[++count] = $0
        next
    }
    flush($0)
    line = $0
    if (line !~ /^[ \t]*#/ && line !~ /^[ \t]*$/) {
        if (seen_code && !in_body() && line ~ /[;,{][ \t]*\/\/[^\/!<]/ && line !~ /^[ \t]*\/\//)
            sub(/[ \t]*\/\/ ?/, " ///< ", line)
        if (line !~ /^[ \t]*\/\*/)
            seen_code = 1
        track_braces($0)
    } else if (line ~ /^[ \t]*#/ && line !~ /^[ \t]*#[ \t]*pragma once/) {
        seen_code = 1
    }
    print line
}

END { flush("") }
