/**
 * The folder lock: created whole (written beside, then hard-linked into place) and released; a live owner (here this very process) refused with
 * its pid and host; a dead owner's lock on this host taken over with a note.
 */
import { spawn, spawnSync } from "node:child_process";
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
  it.runIf(process.platform === "linux")(
    "takes over the lock of a killed process its parent has not reaped (a zombie answers signal 0)",
    async () => {
      // `sleep 0` exits at once, and its parent (sh, exec'd into `sleep 3`) never reaps it.
      const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 3"], {
        stdio: ["ignore", "pipe", "ignore"],
      });
      const zombie = await new Promise<number>((resolve) => {
        parent.stdout.once("data", (d: Buffer) => {
          resolve(Number(d.toString().trim()));
        });
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(readFileSync(`/proc/${zombie}/stat`, "utf8")).toMatch(/\) Z /);
      const dir = temp();
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: zombie, host: hostname(), started: "then" }));
      const lock = lockFolder(dir, "run directory");
      expect(lock.note).toMatch(new RegExp(`a lock of process ${zombie} .*no longer running`));
      lock.release();
      parent.kill();
    },
  );
});
