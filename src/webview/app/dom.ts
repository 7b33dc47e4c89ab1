/** Elements only ever get untrusted text through `textContent` (or a property, never innerHTML). */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  const { dataset, ...rest } = props;
  Object.assign(node, rest);
  if (dataset) Object.assign(node.dataset, dataset);
  if (text !== undefined) node.textContent = text;
  return node;
}

export function withIcon<T extends HTMLElement>(node: T, icon: string): T {
  node.prepend(element('span', { className: `codicon codicon-${icon}`, ariaHidden: 'true' }));
  return node;
}
