/**
 * Where the command line writes. Commands take this instead of touching `process`, so the whole CLI
 * runs in-process in tests and the bin entry is the only file that knows about the real streams.
 */

/** The two output streams of a command; each call writes `text` as it is (no newline added). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The terminal stderr is, when it is one: long commands draw a live progress bar on it. Absent in
   * tests and when stderr is a file or pipe, where they print one line per epoch instead. */
  readonly terminal?: NodeJS.WriteStream | undefined;
}
