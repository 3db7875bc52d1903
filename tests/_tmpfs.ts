/** A small tmpfs (root only: CI and the dev machines run tests as root). */

/** Mounts a tmpfs of `bytes` on a new temp folder; unmounted on dispose. */
export async function smallDisk(
  bytes: number,
): Promise<
  AsyncDisposable & { path: string; fill(leave: number): Promise<void> }
> {
  const path = await Deno.makeTempDir({ prefix: "flightlog-tmpfs-" });
  const run = async (cmd: string, args: string[]) => {
    const out = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
    if (!out.success) {
      throw new Error(
        `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
  };
  await run("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", path]);
  return {
    path,
    /** Fills the disk until about `leave` bytes are free. */
    async fill(leave: number) {
      const { bavail, bsize } = await statfs(path);
      const free = bavail * bsize;
      await Deno.writeFile(
        `${path}/filler`,
        new Uint8Array(Math.max(0, free - leave)),
      );
    },
    async [Symbol.asyncDispose]() {
      await run("umount", [path]).catch(() => {});
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

async function statfs(
  path: string,
): Promise<{ bavail: number; bsize: number }> {
  const out = await new Deno.Command("stat", {
    args: ["-f", "-c", "%a %S", path],
  }).output();
  const [bavail, bsize] = new TextDecoder().decode(out.stdout).trim().split(" ")
    .map(Number);
  return { bavail, bsize };
}
