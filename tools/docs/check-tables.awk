# Lints Markdown pipe tables, which neither pandoc nor Doxygen 1.9 reports when malformed (a table
# without its separator row renders as a paragraph of pipes; a row with a cell too many or too few
# loses or shifts cells silently). In .md files: tables outside fenced code blocks. In headers: tables
# in `//` comments (the text Doxygen reads through doxygen-filter.awk).
# Checks: the row after the header is a separator (|---|:--:|), and every row has as many cells as
# the header. A `|` inside a cell is written `\|`, as pandoc needs.
# Prints `file:line: warning: ...` like Doxygen and exits 1 when it found something.
# Usage: awk -f check-tables.awk FILE...

function cells(row,    n) {
    gsub(/\\\|/, "", row)
    sub(/^[ \t]*\|/, "", row)
    sub(/\|[ \t]*$/, "", row)
    n = gsub(/\|/, "", row)
    return n + 1
}

function finish_table() {
    if (rows >= 1 && !separator_ok)
        report(table_file, table_start, "table without a separator row (|---|---|) under its header: rendered as text")
    rows = 0
}

function report(file, line, message) {
    printf "%s:%d: warning: %s\n", file, line, message
    found = 1
}

FNR == 1 { finish_table(); in_fence = 0; is_header = FILENAME ~ /\.h$/ }

{
    text = $0
    if (is_header) {
        if (text !~ /^[ \t]*\/\//) { finish_table(); next }
        sub(/^[ \t]*\/\/[\/!<]* ?/, "", text)
    } else if (text ~ /^[ \t]*(```|~~~)/) {
        finish_table()
        in_fence = !in_fence
        next
    }
    if (in_fence || text !~ /^[ \t]*\|/) { finish_table(); next }

    if (rows == 0) {
        table_start = FNR
        table_file = FILENAME
        header_cells = cells(text)
        separator_ok = 0
    } else if (rows == 1) {
        separator_ok = text ~ /^[ \t]*\|?([ \t]*:?-+:?[ \t]*\|)*[ \t]*:?-+:?[ \t]*\|?[ \t]*$/
        if (separator_ok && cells(text) != header_cells)
            report(FILENAME, FNR, "separator row has " cells(text) " cells, the header " header_cells)
    } else if (separator_ok && cells(text) != header_cells) {
        report(FILENAME, FNR, "table row has " cells(text) " cells, the header " header_cells)
    }
    rows++
}

END { finish_table(); exit found }
