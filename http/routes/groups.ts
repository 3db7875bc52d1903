/**
 * The group routes: list (`GET /v1/groups`), one with its latest incidents
 * (`GET /v1/groups/{id}`), triage (`PATCH /v1/groups/{id}` with a status),
 * and the live log of group changes (`GET /v1/groups/stream`, resumable
 * with `Last-Event-ID`).
 *
 * @module
 */

import {
  GROUP_STATUSES,
  type GroupEvent,
  type GroupStatus,
} from "../../store/groups.ts";
import { HttpError } from "../http_error.ts";
import { type ApiContext, json, type Route } from "../route.ts";
import type { SseStreams } from "../sse.ts";
import { resume } from "../_resumable.ts";
import { checkRelease } from "../../store/releases.ts";
import { actor } from "../actor.ts";
import { intParam, lastEventId, publicIncident, timeParam } from "./_params.ts";

/** Most groups one list answer holds. */
const MAX_LIMIT = 1000;
/** Latest incidents `GET /v1/groups/{id}` adds. */
const LATEST = 20;

function statusParam(v: string | null): GroupStatus | undefined {
  if (v === null || v === "") return undefined;
  if (!GROUP_STATUSES.includes(v as GroupStatus)) {
    throw new HttpError(
      400,
      `status must be one of ${GROUP_STATUSES.join(", ")}`,
    );
  }
  return v as GroupStatus;
}

function groupId(rest: string): string {
  if (!/^[0-9a-f]{16}$/.test(rest)) {
    throw new HttpError(
      400,
      `bad group id ${JSON.stringify(rest)}: expected 16 hex digits`,
    );
  }
  return rest;
}

/** `inRelease` of a PATCH: a release, and only with `resolved`. */
function releaseParam(status: GroupStatus, v: unknown): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (status !== "resolved") {
    throw new HttpError(400, "inRelease goes only with status resolved");
  }
  try {
    return checkRelease(v);
  } catch (e) {
    if (e instanceof TypeError) throw new HttpError(400, e.message);
    throw e;
  }
}

/** The routes of `/v1/groups`, on `ctx.store`. */
export function groupRoutes(ctx: ApiContext, streams: SseStreams): Route[] {
  const { store } = ctx;
  const sse = async (e: GroupEvent) => {
    const group = await store.groups.get(e.group);
    return `id: ${e.id}\nevent: ${e.type}\ndata: ${
      JSON.stringify({ ...e, ...(group && { group }) })
    }\n\n`;
  };
  return [
    {
      path: "/v1/groups",
      methods: {
        GET: async (_req, { url }) => {
          const p = url.searchParams;
          const sort = p.get("sort") || "last";
          if (sort !== "last" && sort !== "count") {
            throw new HttpError(400, "sort must be last or count");
          }
          const groups = await store.groups.list({
            status: statusParam(p.get("status")),
            category: p.get("category") || undefined,
            app: p.get("app") || undefined,
            since: timeParam(url, "since"),
            sort,
            limit: Math.min(intParam(url, "limit") ?? 100, MAX_LIMIT),
          });
          return json({ groups, total: await store.groups.count() });
        },
      },
    },
    {
      path: "/v1/groups/stream",
      methods: {
        GET: (req, { url }) => {
          const last = lastEventId(req, url);
          return streams.open((send, close) =>
            resume<GroupEvent>(
              {
                last,
                latest: () => store.groups.lastEventId(),
                after: (id) => store.groups.eventsAfter(id),
                subscribe: (fn) => store.groups.subscribe(fn),
                id: (e) => e.id,
                key: (e) => `${e.type} ${e.group} ${e.incident ?? ""}`,
                lookback: store.lookback,
                format: sse,
              },
              send,
              close,
            )
          );
        },
      },
    },
    {
      path: "/v1/groups/",
      prefix: true,
      methods: {
        GET: async (_req, { rest }) => {
          const id = groupId(rest);
          const group = await store.groups.get(id);
          if (group === undefined) throw new HttpError(404, `no group ${id}`);
          const incidents = (await store.list({ group: id, limit: LATEST }))
            .map(publicIncident);
          const detail = await store.groups.detail(id);
          return json({ group, incidents, ...detail });
        },
        PATCH: async (req, { rest, body }) => {
          const id = groupId(rest);
          let patch: { status?: unknown; inRelease?: unknown };
          try {
            patch = JSON.parse(new TextDecoder().decode(await body()));
          } catch {
            throw new HttpError(
              400,
              'body must be JSON like {"status": "resolved"}',
            );
          }
          const status = statusParam(
            typeof patch?.status === "string" ? patch.status : "?",
          )!;
          const inRelease = releaseParam(status, patch.inRelease);
          const group = await store.groups.setStatus(id, status, {
            ...(inRelease === undefined ? {} : { inRelease }),
            by: await actor(req),
          });
          if (group === undefined) throw new HttpError(404, `no group ${id}`);
          return json({ group });
        },
      },
    },
  ];
}
