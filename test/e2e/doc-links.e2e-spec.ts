import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'var', 'coverage', '.git']);

/** Every Markdown file of the repository (README.md, docs/, bench/, ...). */
function markdownFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** Link targets of inline links `[text](target)` and reference definitions `[id]: target`, outside code. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const references = [...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]);
  return [...inline, ...references];
}

/** Relative links that leave the repository or name no file; web and mail links and anchors pass. */
function brokenLinks(file: string): string[] {
  return linkTargets(readFileSync(file, 'utf8'))
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'))
    .filter((target) => {
      const path = decodeURIComponent(target.split('#')[0].split('?')[0]);
      const resolved = path.startsWith('/') ? join(ROOT, path) : resolve(dirname(file), path);
      const inside = resolved === ROOT || resolved.startsWith(ROOT + sep);
      return !inside || !existsSync(resolved);
    })
    .map((target) => `${relative(ROOT, file)}: ${target}`);
}

describe('documentation links', () => {
  it('finds the README and the docs folder', () => {
    const files = markdownFiles().map((f) => relative(ROOT, f));
    expect(files).toEqual(expect.arrayContaining(['README.md', join('docs', 'architecture.md')]));
  });

  it('reads inline and reference links, not code', () => {
    const text = ['[a](docs/a.md) [b](b.md "title")', '`[x](../x.md)`', '```', '[y](../y.md)', '```', '[r]: ./r.md'];
    expect(linkTargets(text.join('\n'))).toEqual(['docs/a.md', 'b.md', './r.md']);
  });

  it('has no relative link that leaves the repository or names a missing file', () => {
    expect(markdownFiles().flatMap(brokenLinks)).toEqual([]);
  });
});
