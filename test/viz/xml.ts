// A strict little XML parser for tests: throws on unbalanced tags, bad attributes or stray '<'.
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

export function parseXml(src: string): XmlNode {
  let i = 0;
  const root: XmlNode = { name: '#doc', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const fail = (m: string): never => {
    throw new Error(`XML: ${m} at ${i}: ${src.slice(Math.max(0, i - 40), i + 40)}`);
  };
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const text = src.slice(i, lt < 0 ? src.length : lt);
    if (text.includes('>')) fail('stray >');
    stack[stack.length - 1]!.text += text;
    if (lt < 0) break;
    i = lt;
    if (src.startsWith('<?', i)) {
      i = src.indexOf('?>', i) + 2;
      continue;
    }
    if (src.startsWith('<!--', i)) {
      i = src.indexOf('-->', i) + 3;
      continue;
    }
    if (src[i + 1] === '/') {
      const end = src.indexOf('>', i);
      const name = src.slice(i + 2, end).trim();
      const top = stack.pop()!;
      if (top.name !== name) fail(`</${name}> closes <${top.name}>`);
      i = end + 1;
      continue;
    }
    const m = /^<([A-Za-z_][\w:.-]*)/.exec(src.slice(i));
    if (!m) fail('bad tag');
    const node: XmlNode = { name: m![1]!, attrs: {}, children: [], text: '' };
    i += m![0].length;
    for (;;) {
      while (/\s/.test(src[i]!)) i++;
      if (src.startsWith('/>', i)) {
        i += 2;
        stack[stack.length - 1]!.children.push(node);
        break;
      }
      if (src[i] === '>') {
        i++;
        stack[stack.length - 1]!.children.push(node);
        stack.push(node);
        break;
      }
      const a = /^([A-Za-z_][\w:.-]*)="([^"<]*)"/.exec(src.slice(i));
      if (!a) fail('bad attribute');
      if (a![1]! in node.attrs) fail(`duplicate attribute ${a![1]}`);
      node.attrs[a![1]!] = a![2]!;
      i += a![0].length;
    }
  }
  if (stack.length !== 1) fail(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root.children.length !== 1) fail('expected one root element');
  return root.children[0]!;
}

export function* walk(n: XmlNode): Generator<XmlNode> {
  yield n;
  for (const c of n.children) yield* walk(c);
}

/** All `<g class="mark-TYPE role-mark …">` groups. */
export function markGroups(root: XmlNode, type: string): XmlNode[] {
  return [...walk(root)].filter(
    (n) => n.name === 'g' && (n.attrs.class ?? '').split(' ').includes(`mark-${type}`) && (n.attrs.class ?? '').includes('role-mark'),
  );
}

/** All text content of `<text>` elements. */
export function texts(root: XmlNode): string[] {
  return [...walk(root)].filter((n) => n.name === 'text').map((n) => n.text.trim());
}
