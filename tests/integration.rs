//! End-to-end tests: the real binary, real start messages on stdin, and the ThreatStream simulator on
//! 127.0.0.1. One test binary, one module per topic.

// The `Invocation` builder, the test-side wire types and the preset texts, written apart from `src/`.
mod harness;

// The lookup actions: requests sent, paging, exact matching, cleaning, v1 and v2.
mod lookups;

// The verdict on every lookup against the simulator's verdict seed, and the options that change it.
mod verdict;

// Lookup Observables: a thousand values in few requests, invalid entries, duplicates, failures.
mod bulk;

// Upstream failures: every HTTP status and transport error mapped to its preset.
mod upstream_errors;

// The envelope itself: bad stdin, unknown actions, meta echo, the test command, info and sample.
mod protocol;

// Add Approval Indicator: the multipart upload, what ThreatStream receives, bad inputs.
mod import;

// Retries, time-outs, TLS verification and proxies.
mod resilience;

// Malformed envelopes, connections and inputs; hostile answers from upstream.
mod hostile;

// The API key travels only in the Authorization header.
mod secrets;

// `http` mode over loopback: routes, status codes, masking, concurrency and graceful shutdown.
mod server;

// The image without Docker: Dockerfile, .dockerignore and Makefile against the plugin image rules.
mod image;
