// SVG as plain data: a chart is laid out by a pure function (unit-tested in Node, no DOM) into
// these nodes, and the page turns them into elements (svg-element.ts).
export interface SvgNode {
  tag: string;
  attrs?: Record<string, string | number>;
  children?: SvgNode[];
  text?: string;
}

/** Every node below `node` (itself first) that matches: what the tests look for. */
export function findNodes(node: SvgNode, match: (n: SvgNode) => boolean): SvgNode[] {
  return [...(match(node) ? [node] : []), ...(node.children ?? []).flatMap((c) => findNodes(c, match))];
}
