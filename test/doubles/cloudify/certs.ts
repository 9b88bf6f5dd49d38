import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A throw-away certificate authority, generated with the openssl CLI (EC P-256: fast to make, fast handshakes). */
export interface TestCa {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface ServerCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

function inTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "cloudify-double-certs-"));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

export function generateTestCa(commonName = "cmom test CA"): TestCa {
  return inTempDir((dir) => {
    openssl(dir, [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-keyout", "ca.key", "-out", "ca.pem", "-subj", `/CN=${commonName}`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    return { certPem: readFileSync(join(dir, "ca.pem"), "utf8"), keyPem: readFileSync(join(dir, "ca.key"), "utf8") };
  });
}

/** A server certificate signed by `ca`, valid for localhost and 127.0.0.1 (and any extra `hosts`). */
export function issueServerCertificate(ca: TestCa, hosts: readonly string[] = []): ServerCertificate {
  return inTempDir((dir) => {
    writeFileSync(join(dir, "ca.pem"), ca.certPem);
    writeFileSync(join(dir, "ca.key"), ca.keyPem, { mode: 0o600 });
    const names = ["DNS:localhost", "IP:127.0.0.1", ...hosts.map((h) => (/^[\d.]+$/.test(h) ? `IP:${h}` : `DNS:${h}`))];
    writeFileSync(
      join(dir, "ext.cnf"),
      `subjectAltName=${names.join(",")}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`,
    );
    openssl(dir, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
    openssl(dir, ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-out", "server.pem", "-extfile", "ext.cnf"]);
    return { certPem: readFileSync(join(dir, "server.pem"), "utf8"), keyPem: readFileSync(join(dir, "server.key"), "utf8") };
  });
}
