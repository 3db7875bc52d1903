// deploy/kubernetes: every manifest validates against the Kubernetes API's
// JSON schemas (npm `kubernetes-models`, which types known fields and
// required ones), and the pieces fit: a native sidecar sharing the socket and
// incident volumes with the app, probes on /healthz at the port it listens
// on, the token from the Secret, the gatherer's Service in front of its pods,
// and arguments flightlog's own parsers accept.
import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import { parseAllDocuments } from "npm:yaml@2.8.1";
// deno-lint-ignore no-import-prefix
import { Deployment } from "npm:kubernetes-models@4.5.1/apps/v1/Deployment";
// deno-lint-ignore no-import-prefix
import { Service } from "npm:kubernetes-models@4.5.1/v1/Service";
// deno-lint-ignore no-import-prefix
import { Secret } from "npm:kubernetes-models@4.5.1/v1/Secret";
// deno-lint-ignore no-import-prefix
import { PersistentVolumeClaim } from "npm:kubernetes-models@4.5.1/v1/PersistentVolumeClaim";
import { parseGatherArgs } from "../cli/gather.ts";
import { parseSidecarArgs } from "../cli/sidecar.ts";
import { ROOT, tempDir } from "./_util.ts";

const DIR = `${ROOT}deploy/kubernetes`;

// deno-lint-ignore no-explicit-any
type Json = any;

const MODELS: Record<string, new (data: Json) => { validate(): void }> = {
  "apps/v1 Deployment": Deployment,
  "v1 Service": Service,
  "v1 Secret": Secret,
  "v1 PersistentVolumeClaim": PersistentVolumeClaim,
};

/** Every document of every manifest, with the file it is in. */
async function manifests(): Promise<{ file: string; doc: Json }[]> {
  const all: { file: string; doc: Json }[] = [];
  for await (const e of Deno.readDir(DIR)) {
    if (!e.name.endsWith(".yaml")) continue;
    const text = await Deno.readTextFile(`${DIR}/${e.name}`);
    for (const d of parseAllDocuments(text)) {
      assert.deepEqual(d.errors, [], e.name);
      all.push({ file: e.name, doc: d.toJS() });
    }
  }
  return all;
}

async function find(kind: string, name: string): Promise<Json> {
  const hit = (await manifests()).find((m) =>
    m.doc.kind === kind && m.doc.metadata?.name === name
  );
  assert.ok(hit, `no ${kind} ${name}`);
  return hit.doc;
}

/** `--name=value` of a container's args. */
function arg(container: Json, name: string): string | undefined {
  const prefix = `--${name}=`;
  return container.args.find((a: string) => a.startsWith(prefix))
    ?.slice(prefix.length);
}

/** The mount path of volume `name` in `container`. */
function mountOf(container: Json, name: string): string | undefined {
  return container.volumeMounts?.find((m: Json) => m.name === name)?.mountPath;
}

function assertHardened(c: Json, where: string) {
  assert.equal(c.securityContext?.allowPrivilegeEscalation, false, where);
  assert.equal(c.securityContext?.readOnlyRootFilesystem, true, where);
  assert.deepEqual(c.securityContext?.capabilities?.drop, ["ALL"], where);
  assert.ok(c.resources?.requests?.memory, `${where}: memory request`);
  assert.ok(c.resources?.limits?.memory, `${where}: memory limit`);
}

function assertProbed(c: Json, port: string, where: string) {
  const named = c.ports.find((p: Json) => p.name === port);
  assert.ok(named, `${where}: no port ${port}`);
  for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
    assert.equal(c[probe]?.httpGet?.path, "/healthz", `${where} ${probe}`);
    assert.equal(c[probe]?.httpGet?.port, port, `${where} ${probe}`);
  }
  return named.containerPort;
}

Deno.test("every manifest validates against the Kubernetes schema of its kind", async () => {
  const all = await manifests();
  assert.ok(all.length >= 5);
  for (const { file, doc } of all) {
    const model = MODELS[`${doc.apiVersion} ${doc.kind}`];
    assert.ok(model, `${file}: no schema for ${doc.apiVersion} ${doc.kind}`);
    new model(doc).validate();
  }
});

Deno.test("the schema check catches a mistyped field", () => {
  assert.throws(
    () =>
      new Deployment({
        metadata: { name: "x" },
        spec: {
          selector: {},
          template: {
            spec: {
              containers: [{
                name: "a",
                ports: [{ containerPort: "x" as Json }],
              }],
            },
          },
        },
      }).validate(),
    /containerPort must be integer/,
  );
});

Deno.test("the app's sidecar is a native sidecar sharing the socket and incident volumes", async () => {
  const shop = await find("Deployment", "shop");
  const pod = shop.spec.template.spec;
  const [sidecar] = pod.initContainers;
  const app = pod.containers[0];
  assert.equal(sidecar.restartPolicy, "Always");
  assert.equal(sidecar.args[0], "sidecar");
  const socketVolume = pod.volumes.find((v: Json) => v.name === "socket");
  assert.ok(socketVolume.emptyDir, "the socket is in an emptyDir");
  const socketDir = mountOf(sidecar, "socket")!;
  assert.equal(mountOf(app, "socket"), socketDir);
  assert.ok(arg(sidecar, "socket")!.startsWith(`${socketDir}/`));
  const incidents = mountOf(sidecar, "incidents")!;
  assert.equal(mountOf(app, "incidents"), incidents);
  assert.ok(arg(sidecar, "dir")!.startsWith(`${incidents}/`));
  const port = assertProbed(sidecar, "flightlog", "sidecar");
  assert.equal(arg(sidecar, "listen"), `0.0.0.0:${port}`);
  assertHardened(sidecar, "sidecar");
  assertHardened(app, "app");
  assert.equal(pod.securityContext.runAsNonRoot, true);
});

Deno.test("the token comes from the Secret, mounted where --token-file reads it", async () => {
  const secret = await find("Secret", "flightlog-token");
  assert.ok(secret.stringData.token);
  for (const [name, pod] of [["shop", true], ["flightlog-gather", false]]) {
    const spec = (await find("Deployment", name as string)).spec.template.spec;
    const c = pod ? spec.initContainers[0] : spec.containers[0];
    const volume = spec.volumes.find((v: Json) => v.secret);
    assert.equal(volume.secret.secretName, "flightlog-token", `${name}`);
    assert.equal(
      arg(c, "token-file"),
      `${mountOf(c, volume.name)}/token`,
      `${name}`,
    );
  }
});

Deno.test("the gatherer's Service selects its pods and is where sidecars push", async () => {
  const gather = await find("Deployment", "flightlog-gather");
  const service = await find("Service", "flightlog-gather");
  const labels = gather.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(service.spec.selector)) {
    assert.equal(labels[k], v, `selector ${k}`);
  }
  const c = gather.spec.template.spec.containers[0];
  assert.equal(c.args[0], "gather");
  const port = assertProbed(c, service.spec.ports[0].targetPort, "gather");
  assert.equal(arg(c, "listen"), `0.0.0.0:${port}`);
  assertHardened(c, "gather");
  const shop = await find("Deployment", "shop");
  assert.equal(
    arg(shop.spec.template.spec.initContainers[0], "peer"),
    `http://${service.metadata.name}:${service.spec.ports[0].port}`,
  );
});

Deno.test("flightlog accepts the containers' arguments", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/token`, "a-token\n");
  // The Secret's mount, here.
  const local = (args: string[]) =>
    args.slice(1).map((a) => a.replace("=/etc/flightlog/", `=${dir.path}/`));
  const shop = await find("Deployment", "shop");
  const sidecar = shop.spec.template.spec.initContainers[0];
  const s = await parseSidecarArgs(local(sidecar.args));
  assert.equal(s.socketPath, arg(sidecar, "socket"));
  assert.equal(s.peers?.length, 1);
  const gather = await find("Deployment", "flightlog-gather");
  const g = await parseGatherArgs(
    local(gather.spec.template.spec.containers[0].args),
  );
  assert.equal(g.dir, "/var/lib/flightlog-gather");
});
