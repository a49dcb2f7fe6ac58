import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const entries = ['../src/index.ts', '../src/node.ts'].map((p) => fileURLToPath(new URL(p, import.meta.url)));

const hasExample = (node: ts.Node): boolean =>
  ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'example');

/** Public methods of the SDK without an `@example` in their JSDoc (exported functions, class methods, resource members). */
function undocumented(): { checked: number; missing: string[] } {
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowJs: false,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const missing: string[] = [];
  let checked = 0;
  const check = (node: ts.Node, name: string): void => {
    checked++;
    if (!hasExample(node)) missing.push(name);
  };
  const seen = new Set<ts.Symbol>();
  const classes = new Set<ts.ClassDeclaration>();
  /** A class's public methods, and those of the resource classes its public properties hold. */
  const checkClass = (decl: ts.ClassDeclaration, prefix: string, exported = true): void => {
    if (classes.has(decl)) return;
    classes.add(decl);
    if (exported) check(decl, `class ${prefix}`);
    for (const member of decl.members) {
      const modifiers = ts.getCombinedModifierFlags(member);
      if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
      if (member.name && ts.isPrivateIdentifier(member.name)) continue;
      const memberName = `${prefix}.${member.name?.getText() ?? 'constructor'}`;
      if (ts.isMethodDeclaration(member)) check(member, memberName);
      if (!ts.isPropertyDeclaration(member)) continue;
      // Grouped resources (`admin.users.list`): each function member of the property's type.
      if (member.type && ts.isTypeLiteralNode(member.type)) {
        for (const inner of member.type.members) {
          if (ts.isMethodSignature(inner)) check(inner, `${memberName}.${inner.name.getText()}`);
        }
      }
      const target = checker.getTypeAtLocation(member).getSymbol()?.declarations?.find(ts.isClassDeclaration);
      if (target) checkClass(target, memberName, false);
    }
  };
  for (const entry of entries) {
    const source = program.getSourceFile(entry);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`cannot read ${entry}`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (seen.has(symbol)) continue;
      seen.add(symbol);
      for (const decl of symbol.declarations ?? []) {
        if (ts.isFunctionDeclaration(decl)) check(decl, symbol.name);
        if (ts.isClassDeclaration(decl)) checkClass(decl, symbol.name);
      }
    }
  }
  return { checked, missing };
}

describe('SDK documentation', () => {
  it('every public method and exported function has JSDoc with an @example', () => {
    const { checked, missing } = undocumented();
    expect(checked).toBeGreaterThan(60);
    expect(missing).toEqual([]);
  });
});
