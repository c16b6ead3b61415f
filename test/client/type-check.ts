import { dirname, resolve } from 'node:path';
import ts from 'typescript';

export type VirtualFile = { fileName: string; text: string };

/**
 * Type-checks `files` (and what they import) with `project` (the service's tsconfig.json), as `npm run
 * typecheck` would: Jest's SWC transform strips types without checking them. `virtualFiles` are
 * sources that exist only for this check. Returns one line per diagnostic, by file.
 */
export function typeCheck(
  files: string[],
  virtualFiles: VirtualFile[] = [],
  project = 'tsconfig.json',
): Map<string, string[]> {
  const config = ts.readConfigFile(project, (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(resolve(project)));
  const virtual = new Map(virtualFiles.map((f) => [resolve(f.fileName), f.text]));
  const host = ts.createCompilerHost({ ...options, noEmit: true });
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (name) => virtual.get(resolve(name)) ?? readFile(name);
  host.fileExists = (name) => virtual.has(resolve(name)) || fileExists(name);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => {
    const text = virtual.get(resolve(name));
    return text === undefined ? getSourceFile(name, language, ...rest) : ts.createSourceFile(name, text, language);
  };
  const program = ts.createProgram({
    rootNames: [...files, ...virtual.keys()],
    options: { ...options, noEmit: true },
    host,
  });
  const byFile = new Map<string, string[]>();
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file ? resolve(diagnostic.file.fileName) : '(program)';
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const line =
      diagnostic.file && diagnostic.start !== undefined
        ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1
        : 0;
    byFile.set(file, [...(byFile.get(file) ?? []), `${file}:${line}: ${message}`]);
  }
  return byFile;
}
