"""What an operator graphs: Prometheus metrics of ingests, jobs, remote calls and webhook deliveries.

Counted in this process; /metrics adds the index's own figures when it is read.
"""
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)
BREAKER_STATES = ("closed", "half-open", "open")

SESSIONS = Gauge("session_stats_sessions", "Live sessions in the index.", registry=REGISTRY)
INGESTED = Counter("session_stats_ingested_sessions", "Sessions ingested, by outcome (inserted, updated).",
                   ["outcome"], registry=REGISTRY)
JOB_SECONDS = Histogram("session_stats_job_seconds", "How long scan and sync jobs ran, by kind and outcome.",
                        ["kind", "status"], buckets=(1, 5, 15, 60, 300, 900, 3600, 4 * 3600), registry=REGISTRY)
REMOTE_LATENCY = Histogram("session_stats_remote_request_seconds", "Calls to remote sources, by source and answer.",
                           ["source", "status"], registry=REGISTRY)
RATE_LIMIT_WAIT = Counter("session_stats_remote_rate_limit_wait_seconds",
                          "Time calls to a source waited for the rate limit or its Retry-After.", ["source"],
                          registry=REGISTRY)
BREAKER_STATE = Gauge("session_stats_remote_breaker_state",
                      "Each source's circuit breaker: 0 closed, 1 half-open, 2 open.", ["source"], registry=REGISTRY)
WEBHOOK_DELIVERIES = Counter("session_stats_webhook_deliveries", "Webhook delivery attempts, by outcome.",
                             ["outcome"], registry=REGISTRY)
