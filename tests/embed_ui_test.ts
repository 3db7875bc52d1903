import assert from "node:assert";
import { renderAssets, UI_DIR } from "../tools/embed_ui.ts";
import { ASSETS } from "../ui/_assets.ts";

Deno.test("renderAssets matches the committed ui/_assets.ts", async () => {
  const committed = await Deno.readTextFile(new URL("_assets.ts", UI_DIR));
  assert.ok(
    committed === await renderAssets(),
    "ui/_assets.ts is stale: run `deno run -A tools/embed_ui.ts`",
  );
});

Deno.test("renderAssets embeds the pages, scripts and stylesheet", () => {
  for (const name of ["index.html", "login.html", "app.js", "style.css"]) {
    assert.ok(ASSETS[name]?.body.length > 0, name);
  }
  assert.match(ASSETS["app.js"].type, /^text\/javascript/);
  assert.equal(ASSETS["_assets.ts"], undefined);
});

Deno.test("renderAssets refuses a file it has no content type for", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/notes.txt`, "x");
    await assert.rejects(
      renderAssets(new URL(`file://${dir}/`)),
      /notes\.txt: no content type/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
