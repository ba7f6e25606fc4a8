/**
 * Errors of the user's environment (permissions, a full disk, a read-only file system, a file where a
 * folder is expected) in words: the CLI turns them into one line naming the path and exit code 2, and
 * writers that work beside their target (output.ts) name the target rather than a temporary path.
 */

/** What the file-system error codes a user's environment causes mean, in words. */
const ENVIRONMENT_ERRORS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENOTDIR: "a part of the path is a file, not a folder",
  EISDIR: "is a folder, expected a file",
  ENOENT: "no such file or folder",
  EEXIST: "already exists",
  ENOTEMPTY: "folder not empty",
  ENAMETOOLONG: "name too long",
  ELOOP: "too many symbolic links",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  EIO: "input/output error",
  EXDEV: "crosses file systems",
};

/** The words for error `e` of the environment ("permission denied (EACCES)"), or undefined for another error. */
export function environmentWords(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as NodeJS.ErrnoException).code;
  const words = code === undefined ? undefined : ENVIRONMENT_ERRORS[code];
  return words === undefined ? undefined : `${words} (${code})`;
}

/** One line for an error of the environment (permissions, a full disk, a file where a folder is
 * expected...), naming the path; undefined for any other error. */
export function environmentMessage(e: unknown): string | undefined {
  const words = environmentWords(e);
  if (words === undefined) return undefined;
  const { syscall, path, dest } = e as NodeJS.ErrnoException & { dest?: string };
  const target = path === undefined ? "" : ` ${path}${dest === undefined ? "" : ` -> ${dest}`}`;
  return `could not ${syscall ?? "access"}${target}: ${words}`;
}

/** Why `e` happened, for a message that already names the path: the words for an error of the
 * environment ("no such file or folder (ENOENT)"), else the error's own message. */
export function errorWords(e: unknown): string {
  return environmentWords(e) ?? (e instanceof Error ? e.message : String(e));
}
