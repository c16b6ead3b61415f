/**
 * Headers of every console response (SPEC §13). The page's own scripts and styles come from
 * files on this origin only; nothing inline, no framing by other sites, no referrer to other
 * origins. `extraConnectSources` lets the page reach an identity provider's token endpoint.
 */
export function consoleSecurityHeaders(extraConnectSources: readonly string[] = []): Record<string, string> {
  const csp = ["default-src 'self'"];
  if (extraConnectSources.length > 0) csp.push(`connect-src 'self' ${extraConnectSources.join(' ')}`);
  return {
    'content-security-policy': csp.join('; '),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  };
}
