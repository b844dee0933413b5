// Feeds a capture to xterm.js (@xterm/headless) and prints the screen it ends with (and, with
// EVERY, the screen after every EVERY bytes too), in the text form console_capture_test.cpp
// compares the TextConsole against. Used once, to make the .screen fixtures; the tests do not need
// node. See README.md.
//   node reference_screen.mjs CAPTURE.bytes COLUMNS ROWS [EVERY] > CAPTURE.screen
import { readFileSync } from 'node:fs';
import headless from '@xterm/headless';

const [input, columnsText, rowsText, everyText] = process.argv.slice(2);
const columns = Number(columnsText), rows = Number(rowsText);
const bytes = new Uint8Array(readFileSync(input));
const every = everyText ? Number(everyText) : bytes.length;
const term = new headless.Terminal({ cols: columns, rows, scrollback: 0, allowProposedApi: true });

function hex(value) {
    return '#' + value.toString(16).padStart(6, '0');
}

// xterm's 256-colour table for indices 16-255 (the TextConsole stores those as RGB).
function xterm256(index) {
    if (index < 232) {
        const levels = [0, 95, 135, 175, 215, 255];
        const cube = index - 16;
        return (levels[Math.floor(cube / 36)] << 16) | (levels[Math.floor(cube / 6) % 6] << 8) | levels[cube % 6];
    }
    const grey = 8 + 10 * (index - 232);
    return (grey << 16) | (grey << 8) | grey;
}

function color(isDefault, isPalette, value) {
    if (isDefault) return 'd';
    if (isPalette) return value < 16 ? 'p' + value : hex(xterm256(value));
    return hex(value);
}

function describe(cell) {
    let flags = '';
    if (cell.isBold()) flags += 'b';
    if (cell.isDim()) flags += 'd';
    if (cell.isItalic()) flags += 'i';
    if (cell.isUnderline()) flags += 'u';
    if (cell.isBlink()) flags += 'k';
    if (cell.isInverse()) flags += 'r';
    if (cell.isInvisible()) flags += 'h';
    if (cell.isStrikethrough()) flags += 's';
    const fg = color(cell.isFgDefault(), cell.isFgPalette(), cell.getFgColor());
    const bg = color(cell.isBgDefault(), cell.isBgPalette(), cell.getBgColor());
    return `${flags || '-'}/${fg}/${bg}`;
}

function snapshot(offset) {
    const buffer = term.buffer.active;
    const core = term._core;
    const lines = [];
    lines.push(`at ${offset}`);
    lines.push(`size ${columns} ${rows}`);
    lines.push(`screen ${buffer.type === 'alternate' ? 'alternate' : 'main'}`);
    lines.push(`cursor ${Math.min(buffer.cursorX, columns - 1)} ${buffer.cursorY} ${core.coreService.isCursorHidden ? 'hidden' : 'shown'}`);
    const cell = buffer.getNullCell();
    for (let y = 0; y < rows; ++y) {
        const line = buffer.getLine(buffer.viewportY + y);
        let text = '';
        const runs = [];
        for (let x = 0; x < columns; ++x) {
            line.getCell(x, cell);
            const chars = cell.getChars();
            text += chars === '' ? ' ' : chars;
            const attributes = describe(cell);
            if (runs.length && runs[runs.length - 1].attributes === attributes) runs[runs.length - 1].end = x;
            else runs.push({ start: x, end: x, attributes });
        }
        lines.push(`row ${y} |${text}|`);
        if (!(runs.length === 1 && runs[0].attributes === '-/d/d'))
            lines.push(`attr ${y} ` + runs.map((run) => `${run.start}-${run.end}:${run.attributes}`).join(' '));
    }
    process.stdout.write(lines.join('\n') + '\n');
}

function feed(offset) {
    const end = Math.min(offset + every, bytes.length);
    term.write(bytes.subarray(offset, end), () => {
        snapshot(end);
        if (end < bytes.length) feed(end);
    });
}
feed(0);
