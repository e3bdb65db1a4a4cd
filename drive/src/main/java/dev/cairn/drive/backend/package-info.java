/**
 * The media a drive can live on, behind one interface ({@link
 * dev.cairn.drive.backend.DriveBackend}) and one contract test suite: a file or block device
 * through direct system calls. The test doubles (sparse memory, fault injection, and a crash
 * simulator with a volatile write cache) live in this package of the module's test-jar, where other
 * modules' tests get them: no daemon uses them.
 */
package dev.cairn.drive.backend;
