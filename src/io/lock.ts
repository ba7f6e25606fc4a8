/**
 * A lock on a folder that one process writes (a run directory): a lock file created atomically (linked into place)
 * holding the owner's pid, host and start time, removed when the owner releases it or exits. A process
 * killed by a signal cannot run code in the middle of a synchronous training step, so its lock stays; the
 * next process finds the pid dead on the same host and takes the lock over, with a note.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { MinifloatError } from "../errors.js";

/** The lock file's name inside the locked folder. */
export const LOCK_FILE = ".minifloat.lock";

/** What a lock file records. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

/** A held lock. */
export interface FolderLock {
  readonly path: string;
  /** A line about a stale lock that was taken over, or null. */
  readonly note: string | null;
  /** Remove the lock file (idempotent). */
  release(): void;
}

const held = new Set<string>();
let exitHookInstalled = false;

/** Remove every lock this process holds when it exits (normally, by process.exit or an uncaught error). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const path of held) rmSync(path, { force: true });
  });
}

/** True while process `pid` runs on this host: it exists and is not a zombie (a killed process whose
 * parent has not reaped it yet, as PID 1 of a container may leave it, still answers signal 0). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/** True when Linux's /proc says `pid` has exited (state Z or X); false where /proc is not there. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8"); // "pid (comm) S ...": comm may hold spaces
    const state = stat.slice(stat.lastIndexOf(")") + 2).charAt(0);
    return state === "Z" || state === "X";
  } catch {
    return false;
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, "utf8")) as Partial<LockOwner>;
    if (typeof o.pid === "number" && typeof o.host === "string" && typeof o.started === "string") {
      return { pid: o.pid, host: o.host, started: o.started };
    }
  } catch {
    // an unreadable lock file: judged by its age below
  }
  return null;
}

/** Create the lock file at `path` holding this process's owner record, or false when one exists. The
 * record is written to a temporary file first and hard-linked into place (link fails when `path`
 * exists), so a process killed at any moment never leaves an empty lock that would look live; file
 * systems without hard links get an O_EXCL create, then the write. */
function create(path: string): boolean {
  const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const text = JSON.stringify(owner) + "\n";
  // The name of an atomic temporary (isAtomicTemporary), so a run directory's cleanup removes a leftover.
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  writeFileSync(temp, text, { flag: "wx", mode: 0o644 });
  try {
    linkSync(temp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw e;
  } finally {
    rmSync(temp, { force: true });
  }
  return createExclusive(path, text);
}

function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Why the existing lock at `path` is stale (its owner is gone), or null when it may be live. */
function staleReason(path: string): string | null {
  const owner = readOwner(path);
  if (owner === null) {
    // Created but not yet written by a live process, or left half-written: wait a few seconds.
    const age = Date.now() - statSync(path).mtimeMs;
    return age > 10_000 ? "an unreadable lock file" : null;
  }
  if (owner.host !== hostname() || alive(owner.pid)) return null;
  return `a lock of process ${owner.pid} (started ${owner.started}), which is no longer running`;
}

/** Lock folder `dir` (which must exist) for this process; `what` names it in messages ("run directory"). */
export function lockFolder(dir: string, what: string): FolderLock {
  const path = join(dir, LOCK_FILE);
  let note: string | null = null;
  if (!create(path)) {
    const stale = staleReason(path);
    if (stale === null) {
      const o = readOwner(path);
      const who = o === null ? "another process" : `process ${o.pid} on ${o.host} (started ${o.started})`;
      throw new MinifloatError(
        "io",
        `${dir}: this ${what} is in use by ${who}; wait for it to finish, or delete ${path} if that process is gone`,
      );
    }
    rmSync(path, { force: true });
    if (!create(path)) throw new MinifloatError("io", `${dir}: another process took the lock ${path} first`);
    note = `took over ${path}: ${stale}`;
  }
  installExitHook();
  held.add(path);
  return {
    path,
    note,
    release: () => {
      if (!held.delete(path)) return;
      rmSync(path, { force: true });
    },
  };
}
