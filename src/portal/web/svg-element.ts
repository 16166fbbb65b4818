// SvgNodes (svg.ts) into elements. Text goes in as text nodes, as in dom.ts: nothing is ever
// parsed as markup.
import type { SvgNode } from './svg.js';

const NS = 'http://www.w3.org/2000/svg';

export function svgElement(node: SvgNode): SVGElement {
  const element = document.createElementNS(NS, node.tag);
  for (const [key, value] of Object.entries(node.attrs ?? {})) element.setAttribute(key, String(value));
  if (node.text !== undefined) element.textContent = node.text;
  for (const child of node.children ?? []) element.append(svgElement(child));
  return element;
}
