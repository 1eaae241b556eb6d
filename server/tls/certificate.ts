// The TLS identity shared by SMTP (STARTTLS/SMTPS) and POP3 (STLS/POP3S): the configured PEM files, or a
// self-signed certificate generated on first start and kept in the data folder so clients can pin it.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

export interface TlsIdentity {
  key: Buffer;
  cert: Buffer;
  /** True when Mailcove generated it. */
  selfSigned: boolean;
}

export async function loadTlsIdentity(options: { certFile: string | null; keyFile: string | null; dataDir: string }): Promise<TlsIdentity> {
  if (options.certFile && options.keyFile) {
    return { cert: await fsp.readFile(options.certFile), key: await fsp.readFile(options.keyFile), selfSigned: false };
  }
  const dir = join(options.dataDir, 'tls');
  const certPath = join(dir, 'self-signed-cert.pem');
  const keyPath = join(dir, 'self-signed-key.pem');
  try {
    return { cert: await fsp.readFile(certPath), key: await fsp.readFile(keyPath), selfSigned: true };
  } catch {
    // First start: generate below.
  }
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 10);
  // Loaded only here: the X.509 toolkit behind it is several megabytes of heap that a normal start never needs.
  const { default: selfsigned } = await import('selfsigned');
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(keyPath, pems.private, { mode: 0o600 });
  await fsp.writeFile(certPath, pems.cert);
  return { cert: Buffer.from(pems.cert), key: Buffer.from(pems.private), selfSigned: true };
}
