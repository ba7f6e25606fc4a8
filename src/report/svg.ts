/**
 * Vega-Lite specification -> standalone SVG text, in Node and without a browser: vega-lite compiles the
 * specification to Vega, and a headless Vega view (renderer "none") draws the scene graph as SVG. Text
 * widths are estimated (no canvas package), which is close enough for axis layout.
 */
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { MinifloatError } from "../errors.js";

/** The SVG of `spec`; `id` prefixes the SVG's internal ids (clip paths, gradients) so that several
 * charts can live in one HTML page without their ids colliding. */
export async function renderSvg(spec: TopLevelSpec, id: string): Promise<string> {
  let view: View | undefined;
  try {
    view = new View(parse(compile(spec).spec), { renderer: "none" });
    const svg = await view.toSVG();
    return uniqueIds(svg, id);
  } catch (e) {
    throw new MinifloatError("argument", `chart ${id}: could not render: ${(e as Error).message}`, {
      cause: e,
    });
  } finally {
    view?.finalize();
  }
}

/** Rename every id="x" and its url(#x) / href="#x" references to `${prefix}-x`. */
function uniqueIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (whole, lead: string, name: string) =>
    ids.has(name) ? `${lead}${prefix}-${name}` : whole,
  );
}
