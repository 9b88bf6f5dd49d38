/**
 * Every form a leaked value could take in a file or a log: as is, JSON-escaped, and base64 at each of the three byte
 * alignments it can have inside a longer base64 text (the characters that mix in its neighbours' bits are left out).
 */
function leakForms(value: string): string[] {
  const base64At = (offset: number): string => {
    const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(value)]).toString("base64");
    return encoded.slice(Math.ceil((offset * 4) / 3) + 1, encoded.length - 4);
  };
  return [value, JSON.stringify(value).slice(1, -1), base64At(0), base64At(1), base64At(2)];
}

/** Which of `secrets` occur in `text`, in any of their leak forms (`name as "form"`). */
export function leaksIn(secrets: Readonly<Record<string, string>>, text: string): string[] {
  return Object.entries(secrets).flatMap(([name, value]) => leakForms(value).filter((form) => text.includes(form)).map((form) => `${name} as ${JSON.stringify(form)}`));
}
