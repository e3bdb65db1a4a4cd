/**
 * What every leg holds in front of the volume's data: a 4 KiB superblock ({@link
 * dev.cairn.agent.bitmap.LegHeader}: volume and leg id, generation, event counter, geometry, the
 * in-sync legs, CRC32C) and the write-intent bitmap ({@link dev.cairn.agent.bitmap.BitmapFormat},
 * one bit per region, 4 KiB pages), kept by {@link dev.cairn.agent.bitmap.WriteIntentBitmap}.
 * The controller sizes the header area (LegLayout): superblock plus bitmap, rounded up to 1 MiB.
 */
package dev.cairn.agent.bitmap;
