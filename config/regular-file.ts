/**
 * Reading a file a user names, refusing what would hang or exhaust memory: anything but a regular
 * file (a named pipe with no writer waits forever, /dev/zero never ends) and a file over a size
 * cap. Shared by the configuration loader and the doctor's readers (client properties, truststores).
 */
import * as fs from "node:fs";

export interface RegularFileRules {
  /** The most bytes read; a file that is larger, or grows past it while it is read, is refused. */
  readonly maxBytes: number;
  /** What the file is, for the size rule: "a configuration" may be at most N bytes. */
  readonly what: string;
  /** What to give instead of a special file: "give the path of a YAML or JSON file". */
  readonly expected: string;
}

/** The bytes of a regular file of at most `rules.maxBytes`, or the rule (one phrase) that refuses it. */
export function readRegularFile(file: string, rules: RegularFileRules): { bytes: Buffer } | { refused: string } {
  const tooLarge = (size: number | string) => ({ refused: `is ${size} bytes; ${rules.what} may be at most ${rules.maxBytes} bytes` });
  let fd: number | undefined;
  try {
    // Non-blocking: opening a FIFO with no writer would otherwise wait forever; it is refused below.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      return { refused: `is not a regular file (${fileKind(stat)}); give the path of ${rules.expected}` };
    }
    if (stat.size > rules.maxBytes) return tooLarge(stat.size);
    // Read at most one byte past the limit: a file that grows while it is read is refused too.
    // Not zero-filled: only what was read is returned, and a large cap costs no untouched memory.
    const buffer = Buffer.allocUnsafe(rules.maxBytes + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) {
      n = fs.readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length > rules.maxBytes) return tooLarge(`more than ${rules.maxBytes}`);
    return { bytes: buffer.subarray(0, length) };
  } catch (err) {
    return { refused: `cannot be read: ${(err as Error).message}` };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function fileKind(stat: fs.Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a named pipe";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  if (stat.isSocket()) return "a socket";
  return "not a file";
}
