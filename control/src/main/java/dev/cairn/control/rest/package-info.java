/**
 * The controller's REST API ({@link dev.cairn.control.rest.ControllerApi}): the routes of the
 * operators, the nodes and the agents, their tokens, metrics and OpenAPI document.
 *
 * <h2>Threads</h2>
 *
 * Javalin (Jetty) runs each request on a virtual thread of its own, so a node's or an agent's long
 * poll for its desired state (at most 30 s) costs one parked virtual thread, not a pooled one. No
 * route keeps state of its own between requests: each reads the replicated state, or submits one
 * command and waits for it to be applied on this peer, so any peer answers with what the group
 * decided. The one exception is liveness: a heartbeat that would change nothing but when its
 * sender was last heard from is noted in the leader's memory ({@link
 * dev.cairn.control.state.Liveness}), passed on to it by a follower, instead of being logged.
 *
 * <h2>Failure modes</h2>
 *
 * <ul>
 *   <li>A request that is malformed, or a command that could never apply (a field missing or out
 *       of bounds), is answered 400 before anything reaches the log. A command the state machine
 *       refuses is answered with the HTTP status of its outcome (404, 409, 400, 422; 500 for a bug) and its
 *       reason, and changed nothing.
 *   <li>A peer that is still replaying its log answers 503 with its progress on {@code /v1/} and
 *       {@code /health}; {@code /metrics} and {@code /openapi.json} answer at once.
 *   <li>When the replicated state cannot answer (no leader, a lost majority, a full or failed
 *       disk under Ratis), the request fails after the replication's request timeout with 503 and
 *       the reason. Whether a command that timed out was applied is then unknown to the caller; a
 *       retry finds out (a volume created twice is refused by its name, 409).
 *   <li>Anything else is a bug: logged and answered 500, and the server carries on.
 * </ul>
 */
package dev.cairn.control.rest;
