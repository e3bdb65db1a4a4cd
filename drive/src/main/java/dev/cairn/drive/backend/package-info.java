/**
 * The media a drive can live on, behind one interface ({@link
 * dev.cairn.drive.backend.DriveBackend}) and one contract test suite: a file or block device
 * through direct system calls, sparse memory, fault injection, and a crash simulator with a
 * volatile write cache.
 */
package dev.cairn.drive.backend;
