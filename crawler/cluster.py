"""The distributed crawl's shared state in Redis (issue #13; design in docs/scale.md).

One run of `nianbao crawl --redis URL` lives under one namespace `nianbao:run:<id>`:

    <ns>:meta                 pickled run plan (sites, run ids, clock, options)
    <ns>:q:<site>             scrapy-redis priority queue (sorted set) of the site's frontier
    <ns>:df:<site>            scrapy-redis RFPDupeFilter fingerprints: nothing scheduled twice
    <ns>:fly:<site>           requests popped by a worker, not yet done: token -> request
    <ns>:own:<site>           token -> "worker|score" (who holds it; re-queued if it dies)
    <ns>:lease:<host>:<slot>  per-host politeness lease (SET NX PX token), cluster-wide
    <ns>:states:<site>        url_state snapshot (url_key -> pickled UrlState) for workers
    <ns>:pages:<site>         stored copies of known pages a 304 may make a worker follow
    <ns>:listed:<site>        url_keys lists linked this run (union of the workers')
    <ns>:tally:<site>         the workers' counters (HINCRBY, with each request's records)
    <ns>:closed:<site>        worker -> how its spider closed (reason, trap stops)
    <ns>:stop:<site>          set when the site's page limit / time budget stopped it
    <ns>:ids                  capture id allocator (starts at the archive's max id)
    <ns>:stream               capture/report records for the one ingest writer
    <ns>:alive:<worker>       heartbeat (PX); a worker without one has died
    <ns>:workers              worker -> JSON (host, pid, requests done)
    <ns>:ingest               host:pid of the ingest process
    <ns>:done / :finished     the frontier ran dry / the workers are gone

Everything pickled here is written by the coordinator and the workers of the run: Redis
must be reachable only by them (docs/security.md), as with scrapy-redis itself.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

CURRENT = "nianbao:current"  # the namespace of the run in progress (workers join it)
TOKEN_META = "nianbao_token"  # request.meta: the in-flight token of a popped request
LEASE_META = "nianbao_lease"  # request.meta: (key, token) of the host lease it holds
HEARTBEAT_MS = 15000  # a worker silent this long is taken for dead
GROUP = "ingest"


def escaped(text: str) -> str:
    """scrapy-redis formats keys with `% {"spider": ...}`: keep a literal `%` literal."""
    return text.replace("%", "%%")


@dataclass(frozen=True)
class RunKeys:
    ns: str

    @property
    def meta(self) -> str:
        return f"{self.ns}:meta"

    def queue(self, site: str) -> str:
        return f"{self.ns}:q:{site}"

    def dupefilter(self, site: str) -> str:
        return f"{self.ns}:df:{site}"

    def flying(self, site: str) -> str:
        return f"{self.ns}:fly:{site}"

    def owners(self, site: str) -> str:
        return f"{self.ns}:own:{site}"

    def lease(self, host: str, slot: int) -> str:
        return f"{self.ns}:lease:{host}:{slot}"

    def states(self, site: str) -> str:
        return f"{self.ns}:states:{site}"

    def pages(self, site: str) -> str:
        return f"{self.ns}:pages:{site}"

    def listed(self, site: str) -> str:
        return f"{self.ns}:listed:{site}"

    def tally(self, site: str) -> str:
        return f"{self.ns}:tally:{site}"

    def closed(self, site: str) -> str:
        return f"{self.ns}:closed:{site}"

    def stop(self, site: str) -> str:
        return f"{self.ns}:stop:{site}"

    def responses(self, site: str) -> str:
        return f"{self.ns}:responses:{site}"

    def errors(self, site: str) -> str:
        return f"{self.ns}:errors:{site}"

    @property
    def ids(self) -> str:
        return f"{self.ns}:ids"

    @property
    def stream(self) -> str:
        return f"{self.ns}:stream"

    def alive(self, worker: str) -> str:
        return f"{self.ns}:alive:{worker}"

    @property
    def workers(self) -> str:
        return f"{self.ns}:workers"

    @property
    def ingest(self) -> str:
        return f"{self.ns}:ingest"  # the pid of the ingest process writing the run

    @property
    def requeued(self) -> str:
        return f"{self.ns}:requeued"

    @property
    def done(self) -> str:
        return f"{self.ns}:done"

    @property
    def finished(self) -> str:
        return f"{self.ns}:finished"


@dataclass
class RunPlan:
    """What the coordinator tells every worker (pickled at `<ns>:meta`)."""

    sites: list[Any]  # crawler.sites.Site
    run_ids: dict[str, int]
    settings: dict[str, dict[str, Any]]  # site id -> Scrapy settings (site_settings)
    now: str | None  # the coordinator's fixed clock (tests), else None
    log_level: str = "WARNING"

    def dumps(self) -> bytes:
        return pickle.dumps(self)

    @staticmethod
    def loads(data: bytes) -> RunPlan:
        plan = pickle.loads(data)
        if not isinstance(plan, RunPlan):
            raise TypeError("not a nianbao run plan")
        return plan


# Pop the best request and hold it in flight, atomically: a worker that dies after this
# leaves it in <ns>:fly, from where `REQUEUE` puts it back.
POP = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return false end
redis.call('ZREM', KEYS[1], item[1])
redis.call('HSET', KEYS[2], ARGV[1], item[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2] .. '|' .. item[2])
return item[1]
"""

# Put an in-flight request back in the frontier (its worker died or gave it up).
REQUEUE = """
local data = redis.call('HGET', KEYS[2], ARGV[1])
local owner = redis.call('HGET', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if not data then return 0 end
local score = 0
if owner then score = tonumber(string.match(owner, '|([^|]*)$')) or 0 end
redis.call('ZADD', KEYS[1], score, data)
return 1
"""

# A handled request's records and the worker's counter increments (ARGV[3..]: field,
# delta), only if it is still ours: a request put back in the
# frontier (its worker was taken for dead) is someone else's now, and its records too.
FLUSH = """
if ARGV[1] ~= '' then
  if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then return 0 end
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
end
if ARGV[2] ~= '' then redis.call('XADD', KEYS[1], '*', 'r', ARGV[2]) end
for i = 3, #ARGV, 2 do redis.call('HINCRBY', KEYS[4], ARGV[i], ARGV[i + 1]) end
return 1
"""

# Release a host lease we hold: keep it `ARGV[2]` ms more as the politeness delay.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if tonumber(ARGV[2]) > 0 then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def requeue(server: Any, keys: RunKeys, site: str, token: str) -> bool:
    return bool(server.eval(REQUEUE, 3, keys.queue(site), keys.flying(site), keys.owners(site),
                            token))


def requeue_worker(server: Any, keys: RunKeys, site: str, worker: str | None = None,
                   dead: Any = None) -> int:
    """Re-queue the in-flight requests of `worker` (or of every worker `dead(worker)`
    says has died) for one site; counts them in <ns>:requeued."""
    count = 0
    for token, owner in server.hgetall(keys.owners(site)).items():
        holder = owner.decode().rsplit("|", 1)[0]
        mine = (worker is not None and holder == worker) or (dead is not None and dead(holder))
        if mine and requeue(server, keys, site, token.decode()):
            count += 1
    if count:
        server.incrby(keys.requeued, count)
    return count
