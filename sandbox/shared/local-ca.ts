import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A throw-away certificate authority for mutual TLS in tests and the demo: made with
 * the `openssl` command at start, in a temporary folder that is removed at once; the
 * keys live only in memory. Never committed, never reused across runs.
 */

export interface Issued {
  /** PEM certificate */
  cert: string;
  /** PEM private key (PKCS#8) */
  key: string;
  /** The certificate's subject as a distinguished name, e.g. "CN=idv-portal". */
  subject: string;
}

export interface LocalCa {
  /** The CA's PEM certificate: what a TLS peer trusts. */
  cert: string;
  /** A server certificate for 127.0.0.1 and localhost. */
  server(): Issued;
  /** A client certificate with subject CN=<cn>. */
  client(cn: string): Issued;
}

function openssl(dir: string, args: string[]) {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

export function createLocalCa(name = "idv-local-test-ca"): LocalCa {
  const dir = mkdtempSync(join(tmpdir(), "idv-ca-"));
  try {
    openssl(dir, [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
    ]);
    const caKey = readFileSync(join(dir, "ca.key"), "utf8");
    const caCert = readFileSync(join(dir, "ca.pem"), "utf8");
    const issue = (cn: string, ext: string): Issued => {
      const d = mkdtempSync(join(tmpdir(), "idv-cert-"));
      try {
        writeFileSync(join(d, "ca.key"), caKey, { mode: 0o600 });
        writeFileSync(join(d, "ca.pem"), caCert);
        writeFileSync(join(d, "ext.cnf"), ext);
        openssl(d, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "c.key", "-out", "c.csr", "-subj", `/CN=${cn}`]);
        openssl(d, [
          "x509",
          "-req",
          "-in",
          "c.csr",
          "-CA",
          "ca.pem",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-out",
          "c.pem",
          "-days",
          "2",
          "-extfile",
          "ext.cnf",
        ]);
        return { cert: readFileSync(join(d, "c.pem"), "utf8"), key: readFileSync(join(d, "c.key"), "utf8"), subject: `CN=${cn}` };
      } finally {
        rmSync(d, { recursive: true, force: true });
      }
    };
    return {
      cert: caCert,
      server: () => issue("localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
      client: (cn) => issue(cn, "extendedKeyUsage=clientAuth\n"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
