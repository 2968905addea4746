// A throwaway certificate for the https emulator, made with the `selfsigned` package (pure JS:
// `openssl` is not on every machine). Clients trust exactly this PEM, never "any certificate".
// Loaded only when https is asked for: every process that knows the providers (the CLI, the
// desktop app) imports this file, and selfsigned's X.509 stack costs about 10 MiB of memory.
export async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const { generate } = await import('selfsigned');
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + 30 * 24 * 60 * 60 * 1000);
  // commonName 'localhost' makes selfsigned add both DNS:localhost and IP:127.0.0.1 as names.
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256', notBeforeDate: notBefore, notAfterDate: notAfter });
  return { key: pems.private, cert: pems.cert };
}
