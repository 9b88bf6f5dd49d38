import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256Thread } from "../../components/cloudify/day2/sha256-thread";

const sha256 = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest("hex");
const sharedCopy = (bytes: Buffer) => {
  const shared = Buffer.from(new SharedArrayBuffer(bytes.length));
  bytes.copy(shared);
  return shared;
};

describe("the archive's hashing thread", () => {
  it("hashes everything it is given in order, from shared memory and from ordinary buffers alike", async () => {
    const parts = [randomBytes(1 << 20), randomBytes(7), Buffer.alloc(0), randomBytes(300_000)];
    const hashing = sha256Thread();
    try {
      let done = 0;
      hashing.update(sharedCopy(parts[0]!), () => done++);
      hashing.update(parts[1]!, () => done++);
      hashing.update(parts[2]!, () => done++);
      // A view into the middle of a larger buffer: only its own bytes count.
      const larger = Buffer.concat([randomBytes(10), parts[3]!, randomBytes(10)]);
      hashing.update(larger.subarray(10, 10 + parts[3]!.length), () => done++);
      expect(await hashing.digest()).toBe(sha256(...parts));
      expect(done).toBe(4);
      expect(hashing.backlog).toBe(0);
    } finally {
      await hashing.close();
    }
  });

  it("is done with a shared buffer when it says so: bytes written into it afterwards do not change the digest", async () => {
    // The downloader refills a chunk with later bytes once both its write and its hash are done.
    const hashing = sha256Thread();
    try {
      const chunk = Buffer.from(new SharedArrayBuffer(4 << 20));
      const rounds = Array.from({ length: 6 }, () => randomBytes(chunk.length));
      for (const round of rounds) {
        round.copy(chunk);
        await new Promise<void>((resolve) => hashing.update(chunk, resolve));
      }
      chunk.fill(0);
      expect(await hashing.digest()).toBe(sha256(...rounds));
    } finally {
      await hashing.close();
    }
  });

  it("counts what it has not hashed yet, and once closed calls back for none of it and reports no failure", async () => {
    const hashing = sha256Thread();
    const called: number[] = [];
    for (let i = 0; i < 64; i++) hashing.update(sharedCopy(randomBytes(1 << 20)), () => called.push(i));
    expect(hashing.backlog).toBeGreaterThan(0);
    await hashing.close();
    const calledAtClose = called.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(called.length).toBe(calledAtClose);
    expect(called).toEqual(Array.from({ length: calledAtClose }, (_, i) => i));
    const outcome = await Promise.race([hashing.failed.then(() => "resolved", () => "rejected"), new Promise((resolve) => setTimeout(resolve, 50, "pending"))]);
    expect(outcome).toBe("pending");
  });
});
