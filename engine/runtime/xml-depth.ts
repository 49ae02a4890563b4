/** Deepest element nesting of the XML (BPMN and DMN), checked on the text before it is parsed. */
export const MAX_XML_DEPTH = 100;

/**
 * Deepest element nesting of `xml`, counted on the text without parsing (iteratively): a
 * diagram nested thousands deep must be refused before any recursive code walks it.
 * Comments, CDATA, processing instructions and declarations are skipped; the count stops
 * once `limit` is passed.
 */
export function xmlDepth(xml: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let i = xml.indexOf('<');
  while (i >= 0 && i < xml.length) {
    if (xml.startsWith('<!--', i)) {
      const e = xml.indexOf('-->', i + 4);
      if (e < 0) break;
      i = xml.indexOf('<', e + 3);
      continue;
    }
    if (xml.startsWith('<![CDATA[', i)) {
      const e = xml.indexOf(']]>', i + 9);
      if (e < 0) break;
      i = xml.indexOf('<', e + 3);
      continue;
    }
    const c = xml[i + 1];
    // the end of the tag: the first '>' outside a quoted attribute value
    let j = i + 1;
    let quote = '';
    for (; j < xml.length; j++) {
      const ch = xml[j];
      if (quote) {
        if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '>') break;
    }
    if (c === '/') depth = Math.max(0, depth - 1);
    else if (c !== '?' && c !== '!' && xml[j - 1] !== '/') {
      depth++;
      if (depth > max) max = depth;
      if (max > limit) return max;
    }
    i = xml.indexOf('<', j + 1);
  }
  return max;
}
