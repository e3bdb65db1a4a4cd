/**
 * What every leg holds in front of the volume's data: a 4 KiB superblock ({@link
 * dev.cairn.legs.header.LegHeader}: volume and leg id, generation, event counter, geometry, the
 * in-sync legs, CRC32C), or, while a new leg is being filled, a fill record in its place ({@link
 * dev.cairn.legs.header.FillRecord}: how far the copy got), and the write-intent bitmap ({@link
 * dev.cairn.legs.header.BitmapFormat}, one bit per region, 4 KiB pages). The controller sizes the
 * header area (LegLayout): superblock plus bitmap, rounded up to 1 MiB.
 */
package dev.cairn.legs.header;
