/**
 * Layer `report`: pure data -> documents. Turns what runs, comparisons, tolerance analyses and quantizations leave on disk
 * into report.html (self-contained, charts as inline SVG drawn by Vega-Lite in Node), report.md and
 * report.json. Only load.ts reads files (through experiment's readers) and write.ts writes them; the
 * rest are pure functions. May import experiment and the layers below; must not import cli.
 */
export * from "./document.js";
export * from "./charts.js";
export * from "./svg.js";
export * from "./load.js";
export * from "./training.js";
export * from "./tolerance.js";
export * from "./quant.js";
export * from "./build.js";
export * from "./markdown.js";
export * from "./html.js";
export * from "./render.js";
export * from "./write.js";
export * from "./claims.js";
