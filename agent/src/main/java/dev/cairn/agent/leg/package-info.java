/**
 * How the agent reaches a leg: {@link dev.cairn.agent.leg.LegIo} (asynchronous block I/O on a
 * leg's whole extent), over NBD to the leg's storage node with the attachment's generation and the
 * extent's secret in the export name ({@link dev.cairn.agent.leg.NbdLegIo}).
 */
package dev.cairn.agent.leg;
