// SVG as plain data: a chart is laid out by a pure function (unit-tested in Node, no DOM) into
// these nodes, and the page turns them into elements. Text goes in as text nodes, as in dom.ts:
// nothing is ever parsed as markup.
export interface SvgNode {
  tag: string;
  attrs?: Record<string, string | number>;
  children?: SvgNode[];
  text?: string;
}

const NS = 'http://www.w3.org/2000/svg';

export function svgElement(node: SvgNode): SVGElement {
  const element = document.createElementNS(NS, node.tag);
  for (const [key, value] of Object.entries(node.attrs ?? {})) element.setAttribute(key, String(value));
  if (node.text !== undefined) element.textContent = node.text;
  for (const child of node.children ?? []) element.append(svgElement(child));
  return element;
}

/** Every node below `node` (itself first) that matches: what the tests look for. */
export function findNodes(node: SvgNode, match: (n: SvgNode) => boolean): SvgNode[] {
  return [...(match(node) ? [node] : []), ...(node.children ?? []).flatMap((c) => findNodes(c, match))];
}
