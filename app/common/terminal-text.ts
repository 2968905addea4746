// Text for a terminal or a one-line display: file names and server messages may hold newlines,
// escape sequences (which move the cursor, retitle the window or clear the screen) and
// bidirectional overrides (which make `evil.exe` read as `exe.live`). Human-readable output shows
// them as visible escapes; JSON output keeps the raw value.

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const EVERY_CONTROL = new RegExp(CONTROLS.source, 'g');

/** Whether `text` holds a character escapeControls would escape. */
export function hasControls(text: string): boolean {
  return CONTROLS.test(text);
}

/** C0 and C1 controls, DEL, and the Unicode bidi controls, written as visible escapes. */
export function escapeControls(text: string): string {
  return text.replace(EVERY_CONTROL, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
