/**
 * Key paths (`cmom:cluster.adminPassword`, `cmom:resources.secrets[0].string`) of the values a stack file's `config:` holds
 * encrypted (`{secure: …}`): Pulumi tells a program only which whole keys hold a secret, not where inside them.
 */
export function securePaths(config: Readonly<Record<string, unknown>>): string[] {
  const found: string[] = [];
  const walk = (value: unknown, at: string) => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}[${i}]`));
    else if (value !== null && typeof value === "object") {
      const entries = Object.entries(value);
      if (entries.length === 1 && entries[0]![0] === "secure") found.push(at);
      else for (const [k, v] of entries) walk(v, `${at}.${k}`);
    }
  };
  for (const [key, value] of Object.entries(config)) walk(value, key);
  return found;
}

/** True when the value at `keyPath` was set with --secret: it, or a key holding it, is encrypted. */
export function isUnderSecure(secure: readonly string[], keyPath: string): boolean {
  return secure.some((p) => keyPath === p || keyPath.startsWith(`${p}.`) || keyPath.startsWith(`${p}[`));
}
