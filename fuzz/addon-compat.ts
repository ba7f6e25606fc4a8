/**
 * Makes Jazzer.js's prebuilt libFuzzer addon load on glibc 2.36 / libstdc++ 12 (Debian 12). The addon in
 * @jazzer.js/fuzzer 4.0.0 is linked on a newer system and needs GLIBC_2.38 for two symbols only
 * (`__isoc23_strtol` and `__isoc23_strtoul`, C23 variants that also accept "0b" prefixes, which libFuzzer's
 * flag parsing never uses) and GLIBCXX_3.4.32 for `std::ios_base_library_init` (a link-time anchor with
 * no relocation, never called). This rewrites those references in the ELF file in place: the two
 * functions become plain `strtol`/`strtoul`@GLIBC_2.2.5, the anchor becomes a weak symbol, and the two
 * version needs are marked weak (glibc then ignores them when missing). Section sizes never change.
 * Run by fuzz/run.ts before fuzzing, only when the addon fails to load; the original is kept as `.orig`.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const SHT_DYNSYM = 11;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_GNU_VERSYM = 0x6fffffff;
const VER_FLG_WEAK = 0x2;
const VER_NDX_GLOBAL = 1;
const STB_WEAK = 1;

/** Version needs newer than Debian 12 provides. */
const MISSING_VERSIONS = new Set(["GLIBC_2.38", "GLIBCXX_3.4.32", "GLIBCXX_3.4.31"]);
const C23_PREFIX = "__isoc23_";

interface Section {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
}

function sections(elf: Buffer): Section[] {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) {
    throw new Error("not a 64-bit little-endian ELF file");
  }
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  return Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return {
      type: elf.readUInt32LE(at + 4),
      offset: Number(elf.readBigUInt64LE(at + 24)),
      size: Number(elf.readBigUInt64LE(at + 32)),
      link: elf.readUInt32LE(at + 40),
    };
  });
}

function cString(elf: Buffer, at: number): string {
  return elf.toString("latin1", at, elf.indexOf(0, at));
}

function sectionOfType(all: Section[], type: number): Section {
  const s = all.find((x) => x.type === type);
  if (s === undefined) throw new Error(`no ELF section of type 0x${type.toString(16)}`);
  return s;
}

/** Patch `elf` in place; returns the names of the symbols rewritten. */
export function patchElf(elf: Buffer): string[] {
  const all = sections(elf);
  const dynsym = sectionOfType(all, SHT_DYNSYM);
  const versym = sectionOfType(all, SHT_GNU_VERSYM);
  const verneed = sectionOfType(all, SHT_GNU_VERNEED);
  const dynstr = all.at(dynsym.link);
  if (dynstr === undefined) throw new Error("dynsym has no string table");
  const str = (off: number): string => cString(elf, dynstr.offset + off);

  // Version needs (Elf64_Verneed / Elf64_Vernaux, 16 bytes each): weaken the missing ones.
  const missing = new Set<number>();
  let libcBase = -1;
  for (let vn = verneed.offset; ;) {
    const file = str(elf.readUInt32LE(vn + 4));
    let aux = vn + elf.readUInt32LE(vn + 8);
    for (let k = elf.readUInt16LE(vn + 2); k > 0; k--) {
      const name = str(elf.readUInt32LE(aux + 8));
      const index = elf.readUInt16LE(aux + 6) & 0x7fff;
      if (MISSING_VERSIONS.has(name)) {
        elf.writeUInt16LE(elf.readUInt16LE(aux + 4) | VER_FLG_WEAK, aux + 4);
        missing.add(index);
      }
      if (file === "libc.so.6" && name === "GLIBC_2.2.5") libcBase = index;
      aux += elf.readUInt32LE(aux + 12);
    }
    const next = elf.readUInt32LE(vn + 12);
    if (next === 0) break;
    vn += next;
  }
  if (libcBase < 0) throw new Error("the addon needs no libc.so.6 GLIBC_2.2.5");

  // Undefined symbols (Elf64_Sym, 24 bytes) bound to a missing version.
  const patched: string[] = [];
  for (let i = 0; i * 24 < dynsym.size; i++) {
    const sym = dynsym.offset + i * 24;
    const ver = versym.offset + i * 2;
    if (!missing.has(elf.readUInt16LE(ver) & 0x7fff) || elf.readUInt16LE(sym + 6) !== 0) continue;
    const nameAt = dynstr.offset + elf.readUInt32LE(sym);
    const name = cString(elf, nameAt);
    if (name.startsWith(C23_PREFIX)) {
      // Shorter name written over the start of the old one; suffixes shared with it stay intact.
      elf.write(`${name.slice(C23_PREFIX.length)}\0`, nameAt, "latin1");
      elf.writeUInt16LE(libcBase, ver);
    } else {
      elf[sym + 4] = (STB_WEAK << 4) | ((elf[sym + 4] ?? 0) & 0xf);
      elf.writeUInt16LE(VER_NDX_GLOBAL, ver);
    }
    patched.push(name);
  }
  return patched;
}

/** The path of the libFuzzer addon that @jazzer.js/fuzzer loads on this platform. */
export function addonPath(): string {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve("@jazzer.js/fuzzer/package.json"));
  return join(pkg, "prebuilds", `fuzzer-${process.platform}-${process.arch}.node`);
}

function loads(path: string): string | undefined {
  const r = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(path)})`], { encoding: "utf8" });
  return r.status === 0 ? undefined : (r.stderr.split("\n").find((l) => l.startsWith("Error")) ?? r.stderr);
}

/** Make the addon loadable, patching it if needed; throws with the loader's message if that fails. */
export function ensureAddonLoads(log: (line: string) => void): void {
  const path = addonPath();
  const before = loads(path);
  if (before === undefined) return;
  if (!before.includes("GLIBC")) throw new Error(`the Jazzer.js addon does not load: ${before}`);
  const original = `${path}.orig`;
  if (!existsSync(original)) copyFileSync(path, original);
  const elf = readFileSync(original);
  const names = patchElf(elf);
  writeFileSync(path, elf);
  log(`patched ${path} for this glibc: ${names.join(", ")} (original kept as .orig)`);
  const after = loads(path);
  if (after !== undefined) throw new Error(`the patched Jazzer.js addon still does not load: ${after}`);
}
