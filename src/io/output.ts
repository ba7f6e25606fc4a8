/**
 * The output rule of every command that writes: an existing file or folder is never replaced without
 * `--force`; an input is never an output (real paths compared, and neither may hold the other); what
 * `--force` replaces is replaced atomically (a file written beside and renamed, a folder built beside and
 * swapped in). Folders have kinds (run, model, compare, reproduce), marked on creation by a `.minifloat`
 * file and otherwise recognised by their files, and each command accepts only the kind it writes.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep, isAbsolute } from "node:path";
import { MinifloatError } from "../errors.js";
import { isAtomicTemporary, writeJsonAtomic } from "./atomic.js";
import { environmentWords } from "./fs-error.js";
import { readTextBounded } from "./bounded-read.js";
import { LOCK_FILE } from "./lock.js";

/** The kinds of folder minifloat writes. */
export type FolderKind = "run" | "model" | "compare" | "reproduce";

/** What a path holds: nothing, a file, an empty folder, a folder of a kind, or a folder of other things. */
export type PathState = "missing" | "file" | "empty" | FolderKind | "other";

/** The marker file a folder's kind is recorded in when minifloat creates it. */
export const KIND_MARKER = ".minifloat";

const KIND_NAMES: Readonly<Record<FolderKind, string>> = {
  run: "a run directory (minifloat train)",
  model: "a model directory (config.json + model.safetensors)",
  compare: "a comparison directory (minifloat compare)",
  reproduce: "a studies directory (minifloat reproduce or demo)",
};

/** Names a folder of each kind holds, for folders made before the marker existed. */
const RECOGNISED: ReadonlyArray<readonly [FolderKind, (names: ReadonlySet<string>, dir: string) => boolean]> =
  [
    [
      "model",
      (n) => n.has("config.json") && (n.has("model.safetensors") || n.has("model.safetensors.index.json")),
    ],
    [
      "run",
      (n, dir) =>
        n.has("config.json") &&
        (["metrics.jsonl", "results.json", "checkpoints"].some((f) => n.has(f)) ||
          isRunConfig(join(dir, "config.json"))),
    ],
    ["compare", (n) => n.has("compare.json")],
    ["reproduce", (n) => n.has("reproduce.json")],
  ];

/** True when the config.json at `path` is a run's ({config, policy}), not a model's. */
function isRunConfig(path: string): boolean {
  try {
    const json = JSON.parse(readTextBounded(path, 1 << 20, "config.json")) as unknown;
    return typeof json === "object" && json !== null && "config" in json && "policy" in json;
  } catch {
    return false;
  }
}

function markedKind(dir: string): FolderKind | undefined {
  try {
    const marker = readTextBounded(join(dir, KIND_MARKER), 4096, KIND_MARKER);
    const json = JSON.parse(marker) as { kind?: unknown };
    return typeof json.kind === "string" && json.kind in KIND_NAMES ? (json.kind as FolderKind) : undefined;
  } catch {
    return undefined;
  }
}

/** What `path` holds (its marker first, then its files); `extra` recognises a caller's own kind. */
export function pathState(
  path: string,
  extra?: { kind: FolderKind; test: (names: readonly string[]) => boolean },
): PathState {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw e;
  }
  if (!isDir) return "file";
  // A lock or an atomic write's temporary left by a process killed before it wrote anything else does
  // not make a folder "of other things" (a live lock is refused by lockFolder itself).
  const names = readdirSync(path).filter((n) => n !== LOCK_FILE && !isAtomicTemporary(n));
  if (names.length === 0) return "empty";
  const marked = markedKind(path);
  if (marked !== undefined) return marked;
  const set = new Set(names);
  for (const [kind, test] of RECOGNISED) if (test(set, path)) return kind;
  if (extra?.test(names) === true) return extra.kind;
  return "other";
}

/** Record `kind` in `dir`'s marker file. */
export function markFolder(dir: string, kind: FolderKind): void {
  writeJsonAtomic(join(dir, KIND_MARKER), { kind, version: 1 });
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest when it does not exist. */
function realish(path: string): string {
  const full = resolve(path);
  let head = full;
  const tail: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...tail);
    } catch {
      const up = dirname(head);
      if (up === head) return full;
      tail.unshift(basename(head));
      head = up;
    }
  }
}

const inside = (child: string, parent: string): boolean => {
  const r = relative(parent, child);
  return r !== "" && !r.startsWith(".." + sep) && r !== ".." && !isAbsolute(r);
};

/** An input of a command: its path and how the command line names it. */
export interface NamedPath {
  readonly path: string;
  readonly name: string;
}

/** Throw unless output `out` (named `option`) is distinct from every input: not the same real path, not
 * inside it (unless `allowInside`), and not holding it. */
export function checkNotInput(
  out: string,
  option: string,
  inputs: readonly NamedPath[],
  allowInside = false,
): void {
  const o = realish(out);
  for (const input of inputs) {
    const i = realish(input.path);
    const clash =
      o === i
        ? "is the input"
        : inside(i, o)
          ? "holds the input"
          : !allowInside && inside(o, i)
            ? "is inside the input"
            : null;
    if (clash !== null) {
      throw new MinifloatError(
        "argument",
        `${option} ${out} ${clash} ${input.name} ${input.path}; an input is never an output: choose another path`,
      );
    }
  }
}

/** How a command may write one folder. */
export interface FolderOutput {
  /** The option that names it (for messages), e.g. "--out". */
  readonly option: string;
  readonly kind: FolderKind;
  /** Replace an existing folder of the same kind (kinds that resume, run/compare/reproduce, reopen it). */
  readonly force?: boolean | undefined;
  readonly inputs?: readonly NamedPath[] | undefined;
  /** Recognise a folder of this kind made before markers by its entries. */
  readonly recognise?: ((names: readonly string[]) => boolean) | undefined;
}

/** Check that `path` may receive a folder of `o.kind`; returns what is there now ("missing", "empty" or
 * the kind itself). A folder of another kind, a non-empty folder of other things or a file is refused
 * (with or without --force); an existing model directory needs --force. */
export function checkOutputFolder(path: string, o: FolderOutput): "missing" | "empty" | FolderKind {
  checkNotInput(path, o.option, o.inputs ?? []);
  const state = pathState(path, o.recognise === undefined ? undefined : { kind: o.kind, test: o.recognise });
  const want = KIND_NAMES[o.kind];
  if (state === "missing" || state === "empty") return state;
  if (state === "file")
    throw new MinifloatError("argument", `${o.option} ${path} is a file; expected ${want} or a new folder`);
  if (state === "other") {
    throw new MinifloatError(
      "argument",
      `${o.option} ${path} is a folder that is not empty and not ${want}; choose a new or empty folder`,
    );
  }
  if (state !== o.kind)
    throw new MinifloatError(
      "argument",
      `${o.option} ${path} is ${KIND_NAMES[state]}, not ${want}; choose another folder`,
    );
  if (o.kind === "model" && o.force !== true) {
    throw new MinifloatError(
      "argument",
      `${o.option} ${path} already holds a model; pass --force to replace it`,
    );
  }
  return state;
}

/** How a command may write one file. */
export interface FileOutput {
  readonly option: string;
  readonly force?: boolean | undefined;
  readonly inputs?: readonly NamedPath[] | undefined;
  /** Allow the file inside an input folder (report's default: the report beside what it reports on). */
  readonly allowInside?: boolean | undefined;
}

/** Check that the file `path` may be written: not an input, not a folder, not an existing file without
 * --force, and its folder (if there) a folder. Written later with writeFileAtomic, it replaces atomically. */
export function checkOutputFile(path: string, o: FileOutput): void {
  checkNotInput(path, o.option, o.inputs ?? [], o.allowInside === true);
  const state = pathState(path);
  if (state !== "missing" && state !== "file")
    throw new MinifloatError("argument", `${o.option} ${path} is a folder; expected a file`);
  if (state === "file" && o.force !== true)
    throw new MinifloatError("argument", `${o.option} ${path} exists; pass --force to replace it`);
  const parent = pathState(dirname(path));
  if (parent === "file")
    throw new MinifloatError("argument", `${o.option} ${path}: ${dirname(path)} is a file, not a folder`);
}

/** Build a folder of `kind` at `target` atomically: `build` fills a new folder beside it, which then takes
 * the target's place (an existing one, checked with checkOutputFolder first, is swapped out and removed). A
 * failed build leaves the target as it was. Returns what `build` returns. */
export function writeFolderAtomic<T>(target: string, kind: FolderKind, build: (dir: string) => T): T {
  const parent = dirname(resolve(target));
  const tag = `${process.pid}.${randomBytes(6).toString("hex")}`;
  const temp = join(parent, `.${basename(target)}.${tag}.tmp`);
  try {
    mkdirSync(parent, { recursive: true });
    mkdirSync(temp);
  } catch (e) {
    const words = environmentWords(e) ?? (e as Error).message;
    throw new MinifloatError("io", `could not create ${target}: ${words}`, { cause: e });
  }
  let result: T;
  try {
    result = build(temp);
    markFolder(temp, kind);
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    throw e;
  }
  const old = existsSync(target) ? join(parent, `.${basename(target)}.${tag}.old`) : null;
  if (old !== null) renameSync(target, old);
  try {
    renameSync(temp, target);
  } catch (e) {
    if (old !== null) renameSync(old, target);
    rmSync(temp, { recursive: true, force: true });
    throw e;
  }
  if (old !== null) rmSync(old, { recursive: true, force: true });
  return result;
}

/** How a command may write named files into one folder. */
export interface FilesOutput extends FileOutput {
  /** Kinds of folder the files may go into (default none: results go to a new or plain folder). */
  readonly intoKinds?: readonly FolderKind[] | undefined;
}

/** Check, before any work, that the files `names` may be written into the folder `dir` (checkOutputFile
 * for each; the folder a new one, a plain folder or one of `o.intoKinds`). */
export function checkOutputFiles(dir: string, names: readonly string[], o: FilesOutput): void {
  checkNotInput(dir, o.option, o.inputs ?? [], o.allowInside === true);
  const state = pathState(dir);
  if (state === "file")
    throw new MinifloatError("argument", `${o.option} ${dir} is a file; expected a folder`);
  if (state in KIND_NAMES && !(o.intoKinds ?? []).includes(state as FolderKind)) {
    throw new MinifloatError(
      "argument",
      `${o.option} ${dir} is ${KIND_NAMES[state as FolderKind]}; write these results to a folder of their own`,
    );
  }
  for (const name of names) checkOutputFile(join(dir, name), { ...o, option: `${o.option} ${dir}:` });
}

/** Throw unless `path` (an input named by `option`) is a folder of `kind`. */
export function requireFolderKind(path: string, kind: FolderKind, option: string): void {
  const state = pathState(path);
  if (state === kind) return;
  const got =
    state === "missing"
      ? "does not exist"
      : state === "file"
        ? "is a file"
        : state === "empty"
          ? "is an empty folder"
          : state === "other"
            ? "is another kind of folder"
            : `is ${KIND_NAMES[state]}`;
  throw new MinifloatError("argument", `${option} ${path} ${got}; expected ${KIND_NAMES[kind]}`);
}
