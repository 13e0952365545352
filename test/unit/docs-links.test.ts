/**
 * Every relative link of the README and of docs/ resolves: the file exists, and an anchor
 * (`page.md#section`, `#section`) names a heading of that page, as GitHub derives heading ids.
 * The manual moves between pages; a link left pointing at the old place fails here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The text outside fenced code blocks and inline code, where a `[x](y)` is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2. */
function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const match of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = match[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  return ids;
}

function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

describe('links in the README and docs/', () => {
  it('finds the pages', () => {
    expect(pages).toContain('README.md');
    expect(pages).toContain('docs/guide.md');
  });

  it.each(pages)('%s: every relative link resolves', (page) => {
    const text = readFileSync(join(root, page), 'utf8');
    const broken: string[] = [];
    for (const link of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:
      const [path, anchor] = link.split('#', 2) as [string, string | undefined];
      const target = path === '' ? join(root, page) : resolve(dirname(join(root, page)), decodeURIComponent(path));
      if (!existsSync(target)) {
        broken.push(`${link}: ${relative(root, target)} does not exist`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !headingIds(readFileSync(target, 'utf8')).has(anchor)) {
        broken.push(`${link}: ${relative(root, target)} has no heading #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('derives heading ids as GitHub does', () => {
    const ids = headingIds('# `modkit run`\n## Bounds: every shutdown ends\n## `.env` files\n## Details\n## Details\n');
    expect([...ids]).toEqual(['modkit-run', 'bounds-every-shutdown-ends', 'env-files', 'details', 'details-1']);
  });

  it('catches a link to a heading that does not exist', () => {
    expect(headingIds('## Fleets\n').has('many-databases')).toBe(false);
  });
});
