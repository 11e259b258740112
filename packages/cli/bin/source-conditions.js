// A module resolve hook that adds the `@inst/source` condition, so workspace packages resolve to their
// TypeScript sources when the binary runs from the repository (the same as `node --conditions=@inst/source`).
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('@inst/source') ? context.conditions : [...context.conditions, '@inst/source'];
  return nextResolve(specifier, { ...context, conditions });
}
