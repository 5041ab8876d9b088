// `openapi.tls`: the client certificate, private CA and skip-verify switch for the HTTPS requests an
// OpenAPI server makes to its API (the spec fetched from a URL and every tool call). Node's global
// fetch takes no TLS options, so a stack that sets any goes through undici's fetch with its own
// connection pool; one without keeps the global fetch.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { coded } from '../../errors/coded.js';

export interface OpenApiTls {
  /** PEM client certificate (mTLS); needs keyFile. */
  certFile?: string;
  /** PEM private key of certFile. */
  keyFile?: string;
  /** PEM CA bundle; when set, only these CAs are trusted for the API (not the system's). */
  caFile?: string;
  /** Accept any server certificate. */
  insecureSkipVerify?: boolean;
}

export type Fetch = (url: URL | string, init?: RequestInit) => Promise<Response>;

export interface HttpClient {
  fetch: Fetch;
  close(): Promise<void>;
}

const PLAIN: HttpClient = { fetch: (url, init) => fetch(url, init), close: async () => {} };

/**
 * The fetch an OpenAPI server uses for its API. Files are read and checked here, so a missing file,
 * a bad PEM or a key that does not match the certificate fails connect with the field's name.
 */
export function httpClient(tls: OpenApiTls | undefined): HttpClient {
  if (!tls || (!tls.certFile && !tls.keyFile && !tls.caFile && !tls.insecureSkipVerify)) return PLAIN;
  const read = (field: keyof OpenApiTls, file: string | undefined) => {
    if (file === undefined || file === '') return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw coded(
        'OPENAPI_TLS_INVALID',
        `openapi.tls.${field} ${file} cannot be read (${code === 'ENOENT' ? 'no such file' : code})`,
      );
    }
  };
  const connect = {
    ca: read('caFile', tls.caFile),
    cert: read('certFile', tls.certFile),
    key: read('keyFile', tls.keyFile),
    rejectUnauthorized: tls.insecureSkipVerify !== true,
  };
  // Node skips a CA bundle without certificates silently, which would leave nothing trusted.
  if (connect.ca && !connect.ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw coded(
      'OPENAPI_TLS_INVALID',
      `openapi.tls.caFile ${tls.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  }
  if ((connect.cert === undefined) !== (connect.key === undefined)) {
    throw coded('OPENAPI_TLS_INVALID', 'openapi.tls: a client certificate needs both certFile and keyFile');
  }
  try {
    createSecureContext(connect);
  } catch (err) {
    throw coded('OPENAPI_TLS_INVALID', `openapi.tls: ${describeTlsFileError(err)}`);
  }
  const agent = new Agent({ connect });
  return {
    // undici's Request and Response types are its own declarations of the same WHATWG classes.
    fetch: (url, init) =>
      undiciFetch(url, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>,
    close: () => agent.close(),
  };
}

function describeTlsFileError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/key values mismatch/i.test(msg)) return 'keyFile is not the private key of certFile';
  if (/no start line|bad base64|PEM/i.test(msg))
    return `certFile, keyFile or caFile is not valid PEM (${msg})`;
  return msg;
}

/** Codes Node gives a server certificate that the trusted CAs do not vouch for. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/** What to do about a failed request, when the failure is a TLS trust problem. */
export function tlsHint(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string }).code;
  if (code && UNTRUSTED.has(code)) {
    return "set openapi.tls.caFile to the CA that signed the API's certificate";
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return "the certificate does not name the base URL's host";
  return undefined;
}
