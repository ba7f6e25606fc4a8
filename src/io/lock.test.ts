/**
 * The folder lock: created whole (written beside, then hard-linked into place) and released; a live owner (here this very process) refused with
 * its pid and host; a dead owner's lock on this host taken over with a note.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_FILE, lockFolder } from "./lock.js";

const temp = (): string => mkdtempSync(join(tmpdir(), "minifloat-lock-"));

describe("lockFolder", () => {
  it("records pid, host and start, refuses a second holder while held, and is gone once released", () => {
    const dir = temp();
    const lock = lockFolder(dir, "run directory");
    expect(lock.note).toBeNull();
    const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { pid: number; host: string };
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => lockFolder(dir, "run directory")).toThrow(
      new RegExp(`run directory is in use by process ${process.pid} on ${hostname()} \\(started `),
    );
    expect(readdirSync(dir)).toEqual([LOCK_FILE]); // the record's temporary is gone, the lock is whole
    lock.release();
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockFolder(dir, "run directory").release();
  });

  it("takes over the lock of a process that is no longer running, with a note", () => {
    const dir = temp();
    const gone = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid;
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, host: hostname(), started: "then" }));
    const lock = lockFolder(dir, "run directory");
    expect(lock.note).toMatch(
      new RegExp(`took over .*: a lock of process ${gone} \\(started then\\), which is no longer running`),
    );
    lock.release();
  });

  it("refuses a lock held on another host, whose process it cannot check", () => {
    const dir = temp();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: "elsewhere", started: "now" }));
    expect(() => lockFolder(dir, "run directory")).toThrow(/in use by process 1 on elsewhere/);
  });
});
