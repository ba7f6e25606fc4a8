/**
 * The kernel registry: a backend is a record `{ name, create }` that registers itself; `create` returns
 * the kernels it implements (or null where it cannot run here, e.g. no compiled module) and every kernel
 * it leaves out falls back to `js`, the reference that implements all of them. The registry knows no
 * backend but `js`, so a new one (WebGPU, native) lives in its own folder (DESIGN.md "Engine").
 */
import { MinifloatError } from "../errors.js";
import type { BackendName } from "../tensor/index.js";
import { jsKernels } from "./js/index.js";
import type { Kernels } from "./signatures.js";

/** A kernel backend: its name and how to build the kernels it implements over the `js` ones. */
export interface Backend {
  /** The name engines and configs select it by (`--backend`, `TrainConfig.backend`). */
  readonly name: BackendName;
  /** The kernels this backend implements, built on first use; null where it cannot run here. */
  create(): Partial<Kernels> | null;
}

const backends = new Map<BackendName, Backend>([["js", { name: "js", create: () => jsKernels }]]);
const own = new Map<BackendName, Partial<Kernels>>();
const resolved = new Map<BackendName, Kernels>();

/** Register (or replace) a backend; its kernels are built on first use. */
export function registerBackend(backend: Backend): void {
  if (backend.name === "js")
    throw new MinifloatError("argument", 'backend "js" is the reference and cannot be replaced');
  backends.set(backend.name, backend);
  own.delete(backend.name);
  resolved.delete(backend.name);
}

/** The names of the registered backends, `js` first (the choices of `--backend`). */
export function backendNames(): readonly BackendName[] {
  return [...backends.keys()];
}

function ownKernels(name: BackendName): Partial<Kernels> {
  let k = own.get(name);
  if (k === undefined) {
    const backend = backends.get(name);
    if (backend === undefined) {
      throw new MinifloatError(
        "argument",
        `unknown backend "${name}": expected one of ${backendNames().join(", ")}`,
      );
    }
    // Without what it needs (a compiled module, WebAssembly threads) a backend runs every kernel on js.
    k = backend.create() ?? {};
    own.set(name, k);
  }
  return k;
}

/** The full kernel table of a backend: its own kernels over the `js` ones. */
export function kernelsFor(backend: BackendName): Kernels {
  if (backend === "js") return jsKernels;
  let k = resolved.get(backend);
  if (k === undefined) {
    k = { ...jsKernels, ...ownKernels(backend) };
    resolved.set(backend, k);
  }
  return k;
}

/** Which kernels a backend implements itself (the others run on `js`). */
export function ownKernelNames(backend: BackendName): (keyof Kernels)[] {
  return Object.keys(ownKernels(backend)) as (keyof Kernels)[];
}
