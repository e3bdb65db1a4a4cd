/**
 * How a leg is reached: {@link dev.cairn.legs.io.LegIo} (asynchronous block I/O on a leg's whole
 * extent, header area included), over NBD to the leg's storage node with the generation and the
 * extent's secret in the export name ({@link dev.cairn.legs.io.NbdLegIo}). The client agent opens
 * every leg of the volumes it serves this way; a storage node opens the other legs of a volume it
 * copies a leg of.
 */
package dev.cairn.legs.io;
