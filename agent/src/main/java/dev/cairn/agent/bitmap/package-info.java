/**
 * The agent's write-intent bitmap of one volume ({@link dev.cairn.agent.bitmap.WriteIntentBitmap}):
 * which regions the legs may differ in, kept durably in every writable leg's bitmap pages (their
 * format is {@link dev.cairn.legs.header.BitmapFormat}), and who touches each region (writes in
 * flight, copies by a resync).
 */
package dev.cairn.agent.bitmap;
