/**
 * Removes secrets from text before it reaches a log line, an error or a health report.
 * Built once per client from its credentials (and their Basic-auth encoding).
 */
export type Redactor = (text: string) => string;

/** Makes a {@link Redactor} that replaces every given secret (ignoring empty ones) with `[REDACTED]`. */
export function createRedactor(secrets: ReadonlyArray<string | undefined>): Redactor {
  const list = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4))]
    .sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of list) out = out.split(secret).join('[REDACTED]');
    return out.replace(/(Basic|Bearer)\s+[A-Za-z0-9+/=._-]{8,}/g, '$1 [REDACTED]');
  };
}

/** The secrets of a client: the keys and the Basic-auth header values built from them. */
export function credentialSecrets(siteId?: string, apiKey?: string, appApiKey?: string, writeKey?: string): string[] {
  const out = [apiKey, appApiKey, writeKey].filter((s): s is string => !!s);
  if (siteId && apiKey) out.push(Buffer.from(`${siteId}:${apiKey}`, 'utf8').toString('base64'));
  // Data Pipelines authenticates with Basic `writeKey:` (an empty password).
  if (writeKey) out.push(Buffer.from(`${writeKey}:`, 'utf8').toString('base64'));
  return out;
}
