// A throwaway certificate for the https emulator, made with the `selfsigned` package (pure JS:
// `openssl` is not on every machine). Clients trust exactly this PEM, never "any certificate".
import { generate } from 'selfsigned';

export async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + 30 * 24 * 60 * 60 * 1000);
  // commonName 'localhost' makes selfsigned add both DNS:localhost and IP:127.0.0.1 as names.
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256', notBeforeDate: notBefore, notAfterDate: notAfter });
  return { key: pems.private, cert: pems.cert };
}
